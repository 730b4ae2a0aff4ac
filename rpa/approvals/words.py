"""The codes and payload fields shared by a flow that waits for approval and the decisions.

A run set for approval (`rpa run account-filing --approval`, or `approval: true` on a job of
schedules.yaml) enqueues each row with `payload[APPROVAL_FIELD] = REQUIRED`. Its handler looks
the row up and, where it would file, holds the item with `AWAITING_CODE` and a `review` in its
result (what will be sent, and for a change what AMS holds now). A checker's approval merges
`{APPROVED_BY: name, APPROVED_AT: time}` into the payload and makes the item pending again; the
handler then files it. A rejection ends the item as a business error with `REJECTED_CODE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

APPROVAL_FIELD = "approval"
REQUIRED = "required"
APPROVED_BY = "approved_by"
APPROVED_AT = "approved_at"
AWAITING_CODE = "awaiting_approval"
REJECTED_CODE = "rejected_by_checker"
MAKER_PARAM = "maker"  # run.json parameters: who started the run


def waits_for_checker(payload: Mapping[str, Any]) -> bool:
    """True for an item of a run set for approval that no checker has approved yet."""
    return payload.get(APPROVAL_FIELD) == REQUIRED and not payload.get(APPROVED_BY)
