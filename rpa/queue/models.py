"""Value objects the work queue hands out, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Row

from rpa.errors import ApplicationError, BatchWindow


class ItemState(StrEnum):
    """Where a work item is in its life."""

    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    BUSINESS_ERROR = "business_error"
    FAILED = "failed"
    HELD = "held"


ENDED_STATES: frozenset[ItemState] = frozenset({ItemState.DONE, ItemState.BUSINESS_ERROR, ItemState.FAILED})
RETRYABLE_STATES: frozenset[ItemState] = frozenset(
    {ItemState.BUSINESS_ERROR, ItemState.FAILED, ItemState.HELD}
)
# an item a person ended on purpose (a checker's 复核退回): no retry reopens it (tester AG saw a
# plain `rpa runs retry` put a rejected row back before a second checker, who filed it)
REJECTED_BY_CHECKER = "rejected_by_checker"
AWAITING_APPROVAL = "awaiting_approval"  # held for a checker (rpa.approvals): tallies say 待复核
NEVER_RETRIED_CODES = frozenset({REJECTED_BY_CHECKER})


class Outcome(StrEnum):
    """How one attempt ended, as the attempts history records it."""

    DONE = "done"
    BUSINESS_ERROR = "business_error"
    SYSTEM_ERROR = "system_error"
    BUG = "bug"  # an exception outside the error tree: failed at once, never retried
    HELD = "held"
    RETURNED = "returned"  # given back uncounted (graceful stop, run-fatal error)
    LEASE_EXPIRED = "lease_expired"  # the worker stopped heartbeating; the item was taken back


@dataclass(frozen=True)
class WorkItem:
    """One unit of work, as stored."""

    id: int
    flow: str
    run_id: str
    key: str
    payload: dict[str, Any]
    state: ItemState
    attempts: int
    lease_owner: str | None
    lease_expires_at: datetime | None
    not_before: datetime | None
    last_error_code: str | None
    last_error_message: str | None
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    order_group: str | None = None
    affinity: str | None = None
    fence: int = 0
    submit_fence: int | None = None
    submitting_at: datetime | None = None
    payload_seal: str | None = None  # rpa.seals: checked by `WorkQueue.payload_sound`
    earlier_attempts: int = 0  # before the last reset of `attempts` (a retry, redo, correction or approval)

    @property
    def tries(self) -> int:
        """Every attempt the item had, across retries, redos and corrections: the 尝试次数 shown
        to clerks and auditors (`attempts` is the budget, which a retry resets)."""
        return self.earlier_attempts + self.attempts

    @property
    def caught_mid_submit(self) -> bool:
        """True when a lease before this one began an irreversible step (`begin_submit`) and
        was lost before its owner could say how it ended: that owner may still be at it."""
        return self.submit_fence is not None and self.submit_fence != self.fence

    def done_as(self, status: str) -> bool:
        """True when the item ended done with this result status (a check's "passed")."""
        return self.state == ItemState.DONE and (self.result or {}).get("status") == status

    @classmethod
    def from_row(cls, row: Row[Any]) -> WorkItem:
        m = row._mapping
        return cls(
            id=m["id"],
            flow=m["flow"],
            run_id=m["run_id"],
            key=m["key"],
            payload=m["payload"],
            state=ItemState(m["state"]),
            attempts=m["attempts"],
            lease_owner=m["lease_owner"],
            lease_expires_at=m["lease_expires_at"],
            not_before=m["not_before"],
            last_error_code=m["last_error_code"],
            last_error_message=m["last_error_message"],
            result=m["result"],
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            order_group=m["order_group"],
            affinity=m["affinity"],
            fence=m["fence"],
            submit_fence=m["submit_fence"],
            submitting_at=m["submitting_at"],
            payload_seal=m["payload_seal"],
            earlier_attempts=m["earlier_attempts"],
        )


@dataclass(frozen=True)
class NewItem:
    """An item to enqueue. Items of one run with the same `order_group` are worked one at a
    time, in the order they were enqueued; None (the default) puts the item in no group.
    Items with the same `affinity` are best worked by one worker in a row (they come from one
    page of the portal, say): a worker is handed the next item of its last item's affinity
    first. Unlike a group, an affinity only orders claims and never holds an item back."""

    key: str
    payload: dict[str, Any]
    order_group: str | None = None
    affinity: str | None = None


@dataclass(frozen=True)
class EnqueueResult:
    """What enqueuing one key did. `run_id` is the existing item's run when `created` is False."""

    item_id: int
    created: bool
    state: ItemState
    run_id: str


@dataclass(frozen=True)
class AttemptRecord:
    """One claim of an item and how it ended (`ended_at` is None while it is in progress)."""

    attempt: int
    owner: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    error_code: str | None
    error_message: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> AttemptRecord:
        m = row._mapping
        return cls(
            attempt=m["attempt"],
            owner=m["owner"],
            started_at=m["started_at"],
            ended_at=m["ended_at"],
            outcome=m["outcome"],
            error_code=m["error_code"],
            error_message=m["error_message"],
        )


class LeaseLost(ApplicationError):
    """The item is no longer leased by this worker (the lease expired and was taken back)."""

    code = "lease_lost"
    drops_item = True


class SubmittedElsewhere(BatchWindow):
    """Another run's item of the same order group (one account) is being submitted, or ended
    done after this item was claimed: what this item looked up may predate that filing. Retried
    after the longest backoff, as a portal busy for a while (never what opens the circuit
    breaker): the next attempt looks up again."""

    code = "submitted_elsewhere"


class ItemNotFound(LookupError):
    """No work item has this id."""


class InvalidTransition(ValueError):
    """The item is not in a state that allows this change (e.g. releasing an item not held)."""
