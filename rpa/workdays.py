"""PRC working days: the `chinesecalendar` package, extended and overridden by calendar.yaml.

    >>> cal = WorkCalendar.load(Path("calendar.yaml"))
    >>> cal.add_working_days(date(2026, 9, 30), 5)
    Deadline(due=datetime.date(2026, 10, 13), estimated=False)

Each date is looked up in this order: calendar.yaml's holidays and make-up working days for its
year, then the package (which knows 2004 to its last release), then, for a year listed in
calendar.yaml but unknown to the package, the plain weekday rule (the file is the whole truth for
that year). A date outside both is *not* silently treated as a weekday: its status says
`known=False`, deadlines through it are marked `estimated`, and a warning is logged once per year.
A year calendar.yaml marks `provisional` (a plausible schedule, not yet published) is known, but
its days say `provisional`, and deadlines through them are marked `estimated` too.
"""

from __future__ import annotations

import calendar as _month_calendar
import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rpa.config_files import read_yaml, said
from rpa.errors import ConfigError

# No real calendar has this many non-working days in a row: a longer run means a broken file.
_MAX_CLOSED_RUN = 60


@dataclass(frozen=True, slots=True)
class DayStatus:
    """Whether a day is a working day, whether that is known, and which calendar said so."""

    working: bool
    known: bool
    source: str
    provisional: bool = False  # from a calendar.yaml year marked provisional: a plausible guess


@dataclass(frozen=True, slots=True)
class Deadline:
    """A due date; `estimated` when some day counted lay outside every known calendar, or in a
    provisional year. `start` and
    `working_days` say what it was counted from (`add_working_days` sets them), so that it can be
    counted again under a later calendar; two deadlines are equal by their date and estimate."""

    due: date
    estimated: bool
    start: date | None = field(default=None, compare=False)
    working_days: int | None = field(default=None, compare=False)


class HolidaySpan(BaseModel):
    """One holiday period in calendar.yaml: `{name: 春节, from: 2027-02-05, to: 2027-02-13}`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = ""
    first: date = Field(alias="from")
    last: date | None = Field(default=None, alias="to")

    def days(self) -> list[date]:
        last = self.last or self.first
        if last < self.first:
            raise ValueError(f"假期 {self.name or self.first} 的 to（{last}）早于 from（{self.first}）")
        return [self.first + timedelta(days=i) for i in range((last - self.first).days + 1)]


class CalendarYear(BaseModel):
    """One year of calendar.yaml: holidays, make-up working days, and whether it is official yet."""

    model_config = ConfigDict(extra="forbid")

    provisional: bool = False
    note: str = ""
    holidays: list[HolidaySpan | date] = Field(default_factory=list)
    workdays: list[date] = Field(default_factory=list)

    def holiday_dates(self) -> set[date]:
        days: set[date] = set()
        for entry in self.holidays:
            days.update(entry.days() if isinstance(entry, HolidaySpan) else [entry])
        return days


class CalendarFile(BaseModel):
    """The whole calendar.yaml: `years: {2027: {...}}`."""

    model_config = ConfigDict(extra="forbid")

    years: dict[int, CalendarYear] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> CalendarFile:
        for year, entry in self.years.items():
            holidays, workdays = entry.holiday_dates(), set(entry.workdays)
            stray = sorted(d for d in holidays | workdays if d.year != year)
            if stray:
                raise ValueError(f"{year} 年下列了 {stray[0]}，不是 {year} 年的日子")
            both = sorted(holidays & workdays)
            if both:
                raise ValueError(f"{year} 年的 {both[0]} 既列为假日又列为工作日")
            missing = [d for d in _statutory_days(year) if d not in holidays]
            if missing and not entry.provisional and not _package_knows(year):
                shown = "、".join(f"{d.month}月{d.day}日" for d in missing)
                raise ValueError(
                    f"{year} 年未标 provisional: true（即已是国务院公布的正式安排），却没有把法定假日"
                    f" {shown} 列为假日：请照国务院办公厅的通知填全各个假期，"
                    "或在公布前标为 provisional: true")
        return self


def _first_problem(exc: ValidationError) -> str:
    """The first complaint, named by its key path (`years.2027.holidays.0`), in Chinese; an
    entry of `holidays` that is neither form says both forms."""
    first = exc.errors(include_input=False)[0]
    loc = list(first["loc"])
    if loc and loc[-1] in ("HolidaySpan", "date") and "holidays" in loc:
        where = ".".join(str(part) for part in loc[:-1])
        return f"{where}：须是日期（写成 2027-01-01）或一段假期 {{name: 春节, from: 2027-02-05, to: …}}"
    where = ".".join(str(part) for part in loc)
    return f"{where}：{said(first)}" if where else said(first)


def _statutory_days(year: int) -> list[date]:
    """The fixed-date statutory holidays of every year (元旦, 劳动节, 国庆节): a published
    schedule the package does not know lists them, or it is copied in part (tester T's S6: a year
    without holidays turned 元旦 into a working day, no deadline marked 估算)."""
    return [date(year, 1, 1), date(year, 5, 1), date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)]


@dataclass(frozen=True, slots=True)
class _YearOverride:
    holidays: frozenset[date]
    workdays: frozenset[date]
    provisional: bool


@dataclass
class WorkCalendar:
    """PRC working days from chinesecalendar plus the overrides of calendar.yaml."""

    overrides: dict[int, _YearOverride] = field(default_factory=dict)
    _warned_years: set[int] = field(default_factory=set, repr=False)
    # chinesecalendar scans its whole table on every call: each date is looked up once
    _statuses: dict[date, DayStatus] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, calendar_file: Path) -> WorkCalendar:
        """Read calendar.yaml; a missing file means no overrides, a malformed one is a ConfigError."""
        if not calendar_file.exists():
            logger.warning("工作日历文件 {} 不存在：只用 chinesecalendar 自带的节假日", calendar_file)
            return cls()
        try:
            data: Any = read_yaml(calendar_file) or {}
            parsed = CalendarFile.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"工作日历文件 {calendar_file} 有误：{_first_problem(exc)}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"工作日历文件 {calendar_file} 有误：{exc}") from None
        except ValueError:  # YAML's own date reading: 2026-02-30
            raise ConfigError(f"工作日历文件 {calendar_file} 有误：其中有写成日期却不存在的日子"
                              "（如 2026-02-30），请核对各个日期") from None
        return cls.from_model(parsed)

    @classmethod
    def from_model(cls, parsed: CalendarFile) -> WorkCalendar:
        """Build from an already validated calendar file model."""
        overrides = {
            year: _YearOverride(
                holidays=frozenset(entry.holiday_dates()),
                workdays=frozenset(entry.workdays),
                provisional=entry.provisional,
            )
            for year, entry in parsed.years.items()
        }
        return cls(overrides=overrides)

    def covers_year(self, year: int) -> bool:
        """True when calendar.yaml or the package knows the year."""
        return year in self.overrides or _package_knows(year)

    def year_gap(self, year: int) -> str | None:
        """What the calendar lacks of `year` ("还没有安排", "只有暂定安排"), None when it is known:
        the calendar-check job's and `rpa doctor`'s test."""
        if not self.covers_year(year):
            return "还没有安排"
        return "只有暂定安排" if self.is_provisional(year) else None

    def is_provisional(self, year: int) -> bool:
        """True when the year comes from calendar.yaml marked `provisional` (not yet published)."""
        override = self.overrides.get(year)
        return override is not None and override.provisional

    def day_status(self, d: date) -> DayStatus:
        """Working or not, known or guessed, and the source that decided."""
        status = self._statuses.get(d)
        if status is None:
            status = self._statuses[d] = self._look_up(d)
        return status

    def _look_up(self, d: date) -> DayStatus:
        override = self.overrides.get(d.year)
        if override is not None:
            source = "calendar.yaml (provisional)" if override.provisional else "calendar.yaml"
            if override.provisional:
                self._warn_once(
                    d.year,
                    "calendar.yaml 中 {} 年的安排是暂定的：国务院公布正式安排后请替换",
                )
            if d in override.holidays:
                return DayStatus(working=False, known=True, source=source, provisional=override.provisional)
            if d in override.workdays:
                return DayStatus(working=True, known=True, source=source, provisional=override.provisional)
        try:
            working = bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            pass
        else:
            return DayStatus(working=working, known=True, source="chinesecalendar")
        weekday = d.weekday() < 5
        if override is not None:
            return DayStatus(working=weekday, known=True, source=source, provisional=override.provisional)
        self._warn_once(
            d.year,
            "{} 年不在任何节假日日历中（chinesecalendar、calendar.yaml）：工作日按周一至周五估计",
        )
        return DayStatus(working=weekday, known=False, source="weekday rule")

    def is_working_day(self, d: date) -> bool:
        """Working day or not; for an unknown year Monday-Friday, with a warning logged once."""
        return self.day_status(d).working

    def add_working_days(self, start: date, n: int) -> Deadline:
        """The n-th working day after `start`; n=0 is `start` itself, or the next working day."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, estimated, counted = start, False, 0
        if n == 0:
            status = self.day_status(day)
            estimated = not status.known or status.provisional
            if status.working:
                return Deadline(due=day, estimated=estimated, start=start, working_days=n)
        while True:
            day, known = self._step(day, +1)
            estimated = estimated or not known
            counted += 1
            if counted >= n:
                return Deadline(due=day, estimated=estimated, start=start, working_days=n)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self._step(d, +1)[0]

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        return self._step(d, -1)[0]

    def last_working_day_of_month(self, year: int, month: int) -> date:
        """The month's last working day."""
        last = date(year, month, _month_calendar.monthrange(year, month)[1])
        return last if self.is_working_day(last) else self.previous_working_day(last)

    def _step(self, d: date, direction: int) -> tuple[date, bool]:
        """The next working day in `direction`, and whether every day passed was known for sure
        (neither guessed by the weekday rule nor from a provisional year)."""
        known = True
        for _ in range(_MAX_CLOSED_RUN):
            d += timedelta(days=direction)
            status = self.day_status(d)
            known = known and status.known and not status.provisional
            if status.working:
                return d, known
        raise ConfigError(
            f"{d} 前后连续超过 {_MAX_CLOSED_RUN} 天不是工作日：请检查 calendar.yaml"
        )

    def _warn_once(self, year: int, template: str) -> None:
        if year not in self._warned_years:
            self._warned_years.add(year)
            logger.warning(template, year)


@functools.cache
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True
