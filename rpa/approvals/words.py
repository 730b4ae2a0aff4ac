"""The codes and payload fields shared by a flow that waits for approval and the decisions.

A run set for approval (`rpa run account-filing --approval`, or `approval: true` on a job of
schedules.yaml) enqueues each row with `payload[APPROVAL_FIELD] = REQUIRED`. Its handler looks
the row up and, where it would file, holds the item with `AWAITING_CODE` and a `review` in its
result (what will be sent, and for a change what AMS holds now; a field the change leaves to
AMS shows AMS's value, marked with KEPT_NOTE). A checker's approval merges
`{APPROVED_BY: name, APPROVED_AT: time}` into the payload and makes the item pending again; the
handler then files it. A rejection ends the item as a business error with `REJECTED_CODE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rpa.queue.models import AWAITING_APPROVAL, REJECTED_BY_CHECKER

APPROVAL_FIELD = "approval"
REQUIRED = "required"
APPROVED_BY = "approved_by"
APPROVED_AT = "approved_at"
AWAITING_CODE = AWAITING_APPROVAL
REJECTED_CODE = REJECTED_BY_CHECKER  # final: the queue never retries it
MAKER_PARAM = "maker"  # run.json parameters: who started the run
CORRECTED_BY = "corrected_by"  # a corrected item's payload (rpa.casework): who corrected it
# beside a field a 变更 leaves as AMS holds it (not among its 变更事项): what is filed is AMS's value
KEPT_NOTE = "（不变更，按 AMS 现值）"
# beside a change whose review was kept before KEPT_NOTE existed (`WaitingRow.kept_unmarked`)
OLD_REVIEW_NOTE = ("此行的复核内容生成较早，未标出不变更的字段：变更事项没有列出的字段按 AMS 现值报送，"
                   "以“AMS 现有”一栏为准，“将报送”一栏中这些字段可能显示的是导出行的值")


def waits_for_checker(payload: Mapping[str, Any]) -> bool:
    """True for an item of a run set for approval that no checker has approved yet."""
    return payload.get(APPROVAL_FIELD) == REQUIRED and not payload.get(APPROVED_BY)
