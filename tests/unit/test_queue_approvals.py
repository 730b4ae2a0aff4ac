"""`WorkQueue.approve_held` / `reject_held` on SQLite and PostgreSQL: only items of the run held
with the code are decided; an approval merges its mark into the payload and makes the item
pending, a rejection ends it as a business error."""

from __future__ import annotations

import pytest

from rpa.queue.work_queue import ItemState, NewItem, WorkQueue

FLOW, RUN, OTHER = "account-filing", "run-a", "run-b"
WAITS = "awaiting_approval"


@pytest.fixture
def queue(db_url: str) -> WorkQueue:
    q = WorkQueue(db_url, max_attempts=3)
    q.create_schema()
    return q


def _held(queue: WorkQueue, run_id: str, key: str, code: str) -> int:
    queue.enqueue_many(FLOW, run_id, [NewItem(key, {"row": 2, "record": {"account_no": "6228480030000041"}})])
    item = queue.claim(run_id=run_id, owner="w1", lease_seconds=30)
    assert item is not None and item.key == key
    queue.hold(item.id, "w1", code, "held", result={"status": code})
    return item.id


def test_only_items_held_for_a_checker_in_that_run_are_decided(queue: WorkQueue) -> None:
    waiting = _held(queue, RUN, "open:6228480030000041", WAITS)
    conflict = _held(queue, RUN, "open:6228480030000042", "filing_conflict")
    elsewhere = _held(queue, OTHER, "open:6228480030000043", WAITS)

    approved = queue.approve_held(RUN, [waiting, conflict, elsewhere], WAITS, {"approved_by": "sun.li"})

    assert approved == [waiting]
    item = queue.get(waiting)
    # a fresh count of attempts, as a retry's: the look-up before the hold was one (tester AG saw
    # an approved row fail after 3 of RPA_MAX_ATTEMPTS=4); the history keeps it
    assert item.state == ItemState.PENDING and (item.attempts, item.earlier_attempts) == (0, 1)
    assert item.payload == {"row": 2, "record": {"account_no": "6228480030000041"}, "approved_by": "sun.li"}
    assert queue.get(conflict).state == ItemState.HELD and queue.get(elsewhere).state == ItemState.HELD
    assert queue.approve_held(RUN, [waiting], WAITS, {"approved_by": "sun.li"}) == []  # decided once


def test_a_rejected_item_ends_as_a_business_error_with_its_reason(queue: WorkQueue) -> None:
    waiting = _held(queue, RUN, "change:6228480030000051", WAITS)
    rejected = queue.reject_held(RUN, [waiting], WAITS, new_code="rejected_by_checker",
                                 message="退回：地址不符", result={"status": "rejected_by_checker"})
    assert rejected == [waiting]
    item = queue.get(waiting)
    assert item.state == ItemState.BUSINESS_ERROR and item.last_error_code == "rejected_by_checker"
    assert item.last_error_message == "退回：地址不符" and item.result == {"status": "rejected_by_checker"}
    # a checker's rejection is final: no retry, chosen or not, puts it before another checker
    # (tester AG: `rpa runs retry` reopened it, a second checker approved it, and it was filed)
    other = _held(queue, RUN, "change:6228480030000052", "filing_conflict")
    assert queue.retry(RUN, [waiting]) == [] and queue.retry(RUN) == [other]
    assert queue.get(waiting).state == ItemState.BUSINESS_ERROR


def test_a_run_counts_as_waiting_only_its_own_items_held_for_a_checker(queue: WorkQueue) -> None:
    from rpa.queue.tallies import live_counts

    _held(queue, RUN, "open:6228480030000061", WAITS)
    _held(queue, RUN, "open:6228480030000062", "filing_conflict")
    _held(queue, OTHER, "open:6228480030000063", WAITS)
    assert queue.awaiting_checker(RUN) == 1 and queue.awaiting_checker(OTHER) == 1
    assert live_counts(queue, RUN) == ({"held": 2}, 1, {})
    assert queue.awaiting_checker("run-c") == 0


def test_live_counts_name_business_errors_by_their_rows_word(queue: WorkQueue) -> None:
    """Tester AP of 2026-12-07 (F6): a run's progress bar said 业务错误 1 of the row its verdict,
    from the close, called 门户拒绝: the live counts use the close's words too."""
    from rpa.outcomes import counts_text
    from rpa.queue.tallies import live_counts

    queue.enqueue_many(FLOW, RUN, [NewItem(f"open:62284800300000{n}", {"row": n}) for n in (71, 72, 73)])
    for status in ("refused", "rejected_by_checker", None):
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=30)
        assert item is not None
        result = {"status": status} if status else None
        queue.fail_business(item.id, "w1", "portal_said_no", "门户提示", result=result)
    assert live_counts(queue, RUN) == ({"business_error": 3}, 0, {"门户拒绝": 1, "复核退回": 1})
    counts, awaiting, words = live_counts(queue, RUN)
    assert counts_text(counts, awaiting, words) == "业务错误 1，复核退回 1，门户拒绝 1"
