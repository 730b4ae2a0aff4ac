"""The 复核记录 section of report.html: each checker's approval or rejection of a run's rows, as
the run's audit chain holds them (`approval.approved` / `approval.rejected`, rpa.approvals).

    >>> [entry.decision for entry in approval_entries(events)]
    ['批准', '退回']

A checker's name is what was typed (`--checker`, or the console's user); when the process ran as
another operating-system account, the page shows that account beside it (`li.fh（系统用户 wang）`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.people import same_person
from rpa.run.report_sections import shown_text

if TYPE_CHECKING:
    from rpa.audit.log import AuditEvent

_DECISIONS = {"approval.approved": "批准", "approval.rejected": "退回"}


@dataclass(frozen=True)
class ApprovalEntry:
    """One decision: when, by whom (and whose run), which sheet rows, and why for a rejection."""

    when: str
    checker: str
    maker: str
    decision: str
    rows: str
    reason: str


def approval_entries(events: Sequence[AuditEvent]) -> list[ApprovalEntry]:
    """The run's decisions in the order they were made."""
    return [_entry(event) for event in events if event.event in _DECISIONS]


def _entry(event: AuditEvent) -> ApprovalEntry:
    details: dict[str, Any] = dict(event.details)
    rows = details.get("rows") or []
    checker, account = str(details.get("checker") or event.actor), str(details.get("os_user") or "")
    if account and not same_person(checker, account):
        checker = f"{checker}（系统用户 {account}）"
    return ApprovalEntry(
        when=shown_text(event.time[:19].replace("T", " ")),
        checker=shown_text(checker),
        maker=shown_text(details.get("maker") or ""),
        decision=_DECISIONS[event.event],
        rows="、".join(str(row) for row in rows) if isinstance(rows, list) else shown_text(rows),
        reason=shown_text(details.get("reason") or ""),
    )
