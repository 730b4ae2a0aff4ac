"""Durable work items under leases, shared by worker processes on one or several hosts.

    >>> queue = WorkQueue("sqlite:///runs/queue.db")
    >>> queue.create_schema()
    >>> queue.enqueue("account_filing", run_id, key, {"account_no": "..."})
    >>> queue.enqueue_many("account_filing", run_id, [NewItem(key, payload, order_group="...")])
    >>> item = queue.claim(run_id=run_id, owner="host-1234-w0", lease_seconds=60)
    >>> queue.complete(item.id, "host-1234-w0", {"filing_no": "..."})

Item states::

    pending --claim--> leased --complete--------> done
       ^                 |  \\--fail_business---> business_error
       |                 |   \\-fail_system-----> failed (attempts >= max_attempts)
       +--fail_system----+    \\-hold-----------> held --release--> pending
       +--return_lease---+
       +--lease expired (reclaim_expired, or a claim takes it back)

`retry()` sends business_error, failed and held items back to pending with attempts reset.

Items of one run may share an `order_group` (e.g. the filings of one account): a group's items
are claimed one at a time in id order (enqueue order), each only once every earlier one of the
group is done, business_error, failed or held. Items without a group are claimed in any order.

Items may also share an `affinity` (e.g. the report files one list page of a portal serves): a
worker that names its last item's affinity when it claims gets the oldest item of that affinity
first; failing that, the oldest whose affinity no other worker is working on; failing that, the
oldest. So two workers do not both open the same list page for files one of them could fetch
from the page it already shows. An affinity never holds an item back.

Every change a worker makes names its owner and is refused with `LeaseLost` once the lease is no
longer its own, so a worker whose lease expired and was taken over cannot finish the item. A
lease past its expiry that nobody has taken yet still belongs to its owner.

Fencing: every claim gives the item's lease the next token (`WorkItem.fence`). Just before an
irreversible step (确认提交) the worker calls `begin_submit(id, owner, fence)`: in one
transaction it checks that the item is still leased to it under that token and the lease has not
expired, and marks it as being submitted; False means the worker must drop the item without
submitting (a worker frozen past its lease). The mark is cleared when its owner ends the attempt;
a lease lost after it leaves it in place, so the next owner sees `WorkItem.caught_mid_submit` and
must settle the item by a look-up or hold it for a person. `release()` and `retry()` clear it.

Claims run in `BEGIN IMMEDIATE` transactions on SQLite and with `SELECT ... FOR UPDATE SKIP
LOCKED` on PostgreSQL: no item is ever leased to two workers at once. Which exception leads to
which transition is decided by the worker (`rpa.run.worker`), not here. Times come from the
injectable `clock` (timezone-aware UTC), so tests can move time without sleeping.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text, update

from rpa.db import empty_wal, immediate_transaction
from rpa.masking import MASKED_MARK
from rpa.queue.leases import JITTER_FRACTION, LeaseKeeper, retry_delay_seconds
from rpa.queue.models import (
    ENDED_STATES,
    RETRYABLE_STATES,
    AttemptRecord,
    EnqueueResult,
    InvalidTransition,
    ItemNotFound,
    ItemState,
    LeaseLost,
    NewItem,
    Outcome,
    WorkItem,
)
from rpa.queue.reads import ahead_of_a_leased_one, chunks
from rpa.queue.schema import insert_or_ignore, items, metadata, runs, upgrade_items_table

if TYPE_CHECKING:
    from rpa.settings import Settings

__all__ = [
    "ENDED_STATES",
    "JITTER_FRACTION",
    "AttemptRecord",
    "EnqueueResult",
    "InvalidTransition",
    "ItemNotFound",
    "ItemState",
    "LeaseLost",
    "NewItem",
    "Outcome",
    "WorkItem",
    "WorkQueue",
    "retry_delay_seconds",
]

# PostgreSQL advisory lock keys: one while creating the tables, one per flow while enqueuing
_SCHEMA_LOCK = 0x52_50_41_51
_ENQUEUE_LOCKS = 0x52_50_41_52 << 32


class WorkQueue(LeaseKeeper):
    """The work items of every flow and run, in one SQLite or PostgreSQL database."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = 4,
        backoff_base_seconds: float = 2.0,
        backoff_max_seconds: float = 120.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(
            url,
            max_attempts=max_attempts,
            backoff_base_seconds=backoff_base_seconds,
            backoff_max_seconds=backoff_max_seconds,
            clock=clock,
        )
        self._dialect = self._engine.dialect.name

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkQueue:
        """The queue at `settings.database_url_resolved` with the configured retry policy."""
        return cls(
            settings.database_url_resolved,
            max_attempts=settings.max_attempts,
            backoff_base_seconds=settings.backoff_base_seconds,
            backoff_max_seconds=settings.backoff_max_seconds,
        )

    def create_schema(self) -> None:
        """Create the queue's tables if they are missing, and add the columns and indexes a
        database made by an earlier version lacks; safe to call from many processes."""
        with immediate_transaction(self._engine) as conn:
            if self._dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            metadata.create_all(conn, checkfirst=True)
            upgrade_items_table(conn)

    # -- adding work -------------------------------------------------------------------------

    def enqueue(
        self, flow: str, run_id: str, key: str, payload: dict[str, Any], *, order_group: str | None = None
    ) -> EnqueueResult:
        """Add one item; a key the flow already has adds nothing and reports the existing item."""
        return self.enqueue_many(flow, run_id, [NewItem(key, payload, order_group)])[0]

    def enqueue_many(
        self, flow: str, run_id: str, entries: Sequence[NewItem | tuple[str, dict[str, Any]]]
    ) -> list[EnqueueResult]:
        """Add many items in one transaction; one result per entry, in the same order.

        An entry is a `NewItem`, or a `(key, payload)` pair for an item without an order group.
        New items get ids in entry order, so a group's items are worked in that order. A key
        given twice is added once, as its first entry says.
        """
        if not entries:
            return []
        now = self._now()
        new_items = [entry if isinstance(entry, NewItem) else NewItem(*entry) for entry in entries]
        first: dict[str, NewItem] = {}
        for item in new_items:
            first.setdefault(item.key, item)
        rows = [
            {
                "flow": flow,
                "run_id": run_id,
                "key": item.key,
                "payload": item.payload,
                "order_group": item.order_group,
                "affinity": item.affinity,
                "state": ItemState.PENDING.value,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            }
            for item in first.values()
        ]
        created: dict[str, int] = {}
        existing: dict[str, EnqueueResult] = {}
        with immediate_transaction(self._engine) as conn:
            if self._dialect == "postgresql":
                # one enqueuer per flow at a time: two inserting the same keys in different
                # orders would otherwise deadlock on the unique index (SQLite serialises anyway)
                lock = _ENQUEUE_LOCKS + zlib.crc32(flow.encode())
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
            # executemany: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues")
            statement = insert_or_ignore(self._dialect, items, "flow", "key")
            for row in conn.execute(statement.returning(items.c.id, items.c.key), rows):
                created[row.key] = row.id
            missing = [key for key in first if key not in created]
            for some in chunks(missing):
                found = conn.execute(
                    select(items.c.id, items.c.key, items.c.state, items.c.run_id).where(
                        items.c.flow == flow, items.c.key.in_(some)
                    )
                )
                for row in found:
                    existing[row.key] = EnqueueResult(row.id, False, ItemState(row.state), row.run_id)
        results: list[EnqueueResult] = []
        reported: set[str] = set()
        for key in (item.key for item in new_items):
            if key in created:
                is_new = key not in reported
                results.append(EnqueueResult(created[key], is_new, ItemState.PENDING, run_id))
                reported.add(key)
            else:
                results.append(existing[key])
        return results

    # -- after the fact ----------------------------------------------------------------------

    def release(self, item_id: int) -> None:
        """A person has dealt with a held item: pending again, attempts unchanged, and a mark of
        an earlier lease caught mid-submit forgotten (the person has settled it)."""
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            changed = conn.execute(
                update(items)
                .where(items.c.id == item_id, items.c.state == ItemState.HELD)
                .values(
                    state=ItemState.PENDING.value,
                    not_before=None,
                    submit_fence=None,
                    submitting_at=None,
                    updated_at=now,
                )
            )
            if changed.rowcount == 1:
                return
            state = conn.execute(select(items.c.state).where(items.c.id == item_id)).scalar()
        if state is None:
            raise ItemNotFound(f"no work item {item_id}")
        raise InvalidTransition(f"work item {item_id} is {state}, not held")

    def mask_done_payloads(self, run_id: str, masker: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
        """Replace the payloads of the run's done items with `masker`'s version of them, and
        clear their order group (an account number for filings; a done item holds no other
        back); returns how many it changed. Items in other states keep theirs: a retry or a
        resume works them from it. On SQLite the WAL is emptied afterwards, so the old
        versions are gone from the files too (freed space is overwritten: `secure_delete`)."""
        changed = 0
        with immediate_transaction(self._engine) as conn:
            rows = conn.execute(
                select(items.c.id, items.c.payload).where(
                    items.c.run_id == run_id, items.c.state == ItemState.DONE
                )
            ).all()
            for item_id, payload in rows:
                if isinstance(payload, dict) and payload.get(MASKED_MARK):
                    continue
                values = {"payload": masker(payload), "order_group": None}
                conn.execute(update(items).where(items.c.id == item_id).values(**values))
                changed += 1
        if changed:
            empty_wal(self._engine)
        return changed

    def retry(self, run_id: str, item_ids: Sequence[int] | None = None) -> list[int]:
        """Business-error, failed and held items of the run (all, or those chosen) go back to
        pending with attempts reset to 0; returns the ids that did. Other ids are left alone,
        and so is an item while a later item of its order group is leased (the two would be
        worked at once, out of order): retry it once that one has ended.
        The history keeps the earlier attempts; numbering starts again at 1."""
        conditions = [
            items.c.run_id == run_id,
            items.c.state.in_(list(RETRYABLE_STATES)),
            ~ahead_of_a_leased_one(),
        ]
        if item_ids is not None:
            if not item_ids:
                return []
            conditions.append(items.c.id.in_(list(item_ids)))
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            rows = conn.execute(
                update(items)
                .where(*conditions)
                .values(
                    state=ItemState.PENDING.value,
                    attempts=0,
                    not_before=None,
                    lease_owner=None,
                    lease_expires_at=None,
                    submit_fence=None,
                    submitting_at=None,
                    updated_at=now,
                )
                .returning(items.c.id)
            )
            return sorted(row.id for row in rows)

    def take_over(self, item_ids: Sequence[int], from_run: str, to_run: str) -> list[int]:
        """Move open items of `from_run`, a run that will not work them (it ended, or its process
        is gone), into `to_run`: pending, lease cleared, attempts kept. An item leased under a
        lease that has not expired is left alone (its worker may still be at it), and so is any
        item no longer open or no longer `from_run`'s. Returns the ids moved."""
        if not item_ids:
            return []
        now = self._now()
        movable = (items.c.state == ItemState.PENDING) | (
            (items.c.state == ItemState.LEASED) & (items.c.lease_expires_at <= now)
        )
        moved: list[int] = []
        with immediate_transaction(self._engine) as conn:
            for some in chunks(list(item_ids)):
                rows = conn.execute(
                    select(items.c.id)
                    .where(items.c.id.in_(some), items.c.run_id == from_run, movable)
                    .with_for_update(skip_locked=True)
                )
                ids = [row.id for row in rows]
                if not ids:
                    continue
                self._close_attempts(conn, ids, now, Outcome.LEASE_EXPIRED)
                conn.execute(
                    update(items)
                    .where(items.c.id.in_(ids))
                    .values(run_id=to_run, state=ItemState.PENDING.value, lease_owner=None,
                            lease_expires_at=None, updated_at=now)
                )
                moved.extend(ids)
        return sorted(moved)

    # -- run control -------------------------------------------------------------------------

    def request_stop(self, run_id: str, code: str, message: str) -> None:
        """Ask every worker of the run, on every host, to stop; the first request is kept."""
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            conn.execute(insert_or_ignore(self._dialect, runs, "run_id").values(run_id=run_id))
            conn.execute(
                update(runs)
                .where(runs.c.run_id == run_id, runs.c.stop_code.is_(None))
                .values(stop_code=code, stop_message=message, stop_requested_at=now)
            )

    def clear_stop(self, run_id: str) -> None:
        """Forget the stop request (a resumed run works again)."""
        with immediate_transaction(self._engine) as conn:
            conn.execute(
                update(runs)
                .where(runs.c.run_id == run_id)
                .values(stop_code=None, stop_message=None, stop_requested_at=None)
            )
