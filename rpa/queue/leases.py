"""Leases: claiming an item (its affinity and order group considered), keeping the lease alive,
marking the irreversible step under the lease's fencing token, and taking expired leases back.

    >>> item = queue.claim(run_id=run_id, owner="host-1234-w0", lease_seconds=60)
    >>> queue.begin_submit(item.id, "host-1234-w0", item.fence)
    True

How an attempt ends is in rpa.queue.endings, which this class builds on; `WorkQueue` (in
`rpa.queue.work_queue`) builds on this one: read its docstring for the state diagram.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Select, bindparam, insert, or_, select, text, true, update

from rpa.db import immediate_transaction
from rpa.queue.endings import AttemptEnder
from rpa.queue.models import ItemState, Outcome, SubmittedElsewhere, WorkItem
from rpa.queue.reads import behind_its_group, chunks, worked_by_another
from rpa.queue.schema import OPEN_ITEMS_SQL, UtcDateTime, attempts, items


def _claim_query(preferred: ColumnElement[bool]) -> Select[tuple[int, str]]:
    """The oldest claimable item of the run (`:run_id` at `:now`) that `preferred` allows, locked."""
    now = bindparam("now", type_=UtcDateTime())
    # walks the open items' index in id order, past none of the run's ended items
    claimable = text(f"{items.name}.{OPEN_ITEMS_SQL}") & or_(
        (items.c.state == ItemState.PENDING.value)
        & or_(items.c.not_before.is_(None), items.c.not_before <= now),
        (items.c.state == ItemState.LEASED.value) & (items.c.lease_expires_at <= now),
    )
    return (
        select(items.c.id, items.c.state)
        .where(items.c.run_id == bindparam("run_id"), claimable, ~behind_its_group(), preferred)
        .order_by(items.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


# A claim's statements, built once: building and keying them on every claim cost more client CPU
# than sending them. What a claim narrows the claimable items to, tried in turn: the caller's
# affinity, then an affinity no other owner (`:owner`) is working on (or none), then anything.
_BY_OWN_AFFINITY = _claim_query(items.c.affinity == bindparam("affinity"))
_BY_FREE_AFFINITY = _claim_query(~worked_by_another(bindparam("owner")))
_BY_AGE = _claim_query(true())
_LEASE = (
    update(items)
    .where(items.c.id == bindparam("item"))
    .values(
        state=ItemState.LEASED.value,
        attempts=items.c.attempts + 1,
        fence=items.c.fence + 1,
        lease_owner=bindparam("owner"),
        lease_expires_at=bindparam("expires", type_=UtcDateTime()),
        updated_at=bindparam("now", type_=UtcDateTime()),
    )
    .returning(*items.c)
)
_START_ATTEMPT = insert(attempts)


class LeaseKeeper(AttemptEnder):
    """Hands out leases, keeps them alive and takes back the expired ones."""

    # -- leases ------------------------------------------------------------------------------

    def claim(
        self, *, run_id: str, owner: str, lease_seconds: float, affinity: str | None = None
    ) -> WorkItem | None:
        """Lease the oldest claimable item of the run, or None.

        Claimable: pending and due (`not_before` passed), or leased with an expired lease (a
        reclaim: the earlier attempt is closed as lease_expired); and, for an item in an order
        group, no earlier item of the run in that group is still pending or leased (due or not,
        lease expired or not): a group's items are worked one at a time, in id order, each once
        the one before it is done, business_error, failed or held. Counts one more attempt and
        gives the lease the next fencing token (`WorkItem.fence`), which `begin_submit` checks.

        Of the claimable items, the oldest with `affinity` comes first (the caller's last item's:
        what the caller has open serves it), then the oldest whose affinity no other owner holds a
        lease of, then the oldest.
        """
        now = self._now()
        preferences = [_BY_FREE_AFFINITY, _BY_AGE] if affinity is None else [
            _BY_OWN_AFFINITY, _BY_FREE_AFFINITY, _BY_AGE]
        wanted = {"run_id": run_id, "now": now, "owner": owner, "affinity": affinity}
        with immediate_transaction(self._engine) as conn:
            candidate = None
            for query in preferences:
                candidate = conn.execute(query, wanted).first()
                if candidate is not None:
                    break
            if candidate is None:
                return None
            if candidate.state == ItemState.LEASED:
                self._close_attempts(conn, [candidate.id], now, Outcome.LEASE_EXPIRED)
            expires = now + timedelta(seconds=lease_seconds)
            row = conn.execute(
                _LEASE, {"item": candidate.id, "owner": owner, "expires": expires, "now": now}
            ).one()
            item = WorkItem.from_row(row)
            started = {"item_id": item.id, "attempt": item.attempts, "owner": owner, "started_at": now}
            conn.execute(_START_ATTEMPT, started)
        return item

    def heartbeat(self, item_id: int, owner: str, lease_seconds: float) -> bool:
        """Extend the lease; False when the item is no longer leased by `owner`."""
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            changed = conn.execute(
                update(items)
                .where(*self._leased_by(item_id, owner))
                .values(lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now)
            )
            return changed.rowcount == 1

    def begin_submit(self, item_id: int, owner: str, fence: int, *, claimed: WorkItem | None = None) -> bool:
        """Just before an irreversible step: True, and the item marked as being submitted under
        this fence, only if `owner` still holds it under `fence` and the lease has not expired,
        all in one transaction. False means the lease is gone: do not submit.

        With the item as `claimed` (its order group, and `updated_at` the claim's time): raises
        SubmittedElsewhere when another run's item of the group is being submitted under a live
        lease, or ended done since the claim, in the same transaction, the group's rows locked
        (two runs given one account's filing under different keys would both submit what each
        looked up before the other's filing).

        The mark stays when the lease is lost, so the next owner knows the item was caught
        mid-submit (`WorkItem.caught_mid_submit`); the owner ending its attempt clears it."""
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            if claimed is not None:
                _none_submitted_elsewhere(conn, claimed, now)
            changed = conn.execute(
                update(items)
                .where(
                    *self._leased_by(item_id, owner),
                    items.c.fence == fence,
                    items.c.lease_expires_at > now,
                )
                .values(submit_fence=fence, submitting_at=now, updated_at=now)
            )
            return changed.rowcount == 1

    def reclaim_expired(self) -> int:
        """Put every item whose lease expired back to pending (any run); how many there were."""
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            expired = [
                row.id
                for row in conn.execute(
                    select(items.c.id)
                    .where(items.c.state == ItemState.LEASED, items.c.lease_expires_at <= now)
                    .with_for_update(skip_locked=True)
                )
            ]
            for ids in chunks(expired):
                self._close_attempts(conn, ids, now, Outcome.LEASE_EXPIRED)
                conn.execute(
                    update(items)
                    .where(items.c.id.in_(ids))
                    .values(
                        state=ItemState.PENDING.value,
                        lease_owner=None,
                        lease_expires_at=None,
                        updated_at=now,
                    )
                )
        return len(expired)


def _none_submitted_elsewhere(conn: Connection, claimed: WorkItem, now: datetime) -> None:
    """SubmittedElsewhere when another run's item of `claimed`'s order group is being submitted
    under a live lease, waits for AMS after a press that got no answer (`answer_lost`,
    `answer_pending`: AMS may still store it), or ended done since `claimed` was claimed. Every
    row of the group is locked first, then read in a second statement: on PostgreSQL (READ
    COMMITTED) the other run's `begin_submit` waits for the lock and then sees this one's mark."""
    if claimed.order_group is None:
        return
    group = (items.c.flow == claimed.flow) & (items.c.order_group == claimed.order_group)
    conn.execute(select(items.c.id).where(group).order_by(items.c.id).with_for_update()).all()
    other = conn.execute(select(items.c.run_id).where(
        group, items.c.run_id != claimed.run_id,
        or_(items.c.submitting_at.is_not(None) & (items.c.lease_expires_at > now),
            (items.c.state == ItemState.PENDING.value) & items.c.last_error_code.in_(_UNANSWERED),
            (items.c.state == ItemState.DONE.value) & (items.c.updated_at >= claimed.updated_at)),
    )).first()
    if other is not None:
        raise SubmittedElsewhere(f"同一账户正由运行 {other.run_id} 报备或刚刚报备：本次查询可能已过时，"
                                 "未提交；稍后重新查询后办理", details={"other_run": other.run_id})


_UNANSWERED = ("answer_lost", "answer_pending")  # flows' codes of a press AMS may still be storing
