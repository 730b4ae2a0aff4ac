"""The read side of the work queue: lookups, counts and run control flags.

`WorkQueue` in `rpa.queue` builds on this class and adds every state change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, func, or_, select

from rpa._queue_models import AttemptRecord, ItemNotFound, ItemState, WorkItem
from rpa._queue_schema import attempts, items, runs
from rpa.db import engine_for


def utc_now() -> datetime:
    """The default queue clock."""
    return datetime.now(UTC)


class QueueReader:
    """Reads the queue's tables; never changes them."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.url = url
        self._engine: Engine = engine_for(url)
        self._clock = clock or utc_now

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the queue clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    def get(self, item_id: int) -> WorkItem:
        """The item with this id; ItemNotFound if there is none."""
        with self._engine.connect() as conn:
            row = conn.execute(select(items).where(items.c.id == item_id)).first()
        if row is None:
            raise ItemNotFound(f"no work item {item_id}")
        return WorkItem.from_row(row)

    def find_by_key(self, flow: str, key: str) -> WorkItem | None:
        """The item of `flow` with this idempotency key, whichever run enqueued it."""
        with self._engine.connect() as conn:
            row = conn.execute(select(items).where(items.c.flow == flow, items.c.key == key)).first()
        return None if row is None else WorkItem.from_row(row)

    def items(self, run_id: str) -> list[WorkItem]:
        """Every item of the run, oldest first."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(items).where(items.c.run_id == run_id).order_by(items.c.id))
            return [WorkItem.from_row(row) for row in rows]

    def history(self, item_id: int) -> list[AttemptRecord]:
        """Every claim of the item in the order they happened."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(attempts).where(attempts.c.item_id == item_id).order_by(attempts.c.id))
            return [AttemptRecord.from_row(row) for row in rows]

    def counts(self, run_id: str) -> dict[ItemState, int]:
        """How many items of the run are in each state; every state is a key."""
        found = {state: 0 for state in ItemState}
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(items.c.state, func.count()).where(items.c.run_id == run_id).group_by(items.c.state)
            )
            for state, count in rows:
                found[ItemState(state)] = count
        return found

    def next_due_in(self, run_id: str) -> float | None:
        """Seconds until something of the run can be claimed: 0 if now, None if nothing is left.

        A pending item is due at its `not_before`; a leased one when its lease expires (if its
        worker stops heartbeating, it will be taken back then).
        """
        now = self._now()
        of_run = items.c.run_id == run_id
        with self._engine.connect() as conn:
            due_now = conn.execute(
                select(items.c.id)
                .where(
                    of_run,
                    items.c.state == ItemState.PENDING,
                    or_(items.c.not_before.is_(None), items.c.not_before <= now),
                )
                .limit(1)
            ).first()
            if due_now is not None:
                return 0.0
            earliest_pending, earliest_expiry = conn.execute(
                select(
                    func.min(items.c.not_before).filter(items.c.state == ItemState.PENDING),
                    func.min(items.c.lease_expires_at).filter(items.c.state == ItemState.LEASED),
                ).where(of_run, items.c.state.in_([ItemState.PENDING, ItemState.LEASED]))
            ).one()
        moments = [m for m in (earliest_pending, earliest_expiry) if m is not None]
        if not moments:
            return None
        return max(0.0, (min(moments) - now).total_seconds())

    def stop_requested(self, run_id: str) -> tuple[str, str] | None:
        """(code, message) of the run-fatal error that stopped the run, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(runs.c.stop_code, runs.c.stop_message).where(
                    runs.c.run_id == run_id, runs.c.stop_code.is_not(None)
                )
            ).first()
        return None if row is None else (row.stop_code, row.stop_message or "")
