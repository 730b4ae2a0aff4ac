"""How an attempt ends: done, business error, system error (pending again after a backoff, or
failed once the attempts are used up), bug, held, or the lease given back uncounted. Every ending
checks in its transaction that the caller still holds the lease (`LeaseLost` otherwise) and
closes the attempt's row with its outcome.

    >>> queue.fail_system(item.id, "host-1234-w0", "PORTAL_TIMEOUT", "门户超时")
    <ItemState.PENDING: 'pending'>

`LeaseKeeper` (rpa.queue.leases) builds on this class and hands the leases out; `WorkQueue`
(rpa.queue.work_queue) on that one: read its docstring for the state diagram.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, case, select, update

from rpa.db import immediate_transaction
from rpa.queue.models import ItemState, LeaseLost, Outcome
from rpa.queue.reads import QueueReader
from rpa.queue.schema import UtcDateTime, attempts, items

JITTER_FRACTION = 0.1  # spreads retries of items that failed together over 10% of the delay


def retry_delay_seconds(attempts: int, base: float, ceiling: float) -> float:
    """The backoff before the next attempt, without jitter: base * 2**(attempts-1), capped."""
    exponent = min(max(attempts - 1, 0), 32)
    return float(min(base * 2**exponent, ceiling))


# given the attempts so far and the time: the item's next state and the other columns to set
_Decision = Callable[[int, datetime], tuple[ItemState, dict[str, Any]]]


class _Always:
    """A decision that does not depend on the attempts so far: the ending needs no read first."""

    def __init__(self, state: ItemState, **values: Any) -> None:
        self.state, self.values = state, values

    def __call__(self, _attempts: int, _now: datetime) -> tuple[ItemState, dict[str, Any]]:
        return self.state, self.values


_always = _Always

# An ending's statements, built once where they do not vary (building and keying a statement
# cost more client CPU than sending it); a bind named as a column it sets must be named apart
_HOLDER = (
    select(items.c.attempts)
    .where(
        items.c.id == bindparam("b_item"),
        items.c.state == ItemState.LEASED.value,
        items.c.lease_owner == bindparam("b_owner"),
    )
    .with_for_update()
)
_CLOSE_OWN_ATTEMPT = (
    update(attempts)
    .where(
        attempts.c.item_id == bindparam("b_item"),
        attempts.c.ended_at.is_(None),
        attempts.c.owner == bindparam("b_owner"),
    )
    .values(
        ended_at=bindparam("b_now", type_=UtcDateTime()),
        outcome=bindparam("b_outcome"),
        error_code=bindparam("b_code"),
        error_message=bindparam("b_message"),
    )
)
_OWN_SUBMIT = items.c.submit_fence == items.c.fence  # this lease's mark, not an earlier one's


class AttemptEnder(QueueReader):
    """Ends the attempts of leased items; every ending checks that the caller still owns the lease."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int,
        backoff_base_seconds: float,
        backoff_max_seconds: float,
        clock: Callable[[], datetime] | None,
        seal_key: Callable[[], bytes] | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        super().__init__(url, clock=clock, seal_key=seal_key)
        self.max_attempts = max_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds

    # -- how an attempt ends -----------------------------------------------------------------

    def complete(self, item_id: int, owner: str, result: dict[str, Any] | None = None) -> None:
        """The item is done. LeaseLost if `owner` no longer holds it."""
        self._end_attempt(
            item_id,
            owner,
            Outcome.DONE,
            None,
            None,
            _always(ItemState.DONE, result=result, last_error_code=None, last_error_message=None),
        )

    def fail_business(
        self, item_id: int, owner: str, code: str, message: str, result: dict[str, Any] | None = None
    ) -> None:
        """The item ends in a business error (bad data, portal refusal); never retried."""
        self._end_attempt(
            item_id,
            owner,
            Outcome.BUSINESS_ERROR,
            code,
            message,
            _always(
                ItemState.BUSINESS_ERROR, result=result, last_error_code=code, last_error_message=message
            ),
        )

    def fail_system(
        self, item_id: int, owner: str, code: str, message: str, *, longest: bool = False,
        result: dict[str, Any] | None = None,
    ) -> ItemState:
        """A system error: pending again after a backoff, or failed once attempts are used up.
        `longest`: the portal is busy for minutes (a batch window), so the wait is the longest
        backoff at once rather than a growing one. `result`, when given, replaces the item's."""

        def after_backoff(attempts_so_far: int, now: datetime) -> tuple[ItemState, dict[str, Any]]:
            error: dict[str, Any] = {"last_error_code": code, "last_error_message": message}
            if result is not None:
                error["result"] = result
            if attempts_so_far >= self.max_attempts:
                return ItemState.FAILED, error
            delay = self.backoff_max_seconds if longest else retry_delay_seconds(
                attempts_so_far, self.backoff_base_seconds, self.backoff_max_seconds)
            delay += random.uniform(0.0, delay * JITTER_FRACTION)
            return ItemState.PENDING, {**error, "not_before": now + timedelta(seconds=delay)}

        return self._end_attempt(item_id, owner, Outcome.SYSTEM_ERROR, code, message, after_backoff)

    def fail_bug(self, item_id: int, owner: str, code: str, message: str, *,
                 result: dict[str, Any] | None = None) -> None:
        """A bug (an exception outside the error tree): failed now, never retried; the same
        code would meet the same bug again. `rpa runs retry` puts it back once it is fixed.
        `result`, when given, replaces the item's."""
        kept = {} if result is None else {"result": result}
        self._end_attempt(
            item_id,
            owner,
            Outcome.BUG,
            code,
            message,
            _always(ItemState.FAILED, last_error_code=code, last_error_message=message, **kept),
        )

    def hold(
        self, item_id: int, owner: str, code: str, message: str, result: dict[str, Any] | None = None
    ) -> None:
        """The item waits for a person (content conflict, approval needed) until `release()`."""
        self._end_attempt(
            item_id,
            owner,
            Outcome.HELD,
            code,
            message,
            _always(ItemState.HELD, result=result, last_error_code=code, last_error_message=message),
        )

    def return_lease(self, item_id: int, owner: str) -> None:
        """Give the item back unfinished without counting the attempt (graceful stop, run-fatal)."""
        self._end_attempt(
            item_id,
            owner,
            Outcome.RETURNED,
            None,
            None,
            _always(ItemState.PENDING, attempts=items.c.attempts - 1),
        )

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _leased_by(item_id: int, owner: str) -> tuple[Any, ...]:
        return (items.c.id == item_id, items.c.state == ItemState.LEASED, items.c.lease_owner == owner)

    def _end_attempt(
        self,
        item_id: int,
        owner: str,
        outcome: Outcome,
        code: str | None,
        message: str | None,
        decide: _Decision,
    ) -> ItemState:
        """End the owner's lease in one transaction: the item's new state and its attempt row.
        The owner knows how its own submit ended, so its `begin_submit` mark is cleared; a mark
        left by an earlier, lost lease stays until a person releases or retries the item.

        A decision that needs the attempts so far reads them under the row's lock first; any other
        ending is one UPDATE that names the owner's lease (its row lock and its check at once)."""
        now = self._now()
        lost = LeaseLost(
            f"事项 {item_id} 的租约已不属于 {owner}", details={"item_id": item_id, "owner": owner}
        )
        with immediate_transaction(self._engine) as conn:
            if isinstance(decide, _Always):
                state, values = decide.state, decide.values
            else:
                held = conn.execute(_HOLDER, {"b_item": item_id, "b_owner": owner}).first()
                if held is None:
                    raise lost
                state, values = decide(held.attempts, now)
            changed = conn.execute(
                update(items)
                .where(*self._leased_by(item_id, owner))
                .values(
                    state=state.value,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                    submit_fence=case((_OWN_SUBMIT, None), else_=items.c.submit_fence),
                    submitting_at=case((_OWN_SUBMIT, None), else_=items.c.submitting_at),
                    **values,
                )
            )
            if changed.rowcount != 1:
                raise lost
            closing = {"b_item": item_id, "b_owner": owner, "b_now": now, "b_outcome": outcome.value,
                       "b_code": code, "b_message": message}
            conn.execute(_CLOSE_OWN_ATTEMPT, closing)
        return state

    @staticmethod
    def _close_attempts(
        conn: Connection,
        item_ids: Sequence[int],
        now: datetime,
        outcome: Outcome,
        code: str | None = None,
        message: str | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        conditions: list[ColumnElement[bool]] = [
            attempts.c.item_id.in_(list(item_ids)),
            attempts.c.ended_at.is_(None),
        ]
        if owner is not None:
            conditions.append(attempts.c.owner == owner)
        conn.execute(
            update(attempts)
            .where(*conditions)
            .values(ended_at=now, outcome=outcome.value, error_code=code, error_message=message)
        )
