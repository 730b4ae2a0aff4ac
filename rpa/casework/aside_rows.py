"""The input rows a run put aside while validating, as 异常处理 and `rpa cases list` show them.

Such a row never became a work item (rpa.alerts.findings.PutAside records it from the audit chain's
`row.validated`); shown here with its deadline counted under the calendar in force now, what a
person can do for it, and the mark "filed by hand" that waits for a checker, if any
(rpa.alerts.aside_by_hand; rpa.casework.aside_actions marks, approves and refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rpa.alerts.findings import FOR_A_PERSON, INVALID
from rpa.alerts.recount import shown_deadline
from rpa.outcomes import outcome_label

if TYPE_CHECKING:
    from rpa.alerts.aside_by_hand import AsideMark
    from rpa.alerts.findings import PutAside
    from rpa.workdays import WorkCalendar


@dataclass(frozen=True)
class SetAside:
    """An input row the run put aside while validating: never an item, never filed by the run.
    `reasons` are the validator's ("" for a run recorded before they were kept: see result.xlsx)."""

    sheet: str
    row: int
    outcome: str  # 需人工处理 or 无效，未报备 (rpa.outcomes)
    reasons: str
    account: str  # masked
    action: str
    business_date: str
    deadline: str  # counted under the calendar in force now; `2027-01-04（估算）` through a year unknown
    overdue: bool
    advice: str  # what a person can do for it
    mark: AsideMark | None = None  # a mark "filed by hand" waiting for a checker (rpa.alerts.aside_by_hand)
    filing_ref: str = ""  # the keyed hash of its action, account and business date (findings.filing_ref)

    @property
    def filing(self) -> str:
        """Which filing, masked: `开户 ***************3445 2026-12-02` (what of it was read)."""
        return " ".join(part for part in (self.action, self.account, self.business_date) if part)

    @property
    def due(self) -> str:
        """`报备期限 2026-12-04，已逾期`; "" when the row has no deadline."""
        return f"报备期限 {self.deadline}{'，已逾期' if self.overdue else ''}" if self.deadline else ""


# what a person can do for a row put aside, by its status
ASIDE_ADVICE = {
    FOR_A_PERSON: "此行未报备：请按原因办理（只因企业信息联网核查未完成或未做的，核查通过后用 --resume {run} "
                  "续跑本运行即报备；须核准的报人民银行核准；核查未通过或数据有误的，改正或核实后重新导出运行；"
                  "核实无误须报备的，在 AMS 中手工报备后标记：rpa cases mark {run} {row} "
                  "--filing-no 备案编号 --reason 原因，经另一人复核批准即办结）",
    INVALID: "数据有误，未报备：请在核心系统中按原因改正后重新导出运行",
}


def set_aside(row: PutAside, today: date, calendar: WorkCalendar, mark: AsideMark | None) -> SetAside:
    """The row as 异常处理 shows it, judged on `today` under `calendar` (the one in force now)."""
    deadline = row.deadline_now(calendar)  # under the calendar in force now, not the run's
    due = shown_deadline(deadline)
    advice = ASIDE_ADVICE.get(row.status, "").format(run=row.run_id, row=row.row)
    return SetAside(row.sheet, row.row, outcome_label(row.status), row.reasons, row.account, row.action,
                    row.business_date, due, deadline is not None and deadline.due < today, advice, mark,
                    row.filing_ref)
