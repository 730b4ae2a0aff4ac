"""A column header that prints a day in brackets: `本日(2026-12-03)`, `本日（2026年12月3日）`,
`较上日(12月2日)`, `本日(20261203)`.

The header is matched without its date (`undated`), as a unit suffix is left off it, and each
dated header cell of a column read is kept as a `HeaderDate`. The report's day is known only once
its headings are read (`report_dates.printed_date`), after the header is found: there every
HeaderDate is compared with it (`header_day_offset` says which day a column's date must be),
and one of another day refuses the file. 较年初 may print the year's first day or the last day of
the year before (the balance it compares with). A date on a column whose day cannot be checked
(较上月) refuses it too: a dated header is never read on trust.

    >>> undated("本日（2026-12-03）")
    ('本日', [(2026, 12, 3)])
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flows.report_extraction.numbers import normalise
from flows.report_extraction.specs import Label
from flows.report_extraction.tables import Grid

# a whole bracketed date, in the text normalised (（） folded to ()): (2026-12-03), (2026年12月3日),
# (2026/12/03), (2026.12.03), (20261203), (12月3日); a month alone (2026-12) is no day
_DATE = re.compile(r"\((?:(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?"
                   r"|(?P<cy>\d{4})(?P<cm>\d{2})(?P<cd>\d{2})|(?P<ym>\d{1,2})月(?P<yd>\d{1,2})[日号]?)\)")
# how many days before the report's day a column's printed date must be, by the column's name
_DAYS_BEFORE = {"本日": 0, "当日": 0, "较上日": 1, "上日": 1}
# a day alone in a header cell: a date cell's text, 2026-12-03, 12月3日 (a year left out: tester BG F2)
_BARE_DAY = re.compile(r"(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{8}|\d{1,2}月\d{1,2}[日号]?)"
                       r"(?:0?0:00(?::00)?)?")
_YEAR_START = {"较年初", "年初"}

Day = tuple[int | None, int, int]  # (year or None when not printed, month, day)


@dataclass(frozen=True)
class HeaderDate:
    """A dated header cell over a column read: the spec's name for what it heads, and where."""

    column: str  # 本日, 较上日: the label the header is without its date
    text: str  # as printed, normalised: 本日(2026-12-03)
    where: str  # B4, or 第1页
    day: Day

    @property
    def iso(self) -> str | None:
        """The date as YYYY-MM-DD, None when its year is not printed."""
        year, month, day = self.day
        return f"{year:04d}-{month:02d}-{day:02d}" if year is not None else None

    @property
    def days_before(self) -> int | None:
        """How many days before the report's day this date must be; None: not a fixed count."""
        return _DAYS_BEFORE.get(self.column)

    def dues(self, report_day: date) -> tuple[date, ...] | None:
        """The days this date may be for a report of `report_day`; None: it cannot be checked."""
        if self.days_before is not None:
            return (report_day - timedelta(days=self.days_before),)
        if self.column in _YEAR_START:  # 年初: 1 January, or the year-end balance it starts from
            return date(report_day.year, 1, 1), date(report_day.year - 1, 12, 31)
        return None

    def is_one_of(self, days: tuple[date, ...]) -> bool:
        year, month, day = self.day
        return any((month, day) == (due.month, due.day) and year in (None, due.year) for due in days)


def _valid(day: Day) -> bool:
    year, month, date = day
    return 1 <= month <= 12 and 1 <= date <= calendar.monthrange(year or 2024, month)[1]


def undated(text: str) -> tuple[str, list[Day]]:
    """`text` normalised without its bracketed dates, and those dates; an impossible date
    (2026-13-45) is left in the text, so the header is not matched."""
    flat = normalise(text)
    days: list[Day] = []
    for match in _DATE.finditer(flat):
        y, m, d = (match["y"] or match["cy"]), (match["m"] or match["cm"] or match["ym"]), (
            match["d"] or match["cd"] or match["yd"])
        day: Day = (int(y) if y else None, int(m), int(d))
        if _valid(day):
            days.append(day)
            flat = flat.replace(match.group(0), "", 1)
    return flat, days


def bare(text: str) -> str:
    """`text` normalised without its bracketed dates: what a header is matched as."""
    return undated(text)[0]


def header_dates(grid: Grid, start: int, end: int, columns: list[int],
                 labels: list[Label]) -> list[HeaderDate]:
    """The dated header cells (rows `start` to `end`) over `columns`, each named by the first of
    `labels` it is without its date (else by that text)."""
    found: list[HeaderDate] = []
    seen: set[tuple[int, int]] = set()
    for col in sorted(set(columns)):
        cells = [cell for row in range(start, end) if (cell := grid.at(row, col)) is not None]
        # a day alone in a header cell (a second header row: 本日 over 2026-12-02, a date cell, or
        # `(2026-12-02)`) is the day of the column the cells above or below name (tester BF F9)
        heads = [label.name for cell in cells for label in labels if label.matches(bare(cell.text))]
        for cell in cells:
            if (cell.row, cell.col) in seen:
                continue
            seen.add((cell.row, cell.col))
            alone = _BARE_DAY.fullmatch(normalise(cell.text))
            text, days = undated(f"({alone.group(1)})" if alone else cell.text)
            name = next((each.name for each in labels if each.matches(text)), text or next(iter(heads), ""))
            where = cell.provenance.cell or f"第{cell.provenance.page}页"
            found += [HeaderDate(name, normalise(cell.text), where, day) for day in days]
    return found


def dates_row(grid: Grid, row: int) -> bool:
    """A header row of days only (2026-12-03 under 本日, (2026-12-02) under 较上日, date cells):
    part of the header, its days the columns' (never a row passed over unread)."""
    texts = [text for text in grid.row_texts(row) if text]
    return bool(texts) and all(_BARE_DAY.fullmatch(text) or (undated(text)[1] and not bare(text))
                               for text in texts)
