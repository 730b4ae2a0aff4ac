"""The read side of the work queue: lookups, counts and run control flags.

`WorkQueue` in `rpa.queue.work_queue` builds on this class and adds every state change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Engine, exists, func, or_, select

from rpa.db import engine_for
from rpa.queue.models import AWAITING_APPROVAL, AttemptRecord, ItemNotFound, ItemState, WorkItem
from rpa.queue.schema import attempts, items, runs
from rpa.seals import payload_seal, seal_matches

OPEN_STATES = (ItemState.PENDING, ItemState.LEASED)
CHUNK = 500  # rows per statement: well inside SQLite's and PostgreSQL's parameter limits


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """`values` in slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def utc_now() -> datetime:
    """The default queue clock."""
    return datetime.now(UTC)


def behind_its_group() -> ColumnElement[bool]:
    """True for an item of `items` that waits for an earlier item (smaller id) of the same run
    and order group that is still open: pending or leased, due or not, lease expired or not.

    An item without a group never waits (NULL equals nothing).
    """
    return _another_of_its_group(earlier=True, states=OPEN_STATES)


def ahead_of_a_leased_one() -> ColumnElement[bool]:
    """True for an item of `items` with a later item (larger id) of the same run and order group
    in a worker's hands: reopened now, it would be worked at the same time as that one."""
    return _another_of_its_group(earlier=False, states=(ItemState.LEASED,))


def worked_by_another(owner: str | BindParameter[str]) -> ColumnElement[bool]:
    """True for an item of `items` whose affinity an owner other than `owner` holds a lease of
    in the same run. An item without an affinity never is (NULL equals nothing)."""
    other = items.alias("worked")
    return exists().where(
        other.c.run_id == items.c.run_id,
        other.c.affinity == items.c.affinity,
        other.c.state == ItemState.LEASED,
        other.c.lease_owner != owner,
    )


def _another_of_its_group(*, earlier: bool, states: tuple[ItemState, ...]) -> ColumnElement[bool]:
    """True for an item of `items` with another item of its run and order group, before it
    (`earlier`) or after it in id order, in one of `states`."""
    other = items.alias("earlier" if earlier else "later")
    return exists().where(
        other.c.run_id == items.c.run_id,
        other.c.order_group == items.c.order_group,
        other.c.id < items.c.id if earlier else other.c.id > items.c.id,
        other.c.state.in_(states),
    )


class QueueReader:
    """Reads the queue's tables; never changes them."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None,
                 seal_key: Callable[[], bytes] | None = None) -> None:
        self.url = url
        self._engine: Engine = engine_for(url)
        self._clock = clock or utc_now
        # the audit key, asked for when first needed: a queue without one neither seals nor checks
        self._seal_key, self._seal_bytes = seal_key, b""

    def _key(self) -> bytes:
        if not self._seal_bytes and self._seal_key is not None:
            self._seal_bytes = self._seal_key()
        return self._seal_bytes

    def seal_of(self, flow: str, key: str, payload: dict[str, Any]) -> str | None:
        """The seal a payload written now gets (`rpa.seals`); None for a queue without the key."""
        secret = self._key()
        return payload_seal(secret, flow, key, payload) if secret else None

    def payload_sound(self, item: WorkItem) -> bool:
        """True when the item's payload is the one the engine last wrote (its seal matches); an
        edit of the database, or a seal removed, is not. A queue without the key says True."""
        return self._holds(item.flow, item.key, item.payload, item.payload_seal)

    def _holds(self, flow: str, key: str, payload: dict[str, Any], seal: str | None) -> bool:
        secret = self._key()
        return not secret or seal_matches(secret, flow, key, payload, seal)

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
        return self.find_by_keys(flow, [key]).get(key)

    def find_by_keys(self, flow: str, keys: Sequence[str]) -> dict[str, WorkItem]:
        """The items of `flow` that hold any of these keys, whichever runs enqueued them, by key."""
        found: dict[str, WorkItem] = {}
        with self._engine.connect() as conn:
            for some in chunks(sorted(set(keys))):
                rows = conn.execute(select(items).where(items.c.flow == flow, items.c.key.in_(some)))
                found.update((row.key, WorkItem.from_row(row)) for row in rows)
        return found

    def find_by_key_patterns(self, flow: str, patterns: Sequence[str]) -> list[WorkItem]:
        """The items of `flow`, of any run, whose key matches one of these SQL LIKE patterns."""
        if not patterns:
            return []
        with self._engine.connect() as conn:
            matching = or_(*(items.c.key.like(pattern) for pattern in patterns))
            rows = conn.execute(select(items).where(items.c.flow == flow, matching).order_by(items.c.id))
            return [WorkItem.from_row(row) for row in rows]

    def payload_values(self, flow: str, field: str, *, skip_key_prefix: str | None = None) -> set[str]:
        """The distinct text values one payload field has among the flow's items, of any run
        (leaving out items whose key starts with `skip_key_prefix`)."""
        value = items.c.payload[field].as_string()
        query = select(value).where(items.c.flow == flow)
        if skip_key_prefix:
            query = query.where(~items.c.key.startswith(skip_key_prefix, autoescape=True))
        with self._engine.connect() as conn:
            rows = conn.execute(query.distinct())
            return {found for (found,) in rows if found is not None}

    def latest_by_payload(self, flow: str, field: str, values: Sequence[str]) -> dict[str, WorkItem]:
        """The item of `flow` last changed (any run, any state) for each of `values` of one payload
        field, by value: e.g. an enterprise's latest registration check, whichever row it was."""
        found: dict[str, WorkItem] = {}
        value = items.c.payload[field].as_string()
        with self._engine.connect() as conn:
            for some in chunks(sorted({v for v in values if v})):
                query = select(items).where(items.c.flow == flow, value.in_(some))
                for row in conn.execute(query.order_by(items.c.updated_at, items.c.id)):
                    found[str(row.payload[field])] = WorkItem.from_row(row)
        return found

    def leased_ahead_elsewhere(self, item: WorkItem) -> WorkItem | None:
        """An item of another run of the same flow and order group, enqueued before `item` and
        in a worker's hands under a lease that has not run out: the two would be worked at
        once (two runs given rows of one account). None when there is none, or no group."""
        if item.order_group is None:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                select(items)
                .where(
                    items.c.flow == item.flow,
                    items.c.order_group == item.order_group,
                    items.c.run_id != item.run_id,
                    items.c.id < item.id,
                    items.c.state == ItemState.LEASED,
                    items.c.lease_expires_at > self._now(),
                )
                .order_by(items.c.id)
                .limit(1)
            ).first()
        return None if row is None else WorkItem.from_row(row)

    def unfinished_before(self, item: WorkItem) -> list[WorkItem]:
        """The items of `item`'s run and order group enqueued before it that have not ended done
        (held, refused, failed, or still open), oldest first; none without a group."""
        return self._unfinished(item, items.c.run_id == item.run_id, items.c.id < item.id)

    def unfinished_elsewhere(self, item: WorkItem) -> list[WorkItem]:
        """The items of other runs of `item`'s flow and order group that have not ended done
        (held, refused, failed, or still open), oldest first; none without a group. Which of them
        come before `item` is the flow's to say (their payloads hold the business order)."""
        return self._unfinished(item, items.c.flow == item.flow, items.c.run_id != item.run_id)

    def _unfinished(self, item: WorkItem, *where: ColumnElement[bool]) -> list[WorkItem]:
        """The items of `item`'s order group, further chosen by `where`, not ended done."""
        if item.order_group is None:
            return []
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(items)
                .where(items.c.order_group == item.order_group, items.c.state != ItemState.DONE, *where)
                .order_by(items.c.id)
            )
            return [WorkItem.from_row(row) for row in rows]

    def last_activity(self, run_id: str) -> datetime | None:
        """The latest moment the run's items show life: a change to any of them, or a lease
        running until then; None when the run has no items."""
        with self._engine.connect() as conn:
            changed, leased = conn.execute(
                select(func.max(items.c.updated_at), func.max(items.c.lease_expires_at)).where(
                    items.c.run_id == run_id
                )
            ).one()
        moments: list[datetime] = [m for m in (changed, leased) if m is not None]
        return max(moments) if moments else None

    def items(self, run_id: str, state: ItemState | None = None) -> list[WorkItem]:
        """Every item of the run (in `state` when given), oldest first."""
        where = [items.c.run_id == run_id, *([items.c.state == state] if state else [])]
        with self._engine.connect() as conn:
            rows = conn.execute(select(items).where(*where).order_by(items.c.id))
            return [WorkItem.from_row(row) for row in rows]

    def history(self, item_id: int) -> list[AttemptRecord]:
        """Every claim of the item in the order they happened."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(attempts).where(attempts.c.item_id == item_id).order_by(attempts.c.id))
            return [AttemptRecord.from_row(row) for row in rows]

    def counts(self, run_id: str) -> dict[ItemState, int]:
        """How many items of the run are in each state; every state is a key."""
        query = select(items.c.state, func.count()).where(items.c.run_id == run_id).group_by(items.c.state)
        with self._engine.connect() as conn:
            return {state: 0 for state in ItemState} | {ItemState(s): n for s, n in conn.execute(query)}

    def awaiting_checker(self, run_id: str) -> int:
        """How many of the run's items are held for a checker (`AWAITING_APPROVAL`: 待复核)."""
        query = select(func.count()).where(items.c.run_id == run_id, items.c.state == ItemState.HELD,
                                           items.c.last_error_code == AWAITING_APPROVAL)
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def next_due_in(self, run_id: str) -> float | None:
        """Seconds until something of the run can be claimed: 0 if now, None if nothing is left.

        A pending item is due at its `not_before`; a leased one when its lease expires (if its
        worker stops heartbeating, it will be taken back then). An item waiting behind an
        earlier open item of its order group is left out: it is due once that one ends, which no
        clock tells, so the earlier item's own moment counts and a caller keeps polling. The
        first open item of a group never waits, so None still means nothing is pending or leased.
        """
        now = self._now()
        in_turn = (items.c.run_id == run_id) & ~behind_its_group()
        with self._engine.connect() as conn:
            due_now = conn.execute(
                select(items.c.id)
                .where(
                    in_turn,
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
                ).where(in_turn, items.c.state.in_(OPEN_STATES))
            ).one()
        moments = [m for m in (earliest_pending, earliest_expiry) if m is not None]
        if not moments:
            return None
        return max(0.0, (min(moments) - now).total_seconds())

    def runs_with_open_items(self, flow: str) -> list[str]:
        """The runs of `flow` with an item pending or leased, the run of the oldest such item first
        (what `rpa worker` joins, on any host)."""
        first = func.min(items.c.id).label("first")
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(items.c.run_id, first)
                .where(items.c.flow == flow, items.c.state.in_(OPEN_STATES))
                .group_by(items.c.run_id)
                .order_by(first)
            )
            return [row.run_id for row in rows]

    def stop_requested(self, run_id: str) -> tuple[str, str] | None:
        """(code, message) of the run-fatal error that stopped the run, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(runs.c.stop_code, runs.c.stop_message).where(
                    runs.c.run_id == run_id, runs.c.stop_code.is_not(None)
                )
            ).first()
        return None if row is None else (row.stop_code, row.stop_message or "")
