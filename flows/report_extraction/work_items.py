"""The work items of a report-extraction run: one per report file (type, branch, date, format).

    plan_items(dt.date(2026, 11, 30), ["110101", "110102"], formats=["xlsx"], monthly_formats=["pdf"])
    -> branch_daily × 2, summary_daily, summary_daily of the day before (for the day-over-day
       check), and on a month end fee_income_monthly and last month's (for the 较上月 check)
    plan_days([dt.date(2026, 11, 26), dt.date(2026, 11, 27)], ...)   # each day's files, each once

Keys carry the run id: downloading is read-only and the platform may regenerate a report, so a
new run fetches afresh (the SHA-256 cache spares the extraction of an unchanged file), while a
resumed run enqueues nothing twice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem

REPORT_NAMES: dict[str, str] = {
    "branch_daily": "网点经营日报",
    "summary_daily": "分行汇总日报",
    "fee_income_monthly": "中间业务收入月报",
}
BRANCH_REPORT = "branch_daily"
SUMMARY_REPORT = "summary_daily"
MONTHLY_REPORT = "fee_income_monthly"
CURRENT, PREVIOUS = "current", "previous"


@dataclass(frozen=True)
class ReportItem:
    """One report file to fetch and extract; `role` PREVIOUS marks the day before's summary and
    last month's monthly report (compared with, never consolidated)."""

    report: str  # report type, also the default spec name
    branch: str | None  # None for the branch-less summary and monthly reports
    date: str  # YYYY-MM-DD
    fmt: str  # xlsx | pdf
    role: str = CURRENT

    @property
    def identity(self) -> tuple[str, str | None, str, str]:
        """The file the item fetches, whatever it is fetched for."""
        return (self.report, self.branch, self.date, self.fmt)

    def key(self, run_id: str) -> str:
        return f"report:{run_id}:{self.report}:{self.branch or '-'}:{self.date}:{self.fmt}"

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def listed_with(self) -> str:
        """The platform's list that shows this file: one query per report type and date lists
        every branch's files in every format, so a worker fetches a list's files in a row."""
        return f"{self.report}:{self.date}"

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ReportItem:
        return cls(**{k: payload[k] for k in ("report", "branch", "date", "fmt", "role") if k in payload})

    @property
    def report_date(self) -> dt.date:
        return dt.date.fromisoformat(self.date)

    def describe(self) -> str:
        """`网点经营日报 110101 2026-11-27 xlsx`."""
        who = f" {self.branch}" if self.branch else ""
        return f"{REPORT_NAMES.get(self.report, self.report)}{who} {self.date} {self.fmt}"


def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def plan_items(
    day: dt.date,
    branches: list[str],
    *,
    formats: list[str],
    monthly_formats: list[str],
    day_over_day: bool = True,
) -> list[ReportItem]:
    """Every report file a run for `day` fetches, in a stable order: a report's formats one
    after the other, and one report type after the other, so that a worker downloads the items
    that follow from the list its last query shows (one query per report type, not per format)."""
    text = day.isoformat()
    items = [ReportItem(BRANCH_REPORT, branch, text, fmt) for branch in branches for fmt in formats]
    items += [ReportItem(SUMMARY_REPORT, None, text, fmt) for fmt in formats]
    if day_over_day:
        previous = (day - dt.timedelta(days=1)).isoformat()
        items.append(ReportItem(SUMMARY_REPORT, None, previous, formats[0], PREVIOUS))
    if is_month_end(day):
        items += [ReportItem(MONTHLY_REPORT, None, text, fmt) for fmt in monthly_formats]
        if day_over_day and monthly_formats:  # last month's, for the 较上月 and 本年累计 checks
            items.append(ReportItem(MONTHLY_REPORT, None, month_before(day).isoformat(), monthly_formats[0],
                                    PREVIOUS))
    return items


def month_before(day: dt.date) -> dt.date:
    """The last day of the month before `day`'s."""
    return day.replace(day=1) - dt.timedelta(days=1)


def plan_days(
    days: list[dt.date],
    branches: list[str],
    *,
    formats: list[str],
    monthly_formats: list[str],
    day_over_day: bool = True,
) -> list[ReportItem]:
    """Every report file a run for several days fetches, day after day. A file two days need
    (the summary of a day in the run is the day before's summary of the next) is fetched once,
    as that day's own file: its absence is then an error, not a note."""
    planned: dict[tuple[str, str | None, str, str], ReportItem] = {}
    for day in sorted(set(days)):
        for item in plan_items(day, branches, formats=formats, monthly_formats=monthly_formats,
                               day_over_day=day_over_day):
            known = planned.get(item.identity)
            if known is None or (known.role == PREVIOUS and item.role == CURRENT):
                planned[item.identity] = item
    return list(planned.values())


def for_day(
    items: list[WorkItem], day: dt.date, formats: list[str], monthly_formats: list[str]
) -> list[WorkItem]:
    """A run's work items one day's checks and workbook are made of, as a run for that day alone
    has them: the day's own files, the day before's summary in the first format as PREVIOUS and,
    on a month end, last month's monthly report in the first monthly format as PREVIOUS."""
    text, previous = day.isoformat(), (day - dt.timedelta(days=1)).isoformat()
    before = {(SUMMARY_REPORT, previous, formats[0])}
    if is_month_end(day) and monthly_formats:
        before.add((MONTHLY_REPORT, month_before(day).isoformat(), monthly_formats[0]))
    chosen: list[WorkItem] = []
    for work_item in items:
        item = ReportItem.from_payload(work_item.payload)
        if item.date == text and item.role == CURRENT:
            chosen.append(work_item)
        elif (item.report, item.date, item.fmt) in before:
            chosen.append(replace(work_item, payload={**work_item.payload, "role": PREVIOUS}))
    return chosen
