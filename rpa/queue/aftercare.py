"""What is done to a run's items after their attempts, by a person or a later run: a held item
released, ended items retried, the open items of a run that will not work them taken over by
another, and the payloads of done items masked once the run no longer needs them.

    >>> queue.retry(run_id)            # business_error, failed and held items: pending again
    [3, 7]                             # (never one a checker rejected: NEVER_RETRIED_CODES)
    >>> queue.release(12)              # a person has dealt with held item 12
    >>> queue.redo(old_run, run_id, {5: payload})  # a check done by an earlier run: asked again
    [5]
    >>> queue.approve_held(run_id, [3], "awaiting_approval", {"approved_by": "li"})  # a checker's yes
    [3]

`WorkQueue` (rpa.queue.work_queue) builds on this class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import or_, select, update

from rpa.db import empty_wal, immediate_transaction
from rpa.masking import MASKED_MARK
from rpa.queue.leases import LeaseKeeper
from rpa.queue.models import NEVER_RETRIED_CODES as NEVER_RETRIED
from rpa.queue.models import RETRYABLE_STATES, InvalidTransition, ItemNotFound, ItemState, Outcome
from rpa.queue.reads import ahead_of_a_leased_one, chunks
from rpa.queue.schema import items

HELD_ON_REFILE = "held_on_refile"  # a held item's result field: refiled by a person, held by a gate


def held_on_refile(note: str) -> dict[str, Any]:
    """The result of an item `WorkQueue.refile` holds: the gate's note, marked as such."""
    return {"note": note, HELD_ON_REFILE: True}

SEALED = (items.c.flow, items.c.key, items.c.payload, items.c.payload_seal)  # what `_resealed` reads


class Aftercare(LeaseKeeper):
    """Release, retry, take over and mask: the changes made to items whose attempts have ended."""

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
        """Replace the payloads of the run's done items with `masker`'s version of them; returns
        how many it changed. Their order group stays (an account number for filings, which the
        item's key names too): another run's `begin_submit` must still see a filing of the
        account done since its look-up once this run has ended. Items in other states keep
        their payload: a retry or a resume works them from it. On SQLite the WAL is emptied
        afterwards, so the old versions are gone from the files too (freed space is
        overwritten: `secure_delete`)."""
        changed = 0
        with immediate_transaction(self._engine) as conn:
            rows = conn.execute(
                select(items.c.id, *SEALED).where(items.c.run_id == run_id, items.c.state == ItemState.DONE)
            ).all()
            for row in rows:
                if isinstance(row.payload, dict) and row.payload.get(MASKED_MARK):
                    continue
                values = self._resealed(row, {"payload": masker(row.payload)})
                conn.execute(update(items).where(items.c.id == row.id).values(**values))
                changed += 1
        if changed:
            empty_wal(self._engine)
        return changed

    def retry(self, run_id: str, item_ids: Sequence[int] | None = None) -> list[int]:
        """Business-error, failed and held items of the run (all, or those chosen) go back to
        pending with attempts reset to 0; returns the ids that did. Other ids are left alone,
        and so is an item while a later item of its order group is leased (the two would be
        worked at once, out of order): retry it once that one has ended.
        The history keeps the earlier attempts and `earlier_attempts` their number; the
        budget's numbering starts again at 1."""
        conditions = [
            items.c.run_id == run_id,
            items.c.state.in_(list(RETRYABLE_STATES)),
            or_(items.c.last_error_code.is_(None), items.c.last_error_code.notin_(NEVER_RETRIED)),
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
                    earlier_attempts=items.c.earlier_attempts + items.c.attempts,
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

    def redo(self, from_run: str, to_run: str, payloads: Mapping[int, dict[str, Any]]) -> list[int]:
        """Items of `from_run` (ids: the keys of `payloads`) that ended, done or not, worked again
        in `to_run`: pending with the payload given (an ended item's may have been masked),
        attempts 0, result and error cleared. For a flow whose items only read a portal (a
        registration check): a new run asks again. Open items are left alone. Returns the ids
        moved; the history keeps the earlier attempts."""
        ended = [ItemState.DONE.value, *(state.value for state in RETRYABLE_STATES)]
        now, moved = self._now(), []
        with immediate_transaction(self._engine) as conn:
            for item_id, payload in payloads.items():
                old = conn.execute(select(*SEALED).where(items.c.id == item_id)).first()
                sealed = {} if old is None else self._resealed(old, {"payload": payload})
                changed = conn.execute(
                    update(items)
                    .where(items.c.id == item_id, items.c.run_id == from_run, items.c.state.in_(ended))
                    .values(run_id=to_run, state=ItemState.PENDING.value, **{"payload": payload, **sealed},
                            attempts=0, earlier_attempts=items.c.earlier_attempts + items.c.attempts,
                            result=None, last_error_code=None, last_error_message=None, not_before=None,
                            submit_fence=None, submitting_at=None, updated_at=now)
                )
                moved += [item_id] if changed.rowcount == 1 else []
        return sorted(moved)

    # -- a checker's decision (maker-checker: rpa.approvals) ----------------------------------

    def approve_held(
        self, run_id: str, item_ids: Sequence[int], code: str, mark: Mapping[str, Any], *,
        all_or_none: bool = False,
    ) -> list[int]:
        """Items of the run among `item_ids` held with `code`: pending again with `mark` merged
        into their payloads (the handler reads it), attempts reset to 0 as a retry's (the look-up
        before the hold was one: tester AG). Returns the ids that were; an item not so held
        (decided already, held for another reason) is left alone.
        `all_or_none`: when any of them is not so held, none is changed (returns [])."""
        return self._decide_held(run_id, item_ids, code, lambda payload: {
            "state": ItemState.PENDING.value, "payload": {**payload, **mark}, "not_before": None,
            "attempts": 0, "earlier_attempts": items.c.earlier_attempts + items.c.attempts}, all_or_none)

    def reject_held(
        self, run_id: str, item_ids: Sequence[int], code: str, *, new_code: str, message: str,
        result: Mapping[str, Any], all_or_none: bool = False,
    ) -> list[int]:
        """Items of the run among `item_ids` held with `code` end as business errors with
        `new_code`, `message` and `result`: never worked again unless retried. Returns their ids
        (`all_or_none` as for `approve_held`)."""
        return self._decide_held(run_id, item_ids, code, lambda _payload: {
            "state": ItemState.BUSINESS_ERROR.value, "last_error_code": new_code,
            "last_error_message": message, "result": dict(result)}, all_or_none)

    def _decide_held(
        self, run_id: str, item_ids: Sequence[int], code: str,
        values: Callable[[dict[str, Any]], dict[str, Any]], all_or_none: bool,
    ) -> list[int]:
        """Compare-and-set in one write transaction: only items still held with `code` change,
        so of two decisions on one item at the same moment only the first takes it."""
        wanted = sorted(set(item_ids))
        if not wanted:
            return []
        now = self._now()
        with immediate_transaction(self._engine) as conn:
            held = [row for some in chunks(wanted) for row in conn.execute(
                select(items.c.id, *SEALED)
                .where(items.c.id.in_(some), items.c.run_id == run_id,
                       items.c.state == ItemState.HELD, items.c.last_error_code == code)
                .with_for_update()
            ).all()]
            if all_or_none and len(held) != len(wanted):
                return []
            for row in held:
                changes = self._resealed(row, values(dict(row.payload or {})))
                conn.execute(update(items).where(items.c.id == row.id).values(updated_at=now, **changes))
        return sorted(row.id for row in held)

    def _resealed(self, row: Any, values: dict[str, Any]) -> dict[str, Any]:
        """`values` of an update of the item `row` (its `SEALED` columns), with the seal of the
        payload they write, if they write one. A payload the database had edited (its seal does
        not match) passes its brokenness on: the new one gets no seal, so no correction, mark or
        masking of the queue's own makes an edit sound."""
        if "payload" not in values:
            return values
        if not self._holds(row.flow, row.key, row.payload, row.payload_seal):
            return {**values, "payload_seal": None}
        return {**values, "payload_seal": self.seal_of(row.flow, row.key, values["payload"])}

    # -- a person's work on exceptions (rpa.casework) ----------------------------------------

    def refile(self, run_id: str, item_id: int, payload: Mapping[str, Any],
               states: Sequence[ItemState], *, held: tuple[str, str] | None = None) -> bool:
        """The run's item, in one of `states`: pending again with `payload` (a person's
        correction), attempts reset to 0, a mid-submit mark forgotten (its next attempt looks
        up first); with `held` (code, note) it waits for a person instead, its result that note
        and `HELD_ON_REFILE` (a gate the corrected row does not pass). False when it is not so
        (and while a later item of its group is leased)."""
        waits = {} if held is None else {"state": ItemState.HELD.value, "last_error_code": held[0],
                                         "last_error_message": held[1],
                                         "result": held_on_refile(held[1])}
        return self._change_one(run_id, item_id, states, lambda item: {
            "state": ItemState.PENDING.value, "payload": dict(payload), "attempts": 0,
            "earlier_attempts": item["earlier_attempts"] + item["attempts"],
            "not_before": None, "lease_owner": None, "lease_expires_at": None,
            "submit_fence": None, "submitting_at": None, **waits}, guard_group=True)

    def annotate(self, run_id: str, item_id: int, states: Sequence[ItemState], field: str,
                 value: Any) -> bool:
        """Set `field` of the result of the run's item in one of `states` (None: remove it),
        its state unchanged; False when it is not in one of them."""
        def values(item: Mapping[str, Any]) -> dict[str, Any]:
            result = {k: v for k, v in dict(item["result"] or {}).items() if k != field}
            return {"result": result if value is None else {**result, field: value}}

        return self._change_one(run_id, item_id, states, values)

    def settle(self, run_id: str, item_id: int, states: Sequence[ItemState], *, code: str,
               result: Mapping[str, Any]) -> bool:
        """The run's item in one of `states` ends done, settled by a person with `code` (kept as
        its last code: the bot did not file it) and `result`; False when it is not so."""
        return self._change_one(run_id, item_id, states, lambda _item: {
            "state": ItemState.DONE.value, "result": dict(result), "last_error_code": code,
            "not_before": None, "submit_fence": None, "submitting_at": None})

    def _change_one(self, run_id: str, item_id: int, states: Sequence[ItemState],
                    values: Callable[[Mapping[str, Any]], dict[str, Any]], *,
                    guard_group: bool = False) -> bool:
        conditions = [items.c.id == item_id, items.c.run_id == run_id,
                      items.c.state.in_([state.value for state in states])]
        if guard_group:
            conditions.append(~ahead_of_a_leased_one())
        with immediate_transaction(self._engine) as conn:
            row = conn.execute(
                select(*SEALED, items.c.result, items.c.attempts, items.c.earlier_attempts)
                .where(*conditions).with_for_update()
            ).first()
            if row is None:
                return False
            changes = self._resealed(row, values(dict(row._mapping)))
            conn.execute(update(items).where(items.c.id == item_id).values(updated_at=self._now(), **changes))
        return True
