"""A filing's deadline under the working-day calendar in force now, not under the one of the run
that read its row: next year's schedule is first entered provisional and later replaced by the
State Council's, a 调休 working day is added, a holiday moves. Whatever judges a deadline later
(`rpa alerts check`, the console's filings due, 异常处理 and `rpa cases list`) counts it again.

    kept = counted_from(outcome.deadline)        # {"deadline_from": "2026-11-30", "deadline_working_days": 5}
    deadline = deadline_now(calendar, payload)   # Deadline(due, estimated), or None
    shown_deadline(deadline)                     # "2027-01-04（估算）", as every list shows it

A run keeps, beside the date it counted (`deadline`, as result.xlsx shows it), what that date is
counted from: the start date and the number of PRC working days config/deadlines.yaml's rule gave
at the run. They are counted again with `rpa.workdays.WorkCalendar`, so a deadline through a year
no calendar knows is `estimated` as it would be today. An item or a row recorded before they
were kept has only its date, taken as it stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rpa.workdays import Deadline, WorkCalendar

DEADLINE, ESTIMATED = "deadline", "deadline_estimated"  # the date counted at the run, its estimate
COUNTED_FROM, WORKING_DAYS = "deadline_from", "deadline_working_days"  # what it is counted from


def counted_from(deadline: Deadline | None) -> dict[str, Any]:
    """What a payload or a `row.validated` keeps of how its deadline is counted; {} when none."""
    if deadline is None or deadline.start is None or deadline.working_days is None:
        return {}
    return {COUNTED_FROM: deadline.start.isoformat(), WORKING_DAYS: deadline.working_days}


def deadline_now(calendar: WorkCalendar, details: Mapping[str, Any]) -> Deadline | None:
    """The deadline `details` (a payload, a row's audit details) name, counted with `calendar`;
    the date kept when they do not say what it is counted from; None when there is neither."""
    start, days = _date(details.get(COUNTED_FROM)), details.get(WORKING_DAYS)
    if start is not None and isinstance(days, int) and not isinstance(days, bool) and days >= 0:
        return calendar.add_working_days(start, days)
    kept = _date(details.get(DEADLINE))
    return None if kept is None else Deadline(kept, estimated=bool(details.get(ESTIMATED)))


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def shown_deadline(deadline: Deadline | None) -> str:
    """A deadline as result.xlsx, 异常处理 and reconciliation.xlsx write it: `2027-01-04`, marked
    `（估算）` when counted through a year no calendar knows or holds only as provisional; ""
    for none."""
    if deadline is None:
        return ""
    return deadline.due.isoformat() + ("（估算）" if deadline.estimated else "")
