"""Date expressions in scheduled jobs' parameters, resolved against the fire's planned time.

    resolve_params({"date": "{previous_working_day}"}, now=<2026-02-24 07:30>, calendar=cal)
    == {"date": "2026-02-14"}       (the Spring Festival lies between; the 14th is a make-up Saturday)

Known expressions (ISO dates, in the job's timezone):
    {previous_working_day}        the working day before the planned day
    {T-1}, {T-2}, ...             calendar days before the planned day ({T} is the day itself)
    {month_end}                   the last calendar day of the planned day's month
    {last_working_day_of_month}   the last working day of the planned day's month
An expression may stand inside a longer string ("report-{T-1}.xlsx"). Lists and mappings are
resolved item by item; anything that is not a string is left as it is.

A range `{A..B}` of two expressions is every calendar day from A to B, as a list of ISO dates; it
is a parameter's whole value (a flow that takes several dates, like report extraction's `date`):

    resolve_params({"date": "{previous_working_day..T-1}"}, now=<2026-11-02 07:30>, calendar=cal)
    == {"date": ["2026-10-30", "2026-10-31", "2026-11-01"]}   (the weekend, and its month end, too)
"""

from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar

_NAME = r"[A-Za-z_][A-Za-z0-9_+-]*"
EXPRESSION = re.compile(rf"\{{({_NAME}(?:\.\.{_NAME})?)\}}")
RANGE = ".."
_T_MINUS = re.compile(r"^T(?:-(\d{1,3}))?$")

_NAMED: dict[str, Callable[[date, WorkCalendar], date]] = {
    "previous_working_day": lambda day, cal: cal.previous_working_day(day),
    "month_end": lambda day, _cal: day.replace(
        day=month_calendar.monthrange(day.year, day.month)[1]
    ),
    "last_working_day_of_month": lambda day, cal: cal.last_working_day_of_month(day.year, day.month),
}


def is_known_expression(name: str) -> bool:
    if RANGE in name:
        return all(map(is_known_expression, name.split(RANGE, 1)))
    return name in _NAMED or _T_MINUS.match(name) is not None


def misplaced_ranges(value: Any) -> list[str]:
    """Every `{A..B}` that is not a string value's whole text (a list of dates cannot stand in a
    longer string), walking lists and mappings."""
    if isinstance(value, str):
        names = EXPRESSION.findall(value)
        whole = EXPRESSION.fullmatch(value.strip())
        return [name for name in names if RANGE in name and whole is None]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [name for item in value for name in misplaced_ranges(item)]
    return []


def expressions_in(value: Any) -> list[str]:
    """Every `{name}` in a parameter value, walking lists and mappings."""
    if isinstance(value, str):
        return EXPRESSION.findall(value)
    if isinstance(value, dict):
        return [name for item in value.values() for name in expressions_in(item)]
    if isinstance(value, list | tuple):
        return [name for item in value for name in expressions_in(item)]
    return []


def evaluate(name: str, day: date, calendar: WorkCalendar) -> date:
    """The date one expression names, seen from `day`."""
    named = _NAMED.get(name)
    if named is not None:
        return named(day, calendar)
    match = _T_MINUS.match(name)
    if match is None:
        raise KeyError(name)
    return day - timedelta(days=int(match.group(1) or 0))


def resolve_params(params: dict[str, Any], *, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """A copy of `params` with every date expression replaced by its ISO date.

    `now` is the fire's planned time, already in the job's timezone: a run started late (caught
    up after a restart) still gets the dates of the fire it stands for.
    """
    day = now.date()
    resolved: dict[str, Any] = {key: _resolve(value, day, calendar) for key, value in params.items()}
    return resolved


def _resolve(value: Any, day: date, calendar: WorkCalendar) -> Any:
    whole = EXPRESSION.fullmatch(value.strip()) if isinstance(value, str) else None
    if whole is not None and RANGE in whole.group(1):
        first, last = (evaluate(name, day, calendar) for name in whole.group(1).split(RANGE, 1))
        return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    if isinstance(value, str):
        return EXPRESSION.sub(lambda m: evaluate(m.group(1), day, calendar).isoformat(), value)
    if isinstance(value, dict):
        return {key: _resolve(item, day, calendar) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(item, day, calendar) for item in value]
    return value
