"""What a run found that a person must hear of, read back from its audit trail at the run's end:
input rows put aside while validating (for a person, or invalid and not filed), and what a
reconciliation found (overdue, missing from AMS, differing, rows it could not read).

    counts = rows_put_aside(settings, run_id)       # {"needs_person": 1, "invalid": 2}
    found = reconciliation_found(settings, run_id)  # None, or what to tell and each class's count

The audit trail, not result.xlsx or the workbook, which a run that stopped before its end has not
written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpa.settings import Settings

# the audit event a flow records for each input row it validates, and the statuses of one put aside
ROW_VALIDATED, FOR_A_PERSON, INVALID = "row.validated", "needs_person", "invalid"
# the audit event a reconciliation records once it has classified: `told` (Chinese phrases, what a
# person must act on; empty when nothing) and `classes` (each class's count, [name, count] pairs
# in the workbook's order: the audit trail keeps a mapping's keys sorted)
RECONCILIATION_FOUND = "reconciliation.found"


@dataclass(frozen=True)
class Found:
    """What a reconciliation found worth telling, and each class's count."""

    told: tuple[str, ...]
    classes: dict[str, int]


def rows_put_aside(settings: Settings, run_id: str) -> Counter[str]:
    """Input rows the run put aside while validating (never queue items), by status
    (`needs_person`: 核准, a name outside GBK, no passed registration check; `invalid`: 无效，
    未报备): each row's last `row.validated` (a resumed run validates again)."""
    from rpa.audit.log import AuditLog

    audit = AuditLog.from_settings(settings)
    if not audit.has_schema():
        return Counter()
    last: dict[tuple[str, str], str] = {}
    for event in audit.events(run_id):
        if event.event == ROW_VALIDATED:
            where = (str(event.details.get("sheet")), str(event.details.get("row")))
            last[where] = str(event.details.get("status"))
    return Counter(status for status in last.values() if status in (FOR_A_PERSON, INVALID))


def reconciliation_found(settings: Settings, run_id: str) -> Found | None:
    """The run's last `reconciliation.found`, when it names something to tell; else None."""
    from rpa.audit.log import AuditLog

    audit = AuditLog.from_settings(settings)
    if not audit.has_schema():
        return None
    found = [e for e in audit.events(run_id) if e.event == RECONCILIATION_FOUND]
    if not found:
        return None
    told = tuple(str(t) for t in found[-1].details.get("told") or ())
    classes = {str(name): int(count) for name, count in found[-1].details.get("classes") or ()}
    return Found(told, classes) if told else None
