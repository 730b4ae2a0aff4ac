"""The queue's reads and the one move that concern another run's items, on SQLite and PostgreSQL:
taking a gone run's open items over, an account in another run's worker's hands, a run's last
sign of life, the AMS each item was for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rpa.queue.work_queue import ItemState, NewItem, WorkQueue
from rpa.run.operators import OperatorRefusals
from rpa.run.owners import RunOwners

FLOW = "account-filing"
GONE, NEW = "20261201-090000-account-filing-aaaaaa", "20261202-090000-account-filing-bbbbbb"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _queue(db_url: str, clock: Clock) -> WorkQueue:
    queue = WorkQueue(db_url, clock=clock)
    queue.create_schema()
    return queue


def test_open_items_of_a_gone_run_are_taken_over_and_nothing_else(db_url: str) -> None:
    clock = Clock()
    queue = _queue(db_url, clock)
    done, live, leased, pending = (r.item_id for r in queue.enqueue_many(FLOW, GONE, [
        NewItem("k1", {"portal": "ams:PBCAMS-110000"}, order_group="6222000011112222"),
        NewItem("k2", {"portal": "ams:PBCAMS-110000"}, order_group="6222000033334444"),
        NewItem("k3", {"portal": "http://10.1.2.3/ams"}, order_group="6222000055556666"),
        NewItem("k4", {}, order_group="6222000077778888"),
    ]))
    claims = [queue.claim(run_id=GONE, owner=f"robot-2:4711:w{n}", lease_seconds=s)
              for n, s in enumerate((30, 600, 30))]  # claimed in id order: done, live, leased
    assert [c.id for c in claims if c is not None] == [done, live, leased]
    queue.complete(done, "robot-2:4711:w0", {"status": "filed"})
    clock.now += timedelta(seconds=60)  # the lease of `leased` has run out, that of `live` not

    moved = queue.take_over([pending, leased, live, done], GONE, NEW)

    assert moved == sorted([pending, leased])
    assert {i.id for i in queue.items(NEW)} == {pending, leased}
    assert all(i.state == ItemState.PENDING and i.lease_owner is None for i in queue.items(NEW))
    assert queue.get(live).state == ItemState.LEASED and queue.get(done).state == ItemState.DONE
    assert queue.take_over([pending], GONE, NEW) == []  # no longer that run's
    assert queue.payload_values(FLOW, "portal") == {"ams:PBCAMS-110000", "http://10.1.2.3/ams"}


def test_an_account_in_another_runs_hands_and_a_runs_last_sign_of_life(db_url: str) -> None:
    clock = Clock()
    queue = _queue(db_url, clock)
    assert queue.last_activity(GONE) is None
    (first,) = queue.enqueue_many(FLOW, GONE, [NewItem("k1", {}, order_group="6222000011112222")])
    (later,) = queue.enqueue_many(FLOW, NEW, [NewItem("k1b", {}, order_group="6222000011112222")])
    (alone,) = queue.enqueue_many(FLOW, NEW, [NewItem("k9", {}, order_group="6222000099990000")])
    assert queue.leased_ahead_elsewhere(queue.get(later.item_id)) is None  # pending there, not in hand

    assert queue.claim(run_id=GONE, owner="robot-2:4711:w0", lease_seconds=30) is not None
    assert queue.last_activity(GONE) == clock.now + timedelta(seconds=30)  # its lease runs till then
    ahead = queue.leased_ahead_elsewhere(queue.get(later.item_id))
    assert ahead is not None and ahead.id == first.item_id
    assert queue.leased_ahead_elsewhere(queue.get(first.item_id)) is None  # the earlier one goes on
    assert queue.leased_ahead_elsewhere(queue.get(alone.item_id)) is None  # another account

    clock.now += timedelta(seconds=31)  # the lease ran out: its worker is gone
    assert queue.leased_ahead_elsewhere(queue.get(later.item_id)) is None


def test_run_owners_and_refusals_on_either_database(db_url: str) -> None:
    owners = RunOwners(db_url)
    owners.mark_running(NEW)
    assert owners.state(NEW) == "running"
    owners.mark_ended(NEW)
    assert owners.state(NEW) == "ended"
    refusals = OperatorRefusals(db_url)
    refusals.record("ams", "A10001", code="login_refused", message="密码错误", run_id=NEW)
    refusals.record("ams", "A10001", code="login_refused", message="用户已锁定", run_id=GONE)
    assert [(r.operator_code, r.portal_message) for r in refusals.listing()] == [("A10001", "密码错误")]
    assert len(refusals.clear("A10001", "ams")) == 1 and refusals.listing() == []
