"""The worker loop with a handler that looks ahead: one item claimed ahead, shown to the handler
before the current one, and given back uncounted when the worker stops before its turn."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger

from rpa.audit.log import AuditLog
from rpa.queue.work_queue import ItemState, Outcome, WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.worker import process_items
from rpa.settings import Settings

FLOW, RUN = "smoke", "run-ahead"


class LookingAhead:
    """Notes, for each item it handles, which item it was shown as the next one."""

    def __init__(self, stop_after: int | None = None, stop_event: threading.Event | None = None) -> None:
        self.shown_next: WorkItem | None = None
        self.seen: list[tuple[str, str | None]] = []
        self.stop_after, self.stop_event = stop_after, stop_event

    def look_ahead(self, item: WorkItem | None) -> None:
        self.shown_next = item

    def __call__(self, item: WorkItem) -> dict[str, Any]:
        upcoming = self.shown_next
        self.seen.append((item.key, upcoming.key if upcoming else None))
        if upcoming is not None:  # the item shown ahead is leased to this worker already
            assert upcoming.state is ItemState.LEASED and upcoming.lease_owner == "w1"
        if self.stop_event is not None and len(self.seen) == self.stop_after:
            self.stop_event.set()
        return {"status": "done"}


def _worker(tmp_path: Path, keys: list[str]) -> tuple[WorkQueue, AuditLog, WorkerContext]:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    for key in keys:
        queue.enqueue(FLOW, RUN, key, {})
    wctx = WorkerContext(
        run_id=RUN, flow=FLOW, worker_index=0, owner="w1", settings=Settings(), folder=tmp_path,
        audit=audit, log=logger.bind(), params={},
    )
    return queue, audit, wctx


def test_each_item_is_shown_as_the_next_before_its_turn(tmp_path: Path) -> None:
    queue, audit, wctx = _worker(tmp_path, ["a", "b", "c"])
    handler = LookingAhead()
    summary = process_items(queue, wctx, handler, stop_event=threading.Event())

    assert handler.seen == [("a", "b"), ("b", "c"), ("c", None)]
    assert summary.done == 3
    assert all(queue.get(i.id).attempts == 1 for i in queue.items(RUN))
    claimed = [e for e in audit.events(RUN) if e.event == "item.claimed"]
    assert len(claimed) == 3  # one claim per item: the one ahead is not claimed twice


def test_an_item_claimed_ahead_goes_back_uncounted_when_the_worker_stops(tmp_path: Path) -> None:
    queue, audit, wctx = _worker(tmp_path, ["a", "b", "c", "d"])
    stop = threading.Event()
    handler = LookingAhead(stop_after=2, stop_event=stop)
    summary = process_items(queue, wctx, handler, stop_event=stop)

    assert handler.seen == [("a", "b"), ("b", "c")] and summary.done == 2
    states = {i.key: i for i in queue.items(RUN)}
    assert states["c"].state is ItemState.PENDING and states["c"].attempts == 0
    assert queue.history(states["c"].id)[0].outcome == Outcome.RETURNED
    assert states["d"].attempts == 0
    released = [e for e in audit.events(RUN) if e.event == "item.released"]
    assert len(released) == 1


def test_the_filing_handler_looks_ahead_only_for_the_pipelined_strategy() -> None:
    """RPA_AMS_STRATEGY=plain: one item at a time, so the worker claims none ahead."""
    from bots.ams.strategies import PipelinedStrategy, PlainStrategy
    from flows.account_filing.filing import FilingHandler, LookingAheadFilingHandler
    from rpa.run.flow import LooksAhead

    assert PipelinedStrategy.looks_ahead and not PlainStrategy.looks_ahead
    assert issubclass(LookingAheadFilingHandler, LooksAhead)
    assert not issubclass(FilingHandler, LooksAhead)


def test_an_item_ahead_taken_over_meanwhile_is_not_given_back_and_stops_nothing(tmp_path: Path) -> None:
    """A worker frozen (SIGSTOP) past the lease of the item it claimed ahead: another worker
    took that item over, so at the stop there is nothing to give back. Seen 2026-12-04 in the
    chaos suite: return_lease's LeaseLost stopped the whole run, and its items stayed pending."""
    import sqlite3

    queue, audit, wctx = _worker(tmp_path, ["a", "b", "c"])
    stop = threading.Event()

    class TakenOverAhead(LookingAhead):
        def __call__(self, item: WorkItem) -> dict[str, Any]:
            result = super().__call__(item)
            with sqlite3.connect(tmp_path / "queue.db") as db:  # the lease of "b" runs out...
                db.execute("UPDATE queue_items SET lease_expires_at = '2000-01-01 00:00:00.000000' "
                           "WHERE key = 'b'")
            queue.reclaim_expired()
            taken = queue.claim(run_id=RUN, owner="w2", lease_seconds=60)  # ...and w2 takes it
            assert taken is not None and taken.key == "b"
            return result

    summary = process_items(queue, wctx, TakenOverAhead(stop_after=1, stop_event=stop), stop_event=stop)
    assert summary.done == 1 and summary.fatal is None
    states = {i.key: i for i in queue.items(RUN)}
    assert states["b"].state is ItemState.LEASED and states["b"].lease_owner == "w2"
    assert not queue.stop_requested(RUN)
    assert not [e for e in audit.events(RUN) if e.event == "item.released"]
