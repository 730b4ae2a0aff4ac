"""What a run found that a person must hear of, read back from its audit trail at the run's end:
input rows put aside while validating (for a person, or invalid and not filed), and what a
reconciliation found (overdue, missing from AMS, differing, rows it could not read).

    counts = rows_put_aside(settings, run_id)       # {"needs_person": 1, "invalid": 2}
    rows = put_aside_rows(settings, run_id)         # each such row: where, why, account, deadline
    rows = waiting.not_queued_since(settings, rows)  # those no filing item nor approved mark stands for
    rows = read_everywhere(settings)                # every run's rows, valid ones too (filings due)
    found = reconciliation_found(settings, run_id)  # None, or what to tell and each class's count

The audit trail, not result.xlsx or the workbook, which a run that stopped before its end has not
written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.alerts.recount import COUNTED_FROM, DEADLINE, WORKING_DAYS, deadline_now

if TYPE_CHECKING:
    from collections.abc import Iterable

    from rpa.audit.chain import AuditEvent
    from rpa.settings import Settings
    from rpa.workdays import Deadline, WorkCalendar

# the audit event a flow records for each input row it validates, and the statuses of one put aside
ROW_VALIDATED, FOR_A_PERSON, INVALID = "row.validated", "needs_person", "invalid"
VALID = "valid"  # a row's status when it is to be filed: never put aside, never a case
# the audit event a reconciliation records once it has classified: `told` (Chinese phrases, what a
# person must act on; empty when nothing) and `classes` (each class's count, [name, count] pairs
# in the workbook's order: the audit trail keeps a mapping's keys sorted)
RECONCILIATION_FOUND = "reconciliation.found"
ANY_ACTION = "*"  # `filing_ref_any`: a filing of an account and date, whatever its action
FILING_FLOW = "account-filing"  # flows.account_filing.flow.AccountFilingFlow.name
DRY_RUN_PREFIX = "dry-run:"  # flows.account_filing.portal_identity.DRY_RUN_PREFIX


@dataclass(frozen=True)
class Found:
    """What a reconciliation found worth telling, and each class's count."""

    told: tuple[str, ...]
    classes: dict[str, int]


def filing_ref(filing: str, key: bytes) -> str:
    """A keyed hash of a filing, `action:account_no:business_date` (the head of a filing item's
    key, `filing_of`): what joins a row put aside to a later filing of the same account."""
    from rpa.masking import item_ref

    return item_ref(filing, key)


def any_action(filing: str) -> str:
    """`action:account_no:business_date` with the action left open (`ANY_ACTION`)."""
    return ":".join([ANY_ACTION, *filing.split(":")[1:3]])


def filing_of(item_key: str) -> str:
    """The filing a filing item's key names: `action:account_no:business_date`, without the AMS
    it is scoped to (`<identity>|`) or its content hash."""
    return ":".join(item_key.rpartition("|")[2].split(":")[:3])


@dataclass(frozen=True)
class PutAside:
    """An input row put aside while validating, as its `row.validated` records it: where, its
    status, the validator's codes and reasons, and (recorded since runs say so) the account
    masked, the filing, its deadline, whether a dry run read it and `filing_ref`, a keyed hash
    of action, account and business date (`filing_ref`) that a later filing of it matches; and
    what the deadline is counted from, to count it again under the calendar in force now.
    `read_everywhere` also gives valid rows (status VALID, no reasons) in this shape; older
    chains recorded nothing of a valid row beyond where it is and its status."""

    run_id: str
    sheet: str
    row: int
    status: str  # FOR_A_PERSON or INVALID
    codes: tuple[str, ...]
    reasons: str = ""
    account: str = ""
    action: str = ""
    business_date: str = ""
    deadline: str = ""
    dry_run: bool = False
    filing_ref: str = ""
    filing_ref_any: str = ""  # account and business date alone (`ANY_ACTION`), for any action
    counted: tuple[tuple[str, Any], ...] = ()  # what the deadline is counted from (rpa.alerts.recount)

    @classmethod
    def of(cls, run_id: str, details: dict[str, Any]) -> PutAside:
        text = {name: str(details.get(name) or "") for name in
                ("reasons", "account", "action", "business_date", "deadline", "filing_ref", "filing_ref_any")}
        counted = tuple((name, details[name]) for name in (COUNTED_FROM, WORKING_DAYS) if name in details)
        return cls(run_id, str(details.get("sheet") or ""), int(details.get("row") or 0),
                   str(details.get("status")), tuple(str(c) for c in details.get("codes") or ()),
                   dry_run=bool(details.get("dry_run")), counted=counted, **text)

    def deadline_now(self, calendar: WorkCalendar) -> Deadline | None:
        """Its deadline under `calendar`, the one in force now (`rpa.alerts.recount`)."""
        return deadline_now(calendar, {DEADLINE: self.deadline, **dict(self.counted)})


def put_aside_rows(settings: Settings, run_id: str) -> list[PutAside]:
    """Input rows the run put aside while validating (never queue items), in input order
    (`needs_person`: 核准, a name outside GBK, no passed registration check; `invalid`: 无效，
    未报备): each row's last `row.validated` (a resumed run validates again)."""
    from rpa.audit.log import AuditLog

    audit = AuditLog.from_settings(settings)
    if not audit.has_schema():
        return []
    return _last_put_aside(event for event in audit.events(run_id) if event.event == ROW_VALIDATED)


def _last_validated(validated: Iterable[AuditEvent]) -> list[PutAside]:
    """Each row's last `row.validated` (a resumed run validates again), whatever its status."""
    last: dict[tuple[str, str, str], PutAside] = {}
    for event in validated:
        where = (event.run_id, str(event.details.get("sheet")), str(event.details.get("row")))
        last[where] = PutAside.of(event.run_id, event.details)
    return list(last.values())


def _last_put_aside(validated: Iterable[AuditEvent]) -> list[PutAside]:
    """Each row's last `row.validated`, where it put the row aside."""
    return [row for row in _last_validated(validated) if row.status in (FOR_A_PERSON, INVALID)]


def put_aside_everywhere(settings: Settings) -> list[PutAside]:
    """`put_aside_rows` of every run, in the order they were read (`_validated_in_order`)."""
    return _last_put_aside(_validated_in_order(settings))


def read_everywhere(settings: Settings) -> list[PutAside]:
    """Every run's input rows, in the order they were read, each as its last `row.validated`
    recorded it: those put aside and the valid ones. Only the list of filings due and overdue
    reads valid rows (a run that stopped before enqueuing them, at its first login to AMS, filed
    none of them); they are never cases, nor rows put aside (`put_aside_everywhere`)."""
    return [row for row in _last_validated(_validated_in_order(settings))
            if row.status in (FOR_A_PERSON, INVALID, VALID)]


def _validated_in_order(settings: Settings) -> list[AuditEvent]:
    """Every run's `row.validated`, in the order they were recorded: the chains come by run id,
    and two runs may start in one second, so never by run id."""
    from rpa.audit.log import AuditLog

    audit = AuditLog.from_settings(settings)
    if not audit.has_schema():
        return []
    return sorted(audit.events_named(ROW_VALIDATED), key=lambda e: (e.time, e.run_id, e.seq))


def rows_put_aside(settings: Settings, run_id: str) -> Counter[str]:
    """How many input rows the run put aside while validating, by status (`put_aside_rows`)."""
    return Counter(row.status for row in put_aside_rows(settings, run_id))


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
