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

Seals: a queue given the audit key (`from_settings`) seals every payload it writes (`rpa.seals`);
`payload_sound(item)` says whether the payload is still the one it wrote. Which code checks it
before what is the worker's and the case actions' business.

Claims run in `BEGIN IMMEDIATE` transactions on SQLite and with `SELECT ... FOR UPDATE SKIP
LOCKED` on PostgreSQL: no item is ever leased to two workers at once. Which exception leads to
which transition is decided by the worker (`rpa.run.worker`), not here. Times come from the
injectable `clock` (timezone-aware UTC), so tests can move time without sleeping.

`WorkQueue` is built in layers, one module each: reads (rpa.queue.reads), how an attempt ends
(rpa.queue.endings), leases (rpa.queue.leases), release, retry, take-over and masking
(rpa.queue.aftercare); this module adds the schema, enqueueing and run control.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, text, update

from rpa.db import immediate_transaction, ride_out_outages_of, set_outage_limit
from rpa.queue.aftercare import Aftercare
from rpa.queue.endings import JITTER_FRACTION, retry_delay_seconds
from rpa.queue.models import (
    ENDED_STATES,
    AttemptRecord,
    EnqueueResult,
    InvalidTransition,
    ItemNotFound,
    ItemState,
    LeaseLost,
    NewItem,
    Outcome,
    SubmittedElsewhere,
    WorkItem,
)
from rpa.queue.reads import chunks
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
    "SubmittedElsewhere",
    "WorkItem",
    "WorkQueue",
    "retry_delay_seconds",
]

# PostgreSQL advisory lock keys: one while creating the tables, one per flow while enqueuing
_SCHEMA_LOCK = 0x52_50_41_51
ANALYZE_AFTER = 1000  # new items in one enqueue that refresh PostgreSQL's statistics at once
_ENQUEUE_LOCKS = 0x52_50_41_52 << 32


@ride_out_outages_of  # a database restart is waited out; each method's transaction runs again whole
class WorkQueue(Aftercare):
    """The work items of every flow and run, in one SQLite or PostgreSQL database."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = 4,
        backoff_base_seconds: float = 2.0,
        backoff_max_seconds: float = 120.0,
        clock: Callable[[], datetime] | None = None,
        seal_key: Callable[[], bytes] | None = None,
    ) -> None:
        """`seal_key` gives the audit key the payloads are sealed with (`rpa.seals`); without
        it nothing is sealed or checked (a queue read by tests and benchmarks)."""
        super().__init__(
            url,
            max_attempts=max_attempts,
            backoff_base_seconds=backoff_base_seconds,
            backoff_max_seconds=backoff_max_seconds,
            clock=clock,
            seal_key=seal_key,
        )
        self._dialect = self._engine.dialect.name

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkQueue:
        """The queue at `settings.database_url_resolved` with the configured retry policy, its
        payloads sealed with the audit key."""
        set_outage_limit(settings.db_outage_seconds)
        return cls(
            settings.database_url_resolved,
            max_attempts=settings.max_attempts,
            backoff_base_seconds=settings.backoff_base_seconds,
            backoff_max_seconds=settings.backoff_max_seconds,
            seal_key=settings.audit_key_bytes,
        )

    def create_schema(self) -> None:
        """Create the queue's tables if they are missing, and add the columns and indexes a
        database made by an earlier version lacks; safe to call from many processes."""
        with immediate_transaction(self._engine) as conn:
            if self._dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
            metadata.create_all(conn, checkfirst=True)
            if "payload_seal" in upgrade_items_table(conn):
                self._seal_all(conn)  # items an earlier version enqueued: sealed as they are now

    def _seal_all(self, conn: Connection) -> None:
        """Seal every item without a seal (the column was added just now, in this transaction)."""
        if not self._key():
            return
        rows = conn.execute(select(items.c.id, items.c.flow, items.c.key, items.c.payload)
                            .where(items.c.payload_seal.is_(None))).all()
        for row in rows:
            conn.execute(update(items).where(items.c.id == row.id)
                         .values(payload_seal=self.seal_of(row.flow, row.key, row.payload)))

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
                "payload_seal": self.seal_of(flow, item.key, item.payload),
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
            if self._dialect == "postgresql" and len(created) >= ANALYZE_AFTER:
                # a claim planned on the estimates of a table that was small a moment ago can
                # take minutes against the rows just added (benchmarks/README.md, the queue at
                # 20,000); the statistics commit with the items
                conn.execute(text("ANALYZE queue_items"))
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
