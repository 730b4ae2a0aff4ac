"""The work queue's transitions, on SQLite and PostgreSQL, with a hand-moved clock."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from loguru import logger
from sqlalchemy import event, inspect, text

from rpa.audit.log import AuditLog
from rpa.db import engine_for
from rpa.queue.work_queue import (
    ENDED_STATES,
    JITTER_FRACTION,
    InvalidTransition,
    ItemNotFound,
    ItemState,
    LeaseLost,
    NewItem,
    Outcome,
    SubmittedElsewhere,
    WorkItem,
    WorkQueue,
    retry_delay_seconds,
)
from rpa.run.flow import WorkerContext
from rpa.run.worker import IDLE_POLL_SECONDS, process_items
from rpa.settings import Settings
from tests.plugins.postgres import ThrowawayCluster

FLOW = "account_filing"
RUN = "run-1"


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def queue(db_url: str, clock: ManualClock) -> WorkQueue:
    q = WorkQueue(db_url, max_attempts=3, backoff_base_seconds=2.0, backoff_max_seconds=5.0, clock=clock)
    q.create_schema()
    return q


def _claim(queue: WorkQueue, owner: str = "w1", lease: float = 30.0, run_id: str = RUN) -> WorkItem:
    item = queue.claim(run_id=run_id, owner=owner, lease_seconds=lease)
    assert item is not None, "expected a claimable item"
    return item


def test_create_schema_twice_is_harmless(queue: WorkQueue) -> None:
    queue.enqueue(FLOW, RUN, "k1", {"n": 1})
    queue.create_schema()
    assert queue.counts(RUN)[ItemState.PENDING] == 1


def test_enqueue_same_key_twice_adds_nothing_and_reports_the_existing_item(queue: WorkQueue) -> None:
    first = queue.enqueue(FLOW, RUN, "open|12345678|2026-03-02|abc", {"account_no": "12345678"})
    again = queue.enqueue(FLOW, "run-2", "open|12345678|2026-03-02|abc", {"account_no": "12345678"})

    assert first.created and first.state is ItemState.PENDING and first.run_id == RUN
    assert not again.created
    assert (again.item_id, again.state, again.run_id) == (first.item_id, ItemState.PENDING, RUN)
    assert sum(queue.counts("run-2").values()) == 0
    assert queue.enqueue("report_extraction", RUN, "open|12345678|2026-03-02|abc", {}).created


def test_enqueue_many_reports_each_entry_in_order(queue: WorkQueue) -> None:
    existing = queue.enqueue(FLOW, "run-0", "b", {"n": 0})
    results = queue.enqueue_many(FLOW, RUN, [("a", {"n": 1}), ("b", {"n": 2}), ("a", {"n": 3}), ("c", {})])

    assert [r.created for r in results] == [True, False, False, True]
    assert results[1].item_id == existing.item_id and results[1].run_id == "run-0"
    assert results[2].item_id == results[0].item_id
    assert queue.get(results[0].item_id).payload == {"n": 1}
    assert [item.key for item in queue.items(RUN)] == ["a", "c"]


def test_enqueue_many_takes_ten_thousand_items_in_one_transaction(queue: WorkQueue) -> None:
    entries = [(f"key-{n:05d}", {"n": n, "account_no": f"{n:012d}"}) for n in range(10_000)]
    engine = engine_for(queue.url)
    statements: list[str] = []
    commits: list[object] = []

    def on_statement(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        statements.append(sql)

    def on_commit(conn: object) -> None:
        commits.append(conn)

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        results = queue.enqueue_many(FLOW, RUN, entries)
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)

    assert all(r.created for r in results)
    assert len({r.item_id for r in results}) == 10_000
    assert queue.counts(RUN)[ItemState.PENDING] == 10_000
    # rows go in batches of hundreds, not one statement (or one transaction) per row
    assert len(statements) <= 50, f"{len(statements)} statements for 10k items"
    assert len(commits) == 1
    assert not any(r.created for r in queue.enqueue_many(FLOW, "run-2", entries[:1000]))


def test_claim_leases_the_oldest_item_and_records_the_attempt(queue: WorkQueue, clock: ManualClock) -> None:
    ids = [r.item_id for r in queue.enqueue_many(FLOW, RUN, [("a", {}), ("b", {}), ("c", {})])]
    queue.enqueue(FLOW, "other-run", "z", {})

    item = _claim(queue, "w1", lease=30)

    assert item.id == ids[0] and item.state is ItemState.LEASED and item.attempts == 1
    assert item.lease_owner == "w1" and item.lease_expires_at == clock.now + timedelta(seconds=30)
    [attempt] = queue.history(item.id)
    assert (attempt.attempt, attempt.owner, attempt.started_at) == (1, "w1", clock.now)
    assert attempt.ended_at is None and attempt.outcome is None
    assert _claim(queue, "w2").id == ids[1]
    assert _claim(queue, "w3").id == ids[2]
    assert queue.claim(run_id=RUN, owner="w4", lease_seconds=30) is None


def test_heartbeat_extends_only_the_owners_lease(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue, "w1", lease=10)
    clock.advance(8)

    assert queue.heartbeat(item.id, "w1", 10)
    assert queue.get(item.id).lease_expires_at == clock.now + timedelta(seconds=10)
    assert not queue.heartbeat(item.id, "w2", 10)
    queue.complete(item.id, "w1")
    assert not queue.heartbeat(item.id, "w1", 10)


def test_complete_keeps_the_result_and_ends_the_attempt(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue)
    clock.advance(3)
    queue.complete(item.id, "w1", {"filing_no": "BA2026000001"})

    done = queue.get(item.id)
    assert done.state is ItemState.DONE and done.state in ENDED_STATES
    assert done.result == {"filing_no": "BA2026000001"}
    assert done.lease_owner is None and done.lease_expires_at is None and done.updated_at == clock.now
    [attempt] = queue.history(item.id)
    assert (attempt.outcome, attempt.ended_at) == (Outcome.DONE, clock.now)
    assert queue.next_due_in(RUN) is None


def test_a_worker_whose_lease_was_taken_over_cannot_finish_the_item(
    queue: WorkQueue, clock: ManualClock
) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    stale = _claim(queue, "w1", lease=10)
    clock.advance(11)
    taken = _claim(queue, "w2", lease=10)

    assert taken.id == stale.id and taken.attempts == 2 and taken.lease_owner == "w2"
    attempts = [(a.owner, a.outcome) for a in queue.history(taken.id)]
    assert attempts == [("w1", Outcome.LEASE_EXPIRED), ("w2", None)]
    endings: list[Callable[[], object]] = [
        lambda: queue.complete(stale.id, "w1", {"filing_no": "X"}),
        lambda: queue.fail_business(stale.id, "w1", "portal_refusal", "该账户已备案"),
        lambda: queue.fail_system(stale.id, "w1", "portal_timeout", "timed out"),
        lambda: queue.hold(stale.id, "w1", "needs_person", "content differs"),
        lambda: queue.return_lease(stale.id, "w1"),
    ]
    for end in endings:
        with pytest.raises(LeaseLost) as lost:
            end()
        assert lost.value.code == "lease_lost"
    assert not queue.heartbeat(stale.id, "w1", 10)
    assert queue.get(taken.id).lease_owner == "w2"
    queue.complete(taken.id, "w2")
    with pytest.raises(LeaseLost):
        queue.complete(999_999, "w2")


def test_every_claim_gets_the_next_fencing_token(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    first = _claim(queue, "w1", lease=10)
    queue.fail_system(first.id, "w1", "portal_timeout", "timed out")
    clock.advance(60)
    second = _claim(queue, "w2", lease=10)
    clock.advance(11)
    third = _claim(queue, "w1", lease=10)  # took the expired lease over
    assert [first.fence, second.fence, third.fence] == [1, 2, 3]
    assert queue.get(first.id).fence == 3


def test_begin_submit_only_for_the_live_lease_with_its_token(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue, "w1", lease=10)
    assert not queue.begin_submit(item.id, "w2", item.fence)  # not its lease
    assert not queue.begin_submit(item.id, "w1", item.fence - 1)  # an older token
    assert queue.get(item.id).submit_fence is None
    clock.advance(4)
    assert queue.begin_submit(item.id, "w1", item.fence)
    marked = queue.get(item.id)
    assert (marked.submit_fence, marked.submitting_at) == (item.fence, clock.now)
    assert not marked.caught_mid_submit  # its own lease's mark

    queue.enqueue(FLOW, RUN, "b", {})
    frozen = _claim(queue, "w3", lease=10)
    clock.advance(11)  # w3 froze past its lease; nobody has taken the item yet
    assert not queue.begin_submit(frozen.id, "w3", frozen.fence)
    assert queue.get(frozen.id).submit_fence is None


def test_one_account_is_submitted_by_one_run_at_a_time_and_never_on_a_stale_look_up(
    queue: WorkQueue, clock: ManualClock
) -> None:
    """Tester Q's Q1: two runs given one account's 变更 under different keys (a cell the change
    does not name differed) both looked AMS up before either filed, and AMS stored it twice."""
    queue.enqueue(FLOW, "run-a", "change:a", {}, order_group="acct-1")
    queue.enqueue(FLOW, "run-b", "change:b", {}, order_group="acct-1")
    queue.enqueue(FLOW, "run-b", "other", {}, order_group="acct-2")
    first = _claim(queue, "wa", run_id="run-a")
    clock.advance(1)
    second = _claim(queue, "wb", run_id="run-b")
    assert queue.begin_submit(first.id, "wa", first.fence, claimed=first)
    with pytest.raises(SubmittedElsewhere, match="同一账户正由运行 run-a 报备或刚刚报备"):
        queue.begin_submit(second.id, "wb", second.fence, claimed=second)  # run-a is submitting
    clock.advance(1)
    queue.complete(first.id, "wa", {"status": "filed"})
    with pytest.raises(SubmittedElsewhere):  # done since run-b looked up: its look-up may predate it
        queue.begin_submit(second.id, "wb", second.fence, claimed=second)
    queue.mask_done_payloads("run-a", lambda payload: {**payload, "masked": True})  # run-a ended
    with pytest.raises(SubmittedElsewhere):  # its masking keeps the group: the guard still sees it
        queue.begin_submit(second.id, "wb", second.fence, claimed=second)
    assert queue.get(second.id).submitting_at is None
    queue.fail_system(second.id, "wb", "submitted_elsewhere", "retried")
    clock.advance(60)
    again = _claim(queue, "wb", run_id="run-b")  # a new attempt: its look-up comes after the filing
    assert again.id == second.id and queue.begin_submit(again.id, "wb", again.fence, claimed=again)
    other = _claim(queue, "wb", run_id="run-b")  # another account is no business of run-a's
    assert queue.begin_submit(other.id, "wb", other.fence, claimed=other)


def test_another_run_s_press_still_without_answer_keeps_the_account_from_a_second_press(
    queue: WorkQueue, clock: ManualClock
) -> None:
    """The code reviewer's case: run-a's 确认提交 got no answer (answer_lost: pending again, its
    mark cleared) and AMS may still store it; run-b's look-up finding nothing is no proof."""
    queue.enqueue(FLOW, "run-a", "change:a", {}, order_group="acct-1")
    queue.enqueue(FLOW, "run-b", "change:b", {}, order_group="acct-1")
    first = _claim(queue, "wa", run_id="run-a")
    assert queue.begin_submit(first.id, "wa", first.fence, claimed=first)
    queue.fail_system(first.id, "wa", "answer_lost", "no answer")
    second = _claim(queue, "wb", run_id="run-b")
    with pytest.raises(SubmittedElsewhere):
        queue.begin_submit(second.id, "wb", second.fence, claimed=second)


def test_two_runs_pressing_at_once_for_one_account_let_one_through(db_url: str) -> None:
    """begin_submit's lock, on SQLite and PostgreSQL: two runs' workers reaching 确认提交 for one
    account at the same moment, twenty times over: never both marked."""
    import threading as _threading

    queue = WorkQueue(db_url, max_attempts=3, backoff_base_seconds=2.0, backoff_max_seconds=5.0)
    queue.create_schema()
    for round_no in range(20):
        group = f"acct-race-{round_no}"
        claimed = []
        for run in ("run-a", "run-b"):
            queue.enqueue(FLOW, f"{run}-{round_no}", f"{run}:k-{round_no}", {}, order_group=group)
            claimed.append(_claim(queue, f"w-{run}", run_id=f"{run}-{round_no}"))
        start, through = _threading.Barrier(2), []

        def press(item: WorkItem, start: Any = start, through: list[bool] = through) -> None:
            start.wait()
            try:
                through.append(queue.begin_submit(item.id, item.lease_owner or "", item.fence, claimed=item))
            except SubmittedElsewhere:
                through.append(False)

        workers = [_threading.Thread(target=press, args=(item,)) for item in claimed]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert sorted(through) == [False, True], (round_no, through)


def test_a_lease_lost_mid_submit_leaves_the_mark_for_the_next_owner(
    queue: WorkQueue, clock: ManualClock
) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    frozen = _claim(queue, "w1", lease=10)
    assert queue.begin_submit(frozen.id, "w1", frozen.fence)
    clock.advance(11)
    taken = _claim(queue, "w2", lease=10)
    assert taken.caught_mid_submit and taken.submit_fence == frozen.fence != taken.fence
    assert not queue.begin_submit(frozen.id, "w1", frozen.fence)  # the frozen one wakes: refused
    # the new owner's own ending (a system error in its look-up) does not clear an earlier mark
    queue.fail_system(taken.id, "w2", "portal_timeout", "timed out")
    clock.advance(60)
    again = _claim(queue, "w2", lease=10)
    assert again.caught_mid_submit
    queue.hold(again.id, "w2", "caught_mid_submit", "look-up found nothing")
    assert queue.get(again.id).caught_mid_submit
    queue.release(again.id)  # a person settled it
    released = queue.get(again.id)
    assert released.submit_fence is None and released.submitting_at is None
    assert not _claim(queue, "w2").caught_mid_submit


@pytest.mark.parametrize("ending", ["complete", "fail_business", "fail_system", "hold", "return_lease"])
def test_the_owner_ending_its_attempt_clears_its_own_mark(queue: WorkQueue, ending: str) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue, "w1")
    assert queue.begin_submit(item.id, "w1", item.fence)
    args = {"complete": (), "return_lease": (), "fail_business": ("portal_refusal", "该账户已备案"),
            "fail_system": ("answer_lost", "the answer was lost"), "hold": ("needs_person", "x")}[ending]
    getattr(queue, ending)(item.id, "w1", *args)
    ended = queue.get(item.id)
    assert ended.submit_fence is None and ended.submitting_at is None and not ended.caught_mid_submit


def test_retry_forgets_a_mid_submit_mark(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    frozen = _claim(queue, "w1", lease=10)
    assert queue.begin_submit(frozen.id, "w1", frozen.fence)
    clock.advance(11)
    taken = _claim(queue, "w2")
    queue.hold(taken.id, "w2", "caught_mid_submit", "look-up found nothing")
    assert queue.retry(RUN) == [taken.id]
    assert queue.get(taken.id).submit_fence is None


def test_a_business_error_is_never_retried(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue)
    queue.fail_business(item.id, "w1", "portal_refusal", "该账户已备案", {"portal_page": "history"})

    ended = queue.get(item.id)
    assert ended.state is ItemState.BUSINESS_ERROR
    assert (ended.last_error_code, ended.last_error_message) == ("portal_refusal", "该账户已备案")
    assert ended.result == {"portal_page": "history"}
    clock.advance(3600)
    assert queue.claim(run_id=RUN, owner="w2", lease_seconds=30) is None
    assert queue.next_due_in(RUN) is None


def test_a_system_error_is_retried_with_backoff_then_failed(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    for attempt, base_delay in [(1, 2.0), (2, 4.0)]:
        item = _claim(queue)
        assert item.attempts == attempt
        assert queue.fail_system(item.id, "w1", "portal_unavailable", "500") is ItemState.PENDING
        waiting = queue.get(item.id)
        assert waiting.not_before is not None and waiting.lease_owner is None
        delay = (waiting.not_before - clock.now).total_seconds()
        assert base_delay <= delay <= base_delay * (1 + JITTER_FRACTION)
        assert queue.claim(run_id=RUN, owner="w1", lease_seconds=30) is None
        assert queue.next_due_in(RUN) == pytest.approx(delay)
        clock.advance(delay)

    last = _claim(queue)
    assert last.attempts == 3
    assert queue.fail_system(last.id, "w1", "portal_timeout", "timed out") is ItemState.FAILED
    failed = queue.get(last.id)
    assert failed.state is ItemState.FAILED and failed.last_error_code == "portal_timeout"
    assert [a.outcome for a in queue.history(last.id)] == [Outcome.SYSTEM_ERROR] * 3
    clock.advance(3600)
    assert queue.claim(run_id=RUN, owner="w1", lease_seconds=30) is None


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay_seconds(n, 2.0, 120.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert retry_delay_seconds(7, 2.0, 120.0) == 120.0
    assert retry_delay_seconds(10_000, 2.0, 120.0) == 120.0


def test_hold_waits_for_a_person_and_release_makes_it_pending(queue: WorkQueue) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue)
    queue.hold(item.id, "w1", "needs_person", "portal content differs", {"diff": ["address"]})

    held = queue.get(item.id)
    assert held.state is ItemState.HELD and held.result == {"diff": ["address"]}
    assert queue.claim(run_id=RUN, owner="w1", lease_seconds=30) is None
    queue.release(item.id)
    assert queue.get(item.id).state is ItemState.PENDING and queue.get(item.id).attempts == 1
    assert _claim(queue).attempts == 2
    with pytest.raises(InvalidTransition):
        queue.release(item.id)
    with pytest.raises(ItemNotFound):
        queue.release(999_999)


def test_reclaim_expired_puts_abandoned_leases_back(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue_many(FLOW, RUN, [("a", {}), ("b", {})])
    abandoned = _claim(queue, "w1", lease=5)
    alive = _claim(queue, "w2", lease=5)
    clock.advance(4)
    assert queue.heartbeat(alive.id, "w2", 30)
    clock.advance(2)

    assert queue.reclaim_expired() == 1
    back = queue.get(abandoned.id)
    assert back.state is ItemState.PENDING and back.lease_owner is None and back.attempts == 1
    assert queue.history(abandoned.id)[0].outcome == Outcome.LEASE_EXPIRED
    assert queue.get(alive.id).lease_owner == "w2"
    assert queue.reclaim_expired() == 0
    assert _claim(queue, "w3").attempts == 2


def test_return_lease_does_not_count_the_attempt(queue: WorkQueue) -> None:
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue)
    queue.return_lease(item.id, "w1")

    returned = queue.get(item.id)
    assert returned.state is ItemState.PENDING and returned.attempts == 0 and returned.lease_owner is None
    assert queue.history(item.id)[0].outcome == Outcome.RETURNED
    assert _claim(queue).attempts == 1


def test_retry_sends_chosen_ended_items_back_with_attempts_reset(db_url: str, clock: ManualClock) -> None:
    queue = WorkQueue(db_url, max_attempts=1, clock=clock)
    queue.create_schema()
    keys = "dbfh"
    enqueued = queue.enqueue_many(FLOW, RUN, [(k, {}) for k in keys])
    ids = {key: result.item_id for key, result in zip(keys, enqueued, strict=True)}
    queue.complete(_claim(queue).id, "w1")
    queue.fail_business(_claim(queue).id, "w1", "invalid_record", "bad")
    assert queue.fail_system(_claim(queue).id, "w1", "portal_timeout", "slow") is ItemState.FAILED
    queue.hold(_claim(queue).id, "w1", "needs_person", "check")
    queue.enqueue(FLOW, "run-2", "x", {})

    assert queue.retry(RUN, [ids["b"], ids["d"]]) == [ids["b"]]
    assert queue.get(ids["b"]).state is ItemState.PENDING and queue.get(ids["b"]).attempts == 0
    assert queue.get(ids["d"]).state is ItemState.DONE
    assert queue.retry("run-2", [ids["f"]]) == []
    assert queue.retry(RUN, []) == []
    assert queue.retry(RUN) == sorted([ids["f"], ids["h"]])
    assert queue.counts(RUN) == {
        ItemState.PENDING: 3,
        ItemState.LEASED: 0,
        ItemState.DONE: 1,
        ItemState.BUSINESS_ERROR: 0,
        ItemState.FAILED: 0,
        ItemState.HELD: 0,
    }
    assert _claim(queue).attempts == 1


def test_tries_count_every_attempt_across_retries_corrections_and_redos(
    db_url: str, clock: ManualClock
) -> None:
    """尝试次数 is every attempt an item had: a retry, a person's correction or a redo resets the
    budget (`attempts`), never the count an auditor reads (`tries`)."""
    queue = WorkQueue(db_url, max_attempts=2, backoff_base_seconds=1.0, backoff_max_seconds=1.0, clock=clock)
    queue.create_schema()
    item_id = queue.enqueue(FLOW, RUN, "acct-9", {"n": 1}).item_id
    for _ in range(2):  # two system errors use up the budget
        queue.fail_system(_claim(queue).id, "w1", "portal_timeout", "slow")
        clock.advance(5)
    assert (queue.get(item_id).state, queue.get(item_id).tries) == (ItemState.FAILED, 2)

    assert queue.retry(RUN) == [item_id]
    assert (queue.get(item_id).attempts, queue.get(item_id).tries) == (0, 2)
    retried = _claim(queue)
    assert (retried.attempts, retried.tries) == (1, 3)  # the budget starts again, the count does not
    queue.fail_business(retried.id, "w1", "invalid_record", "bad")

    assert queue.refile(RUN, item_id, {"n": 2}, [ItemState.BUSINESS_ERROR])
    queue.complete(_claim(queue).id, "w1")
    assert (queue.get(item_id).attempts, queue.get(item_id).tries) == (1, 4)

    assert queue.redo(RUN, "run-2", {item_id: {"n": 2}}) == [item_id]
    assert _claim(queue, run_id="run-2").tries == 5
    assert len(queue.history(item_id)) == 5  # the history agrees


def test_counts_has_every_state_as_a_key(queue: WorkQueue) -> None:
    assert queue.counts("no-such-run") == dict.fromkeys(ItemState, 0)
    queue.enqueue_many(FLOW, RUN, [("a", {}), ("b", {}), ("c", {})])
    queue.complete(_claim(queue).id, "w1")
    _claim(queue)
    counts = queue.counts(RUN)
    assert set(counts) == set(ItemState)
    assert (counts[ItemState.DONE], counts[ItemState.LEASED], counts[ItemState.PENDING]) == (1, 1, 1)


def test_next_due_in_tells_a_worker_when_to_look_again(queue: WorkQueue, clock: ManualClock) -> None:
    assert queue.next_due_in(RUN) is None
    queue.enqueue(FLOW, RUN, "a", {})
    assert queue.next_due_in(RUN) == 0.0
    _claim(queue, lease=20)
    assert queue.next_due_in(RUN) == pytest.approx(20.0)
    clock.advance(25)
    assert queue.next_due_in(RUN) == 0.0


def test_a_stop_request_reaches_every_worker_and_the_first_one_wins(queue: WorkQueue) -> None:
    assert queue.stop_requested(RUN) is None
    queue.request_stop(RUN, "login_refused", "operator locked")
    queue.request_stop(RUN, "circuit_open", "too many errors")

    other_worker = WorkQueue(queue.url)
    assert other_worker.stop_requested(RUN) == ("login_refused", "operator locked")
    assert other_worker.stop_requested("run-2") is None
    queue.clear_stop(RUN)
    assert other_worker.stop_requested(RUN) is None


def test_lookups(queue: WorkQueue) -> None:
    created = queue.enqueue(FLOW, RUN, "a", {"amount": "5000000.00", "names": ["张三"]})
    found = queue.find_by_key(FLOW, "a")
    assert found is not None and found.id == created.item_id
    assert found.payload == {"amount": "5000000.00", "names": ["张三"]}
    assert queue.find_by_key(FLOW, "missing") is None
    assert queue.find_by_key("other_flow", "a") is None
    queue.enqueue(FLOW, "run-2", "b", {})
    found_many = queue.find_by_keys(FLOW, ["a", "b", "missing", "a"])
    assert {key: item.run_id for key, item in found_many.items()} == {"a": RUN, "b": "run-2"}
    assert found_many["a"] == found
    assert queue.find_by_keys("other_flow", ["a"]) == {}
    assert queue.history(created.item_id) == []
    with pytest.raises(ItemNotFound):
        queue.get(999_999)


def test_times_are_timezone_aware_utc(db_url: str) -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 2, 17, 30, tzinfo=shanghai)
    queue = WorkQueue(db_url, clock=lambda: moment)
    queue.create_schema()
    queue.enqueue(FLOW, RUN, "a", {})
    item = _claim(queue, lease=60)

    assert item.created_at == moment and item.created_at.utcoffset() == timedelta(0)
    assert item.lease_expires_at == datetime(2026, 3, 2, 9, 31, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        WorkQueue(db_url, clock=lambda: datetime(2026, 3, 2, 9, 0)).enqueue(FLOW, RUN, "b", {})


def test_from_settings_takes_the_url_and_retry_policy(db_url: str, isolated_settings: Path) -> None:
    settings = Settings(database_url=db_url, max_attempts=7, backoff_base_seconds=1.5, backoff_max_seconds=9)
    queue = WorkQueue.from_settings(settings)
    assert (queue.url, queue.max_attempts, queue.backoff_base_seconds, queue.backoff_max_seconds) == (
        db_url,
        7,
        1.5,
        9,
    )


# -- order groups: the items of one group are worked one at a time, in enqueue order ---------


def _group_of_two(queue: WorkQueue, group: str = "acct-1") -> tuple[int, int]:
    first, second = queue.enqueue_many(FLOW, RUN, [NewItem("open", {}, group), NewItem("change", {}, group)])
    return first.item_id, second.item_id


def _nothing_to_claim(queue: WorkQueue) -> bool:
    return queue.claim(run_id=RUN, owner="w9", lease_seconds=30) is None


def test_enqueue_keeps_the_order_group_and_plain_pairs_have_none(queue: WorkQueue) -> None:
    results = queue.enqueue_many(
        FLOW, RUN, [NewItem("a", {"n": 1}, "acct-1"), ("b", {"n": 2}), NewItem("c", {})]
    )
    single = queue.enqueue(FLOW, RUN, "d", {}, order_group="acct-2")

    ids = [r.item_id for r in results] + [single.item_id]
    assert ids == sorted(ids)  # ids follow the entries: a group is worked in enqueue order
    assert [queue.get(i).order_group for i in ids] == ["acct-1", None, None, "acct-2"]
    assert queue.find_by_key(FLOW, "a") == queue.get(ids[0])


def test_a_group_is_claimed_one_item_at_a_time_while_others_go_ahead(
    queue: WorkQueue, clock: ManualClock
) -> None:
    results = queue.enqueue_many(
        FLOW,
        RUN,
        [
            NewItem("a-open", {}, "acct-a"),
            NewItem("a-change", {}, "acct-a"),
            NewItem("b-open", {}, "acct-b"),
            ("loose", {}),
            NewItem("a-close", {}, "acct-a"),
        ],
    )
    a_open, a_change, b_open, loose, a_close = (r.item_id for r in results)

    assert [_claim(queue, owner).id for owner in ("w1", "w2", "w3")] == [a_open, b_open, loose]
    assert _nothing_to_claim(queue)
    # the waiting items are not "due now": the answer is the leases' expiry, and never None
    assert queue.next_due_in(RUN) == pytest.approx(30.0)
    queue.complete(b_open, "w2")
    assert _nothing_to_claim(queue)
    queue.complete(a_open, "w1")
    assert queue.next_due_in(RUN) == 0.0
    assert _claim(queue, "w2").id == a_change
    assert _nothing_to_claim(queue)
    queue.complete(a_change, "w2")
    assert _claim(queue, "w1").id == a_close
    assert queue.claim(run_id="other-run", owner="w1", lease_seconds=30) is None


@pytest.mark.parametrize("ending", ["done", "business_error", "failed", "held"])
def test_the_next_of_a_group_waits_out_the_retries_of_the_one_before(
    queue: WorkQueue, clock: ManualClock, ending: str
) -> None:
    first, second = _group_of_two(queue)
    queue.enqueue(FLOW, RUN, "other", {}, order_group="acct-2")

    item = _claim(queue, "w1")
    assert item.id == first
    assert _claim(queue, "w2").key == "other"  # another group is not held up
    assert queue.fail_system(first, "w1", "portal_timeout", "slow") is ItemState.PENDING
    backoff = queue.get(first).not_before
    assert backoff is not None
    assert _nothing_to_claim(queue)  # the first is pending but not due: the second still waits
    assert queue.next_due_in(RUN) == pytest.approx((backoff - clock.now).total_seconds())
    clock.advance(10)
    assert _claim(queue, "w1").id == first  # the first comes back, not the second

    if ending == "done":
        queue.complete(first, "w1")
    elif ending == "business_error":
        queue.fail_business(first, "w1", "portal_refusal", "该账户已备案")
    elif ending == "held":
        queue.hold(first, "w1", "needs_person", "content differs")
    else:
        assert queue.fail_system(first, "w1", "portal_timeout", "slow") is ItemState.PENDING
        clock.advance(10)
        assert queue.fail_system(_claim(queue, "w1").id, "w1", "portal_timeout", "slow") is ItemState.FAILED
    assert queue.get(first).state.value == ending
    assert _claim(queue, "w1").id == second


def test_an_expired_lease_gives_back_the_first_of_a_group_not_the_next(
    queue: WorkQueue, clock: ManualClock
) -> None:
    first, second = _group_of_two(queue)
    _claim(queue, "w1", lease=10)
    clock.advance(11)

    assert queue.next_due_in(RUN) == 0.0
    taken = _claim(queue, "w2", lease=10)
    assert (taken.id, taken.attempts) == (first, 2)
    assert _nothing_to_claim(queue)
    clock.advance(11)
    assert queue.reclaim_expired() == 1
    assert _claim(queue, "w3").id == first
    assert queue.get(second).state is ItemState.PENDING and queue.get(second).attempts == 0


def test_retry_leaves_an_item_alone_while_a_later_one_of_its_group_is_leased(queue: WorkQueue) -> None:
    first, second = _group_of_two(queue)
    queue.fail_business(_claim(queue, "w1").id, "w1", "portal_refusal", "该账户已备案")
    assert _claim(queue, "w2").id == second

    assert queue.retry(RUN) == []  # reopened now, the first would be worked beside the second
    assert queue.retry(RUN, [first]) == []
    assert queue.get(first).state is ItemState.BUSINESS_ERROR
    queue.complete(second, "w2")
    assert queue.retry(RUN) == [first]
    assert _claim(queue, "w1").id == first


def test_groups_are_per_run(queue: WorkQueue) -> None:
    queue.enqueue(FLOW, "run-0", "old-open", {}, order_group="acct-1")
    queue.enqueue(FLOW, RUN, "change", {}, order_group="acct-1")

    assert _claim(queue).key == "change"  # an open item of another run does not hold this one


def _claim_near(queue: WorkQueue, owner: str, affinity: str | None) -> str:
    item = queue.claim(run_id=RUN, owner=owner, lease_seconds=30, affinity=affinity)
    assert item is not None
    return item.key


def test_a_claim_prefers_its_affinity_then_one_nobody_works_on(queue: WorkQueue) -> None:
    """Two workers over three lists: each keeps to its list, the second starts on a list the
    first is not on, and a worker whose lists are done joins the list still open."""
    queue.enqueue_many(FLOW, RUN, [NewItem(f"{page}{n}", {}, affinity=f"list-{page}")
                                   for page in "ab" for n in (1, 2, 3)])
    queue.enqueue_many(FLOW, RUN, [NewItem("c1", {}, affinity="list-c"), ("loose", {})])

    assert _claim_near(queue, "w1", None) == "a1"
    assert _claim_near(queue, "w2", None) == "b1"  # list-a is in w1's hands
    queue.complete(queue.find_by_key(FLOW, "a1").id, "w1")  # type: ignore[union-attr]
    assert _claim_near(queue, "w1", "list-a") == "a2"
    assert _claim_near(queue, "w2", "list-b") == "b2"
    assert _claim_near(queue, "w1", "list-a") == "a3"
    assert _claim_near(queue, "w1", "list-a") == "c1"  # its list is all out: one nobody works on
    assert _claim_near(queue, "w1", "list-c") == "loose"
    assert _claim_near(queue, "w1", None) == "b3"  # nothing else left: it joins w2's list
    assert _nothing_to_claim(queue)
    assert [queue.get(i).affinity for i in (1, 4, 7, 8)] == ["list-a", "list-b", "list-c", None]


def test_an_affinity_never_holds_an_item_back(queue: WorkQueue, clock: ManualClock) -> None:
    queue.enqueue_many(FLOW, RUN, [NewItem(key, {}, affinity="list-a") for key in ("a1", "a2")])

    assert _claim_near(queue, "w1", None) == "a1"
    assert _claim_near(queue, "w2", "list-b") == "a2"  # only w1's list is left: w2 takes from it
    item = queue.find_by_key(FLOW, "a1")
    assert item is not None
    queue.fail_system(item.id, "w1", "portal_timeout", "timed out")
    clock.advance(60)
    assert _claim_near(queue, "w2", "list-a") == "a1"  # a retry goes to whoever asks


_OLD_ITEMS_TABLE = """
CREATE TABLE queue_items (
    id {id} PRIMARY KEY,
    flow VARCHAR(64) NOT NULL,
    run_id VARCHAR(64) NOT NULL,
    key VARCHAR(512) NOT NULL,
    payload {json} NOT NULL,
    state VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL,
    lease_owner VARCHAR(128),
    lease_expires_at {time},
    not_before {time},
    last_error_code VARCHAR(64),
    last_error_message TEXT,
    result {json},
    created_at {time} NOT NULL,
    updated_at {time} NOT NULL,
    CONSTRAINT uq_queue_items_flow_key UNIQUE (flow, key)
)
"""
_OLD_TYPES = {
    "sqlite": {"id": "INTEGER", "json": "JSON", "time": "DATETIME"},
    "postgresql": {"id": "BIGSERIAL", "json": "JSONB", "time": "TIMESTAMP WITH TIME ZONE"},
}


def _make_old_queue_database(url: str) -> None:
    """The queue_items table as versions before order groups created it, with one item."""
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(text(_OLD_ITEMS_TABLE.format(**_OLD_TYPES[engine.dialect.name])))
        conn.execute(text("CREATE INDEX ix_queue_items_run_state ON queue_items (run_id, state, id)"))
        conn.execute(
            text(
                "INSERT INTO queue_items (flow, run_id, key, payload, state, attempts, created_at, "
                "updated_at) VALUES ('account_filing', 'run-1', 'old', '{}', 'pending', 0, "
                "'2026-03-01 09:00:00', '2026-03-01 09:00:00')"
            )
        )


def test_create_schema_upgrades_a_queue_made_before_order_groups(db_url: str, clock: ManualClock) -> None:
    _make_old_queue_database(db_url)
    queue = WorkQueue(db_url, clock=clock)
    with ThreadPoolExecutor(max_workers=3) as pool:  # several processes starting at once
        upgrades = [pool.submit(WorkQueue(db_url).create_schema) for _ in range(3)]
        queue.create_schema()
        for upgrade in upgrades:
            upgrade.result(timeout=60)

    found = inspect(engine_for(db_url))
    added = {"order_group", "affinity", "fence", "submit_fence", "submitting_at", "earlier_attempts"}
    assert added <= {c["name"] for c in found.get_columns("queue_items")}
    assert {"ix_queue_items_run_group", "ix_queue_items_run_affinity", "ix_queue_items_run_open"} <= {
        i["name"] for i in found.get_indexes("queue_items")
    }
    old = queue.find_by_key(FLOW, "old")
    assert old is not None and old.order_group is None and old.affinity is None and old.payload == {}
    assert (old.fence, old.submit_fence, old.submitting_at, old.tries) == (0, None, None, 0)
    first, second = _group_of_two(queue)
    claimed = [_claim(queue, owner) for owner in ("w1", "w2")]
    assert [c.id for c in claimed] == [old.id, first] and claimed[0].fence == 1
    assert queue.begin_submit(old.id, "w1", 1)
    assert _nothing_to_claim(queue)
    queue.complete(first, "w2")
    assert _claim(queue, "w2").id == second


def test_a_worker_waits_behind_a_group_leased_elsewhere_then_finishes(
    db_url: str, tmp_path: Path, isolated_settings: Path
) -> None:
    queue = WorkQueue(db_url)
    queue.create_schema()
    audit = AuditLog(db_url, b"k" * 32)
    audit.create_schema()
    first, second = _group_of_two(queue)
    _claim(queue, "other-worker", lease=60)  # the first of the group is in another worker's hands
    wctx = WorkerContext(
        run_id=RUN, flow=FLOW, worker_index=0, owner="w1", settings=Settings(), folder=tmp_path,
        audit=audit, log=logger.bind(), params={},
    )  # fmt: skip
    handled: list[int] = []

    def handler(item: WorkItem) -> dict[str, Any]:
        handled.append(item.id)
        return {"status": "done"}

    other_worker_done = threading.Timer(1.0, queue.complete, (first, "other-worker"))
    other_worker_done.start()
    started = time.monotonic()
    summary = process_items(queue, wctx, handler, stop_event=threading.Event())
    other_worker_done.join()

    # it neither stopped early (claim said None, next_due_in did not) nor waited out the 60 s
    # lease of the first: it polled every IDLE_POLL_SECONDS until the first was done
    assert handled == [second] and summary.done == 1
    assert 1.0 <= time.monotonic() - started < 20 * IDLE_POLL_SECONDS + 1.0


@pytest.mark.postgres
def test_a_claim_walks_the_open_items_not_the_ended_ones(
    postgres_cluster: ThrowawayCluster, clock: ManualClock
) -> None:
    """A province's night: half the run is done when the next item is claimed. The claim must
    find it among the open items, not read past every done one (each claim then cost in
    proportion to the items already done: 12 ms at 10,000 done, quadratic over a night)."""
    postgres_url = postgres_cluster.create_database(f"test_{uuid.uuid4().hex[:16]}")
    queue = WorkQueue(postgres_url, clock=clock)
    queue.create_schema()
    queue.enqueue_many(FLOW, RUN, [(f"6222{n:015d}", {"n": n}) for n in range(4000)])
    engine = engine_for(postgres_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("UPDATE queue_items SET state = 'done' WHERE key < '6222000000000002000'"))
        conn.execute(text("VACUUM ANALYZE queue_items"))
    seen: list[tuple[str, Any]] = []

    def keep_the_claim(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FOR UPDATE SKIP LOCKED" in statement and not seen:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep_the_claim)
    try:
        item = _claim(queue, "w1")
    finally:
        event.remove(engine, "before_cursor_execute", keep_the_claim)
    assert item.key == "6222000000000002000"
    statement, parameters = seen[0]
    with engine.connect() as conn, conn.begin():  # rolled back: the rows the plan locks go free
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar_one()
        conn.rollback()
    engine.dispose()
    postgres_cluster.drop_database(postgres_url.rsplit("/", 1)[1])
    read_past = _rows_filtered_out(plan[0]["Plan"], "queue_items")
    assert read_past < 50, f"the claim read past {read_past} items: {plan}"


def _rows_filtered_out(node: dict[str, Any], alias: str) -> int:
    """Rows the plan's scans of `alias` read and threw away."""
    own = 0
    if node.get("Alias") == alias:
        own = int(node.get("Rows Removed by Filter", 0)) + int(node.get("Rows Removed by Index Recheck", 0))
    return own + sum(_rows_filtered_out(child, alias) for child in node.get("Plans", []))


@pytest.mark.postgres
def test_a_large_enqueue_on_postgresql_leaves_the_planner_statistics_of_its_rows(
    postgres_cluster: ThrowawayCluster,
) -> None:
    # without them, a claim planned on an empty table's estimates stalled for minutes at 20,000
    # items (benchmarks/README.md, the queue alone on PostgreSQL)
    url = postgres_cluster.create_database(f"analyze_{uuid.uuid4().hex[:12]}")
    queue = WorkQueue(url)
    queue.create_schema()
    engine = engine_for(url)

    def planner_rows() -> float:
        with engine.connect() as conn:
            return float(conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'queue_items'"))
                         .scalar_one())

    queue.enqueue_many(FLOW, RUN, [(f"small-{n}", {"n": n}) for n in range(10)])
    assert planner_rows() <= 0  # never analysed: below the ANALYZE_AFTER and autovacuum thresholds
    queue.enqueue_many(FLOW, RUN, [(f"big-{n:05d}", {"n": n}) for n in range(1_500)])
    assert planner_rows() == 1_510
    engine.dispose()
