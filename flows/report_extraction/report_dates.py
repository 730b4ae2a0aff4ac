"""The date a report prints in its headings, and whether it is the date a run or a clerk asked for.

A report that prints two different dates (a title of 2026-12-02 over 报表日期：2026-12-03) is
not read: nobody can tell which day its figures are. When a date is asked for (`rpa extract
--date`, a run's day), a report of another day, or one that prints no date at all, is refused:
its figures would silently stand for the wrong day.

    >>> printed_date(lines, spec, "branch_daily.xlsx")
    PrintedDate(day='2026-12-03', where='A3')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.surroundings import Line
from rpa.errors import ExtractionError

DATE_CODE = "report_date"
# a date a footnote or a line under the table states as the report's (数据日期：, 报表日期, 截至);
# 打印日期 / 制表日期 of a sign-off line are the day it was printed
_LABELLED = re.compile(r"(?:(?:数据|报表|统计|报告|业务|会计)日期|(?<![\u4e00-\u9fff])日期"
                       r"|截至|截止(?:日期)?)[:：]?$")


@dataclass(frozen=True)
class PrintedDate:
    """A date as a report prints it: YYYY-MM-DD, or YYYY-MM for a monthly report; and where."""

    day: str
    where: str

    def covers(self, asked: str) -> bool:
        """True when `asked` (YYYY-MM-DD) is this date or falls in this month."""
        return asked.startswith(self.day)


def _agree(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def printed_date(lines: list[Line], spec: ExtractionSpec, file: str) -> PrintedDate | None:
    """The date the headings print, and the dates footnotes and lines under the table label as
    the report's (数据日期：..., not 打印日期), the most precise where a month and a day of it
    are both printed; None when none is. Two dates that disagree refuse the file, wherever
    each is printed."""
    found: list[PrintedDate] = []
    for line in lines:
        for match in re.finditer(spec.date_pattern, line.text):
            if (line.footnote or line.below) and not _LABELLED.search(line.text[:match.start()]):
                continue  # 注：较上日为与2026-12-03比较 is no report date; 注：数据日期：2026-12-03 is
            year, month, day = match.group("y"), int(match.group("m")), match.groupdict().get("d")
            found.append(PrintedDate(f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else ""), line.where))
    for first in found:
        other = next((d for d in found if not _agree(d.day, first.day)), None)
        if other is not None:
            raise ExtractionError(
                f"{file}: 报表上印了两个不同的日期：{first.where} 写 {first.day}，"
                f"{other.where} 写 {other.day}；不知是哪一天的报表，整份报表不读。请向报送机构核实"
                f"（若其中一个不是报表日期，可在规格 {spec.name} 的 date_pattern 中写明报表日期的写法）",
                code=DATE_CODE, details={"file": file})
    return max(found, key=lambda d: len(d.day)) if found else None


def check_asked_date(printed: PrintedDate | None, asked: str, spec: ExtractionSpec, file: str) -> None:
    """Refuse a report that is not of the `asked` day (YYYY-MM-DD) or does not say its day."""
    if printed is None:
        raise ExtractionError(
            f"{file}: 报表上没有印报表日期（规格 {spec.name} 的 date_pattern 一处也没找到），"
            f"无法核对是不是 {asked} 的报表，不读。请核对文件",
            code=DATE_CODE, details={"file": file})
    if not printed.covers(asked):
        raise ExtractionError(
            f"{file}: 报表日期是 {printed.day}（{printed.where}），不是要的 {asked}；"
            "请核对文件是否下载或放错，或核对 --date",
            code=DATE_CODE, details={"file": file})
