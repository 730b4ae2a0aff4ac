"""The date a report prints in its headings, and whether it is the date a run or a clerk asked for.

A report that prints two different dates (a title of 2026-12-02 over 报表日期：2026-12-03) is
not read: nobody can tell which day its figures are. When a date is asked for (`rpa extract
--date`, a run's day), a report of another day, or one that prints no date at all, is refused:
its figures would silently stand for the wrong day. A daily report (the spec's `period: day`)
must print its day: a month alone (报表日期：2026-12) or a period (2026年12月3日—4日) is refused;
a monthly report's month range (报表期间：2026年1-11月) is its last month (`date_forms`). A header
dated in brackets (本日(2026-12-03), 较上日(12月2日): `header_dates`) must be of the report's day,
or the day before for 较上日; a report printing its day only there is of that day.

    >>> printed_date(lines, spec, "branch_daily.xlsx")
    PrintedDate(day='2026-12-03', where='A3')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from flows.report_extraction.date_forms import CN_NUMERALS, Period, in_digits, periods
from flows.report_extraction.header_dates import HeaderDate
from flows.report_extraction.numbers import normalise
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.surroundings import Line
from rpa.errors import ExtractionError

DATE_CODE = "report_date"
# a date a footnote or a line under the table states as the report's (数据日期：, 报表日期, 截至,
# and their kin 账务日期, 数据截止日期; tester T's S4 found 数据截止日：, 数据日：, 报告日：, 数据截止日为
# passed over: such a label ending in 日 counts only standing on its own, after a line's start,
# a space or punctuation, never as the end of other words: 上一业务日, 理财募集截止日 name another day);
# 打印日期 / 制表日期 of a sign-off line are the day it was printed
_LABEL = (r"(?:(?:(?:数据|报表|统计|报告|业务|会计|账务|记账)(?:截[至止])?日期|(?<![\u4e00-\u9fff])日期"
          r"|(?<![\u4e00-\u9fff])(?:数据|报表|统计|报告|账务)?(?:截[至止])?日(?:为|是)?"
          r"|截至|截止(?:日期)?)[:：]?\s*)")
_LABELLED = re.compile(_LABEL + "$")
_PERIOD_LABELLED = re.compile("(?:" + _LABEL + r"|(?:报表|统计|数据|报告)?期间[:：]?)$")
_LABEL_AT = re.compile(_LABEL)
# a date a heading prints after 打印日期 / 打印时间 / 制表日期 / 导出时间 / 打印于 ... is the day the
# report was printed or made, not its data's (a heading's `机构：110101  打印日期：2026-12-05` was read
# as the report's date when no other date was printed); so is one followed by a time of day (a
# print stamp, `2026-12-05 08:30:12`), one after another label (`保密期限：2027-12-31`), and digits
# inside a longer token (the report id `D0101-20261204-110101` read as 0101-20): tester BI F2, F4
_MADE_AT = re.compile(r"(?:(?:打印|制表|导出|生成|下载|查询|填报)(?:日期|时间|于)?|时间"
                      r"|printed(?:\s+(?:on|at))?)[:：]?\s*$", re.IGNORECASE)
_OTHER_LABEL = re.compile(r"(?P<label>[\u4e00-\u9fff]{2,})[:：]\s*$")
# a date after a secrecy or copy marking is a watermark's or a stamp's (`内部资料 2026-11-30` drawn
# flat in grey over the title of an undated report dated it: tester BI F6, 2026-12-07)
_MARKING = re.compile(r"(?:内部资料|内部使用|内部|机密|秘密|绝密|保密|仅供[\u4e00-\u9fff]{0,6}|副本|样本|样张"
                      r"|confidential|internal(?:\s+use)?)\s*$", re.IGNORECASE)
_REPORT_WORDS = re.compile(r"报表|数据|统计|报告|业务|会计|账务|日期|截[至止]|期间")
# a labelled date below the table in a spelling date_pattern may not read: 20261203, 2026.12.03,
# and 12月3日 (the year of the heading's date)
_COMPACT = re.compile(r"(?P<y>\d{4})(?:(?P<m>\d{2})(?P<d>\d{2})|\.(?P<m2>\d{1,2})\.(?P<d2>\d{1,2}))(?!\d)")
_YEARLESS = re.compile(r"(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?")
# a time of day after the date (a date cell's midnight, `2026-03-05 00:00:00`, is no stamp), or
# before it; a line's text may have lost the space between them
_TIME_AFTER = re.compile(r"\s*[T日]?\s*(?!0{1,2}[:：]00(?:[:：]00)?(?!\d))\d{1,2}[:：]\d{2}")
_CLOCK_AFTER = re.compile(r"\s*[T日]?\s*\d{1,2}[:：]\d{2}")
_CLOCK_BEFORE = re.compile(r"\d{1,2}[:：]\d{2}(?:[:：]\d{2})?\s*$")
_DATE_BEFORE = re.compile(r"\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}[日号]?\s*$")  # two dates side by side
_DATE_AFTER = re.compile(r"\s*\d{4}[-年/.]\d{1,2}")


def _not_the_reports(text: str, match: re.Match[str]) -> bool:
    """Whether a date `match` found in a heading's `text` is not a report date: inside a longer
    token (not beside another date or a time), not a month and day, or when not labelled as the
    report's, a print stamp (a time beside it), after a secrecy marking (内部资料) or after a label
    of something else."""
    before, after = text[:match.start()], text[match.end():]
    glued_before = (before[-1:].isascii() and before[-1:].isalnum()
                    and not (_DATE_BEFORE.search(before) or _CLOCK_BEFORE.search(before)))
    glued_after = ((after[:1].isdigit() and not (_CLOCK_AFTER.match(after) or _DATE_AFTER.match(after)))
                   or (after[:1] == "-" and after[1:2].isdigit()))
    if glued_before or glued_after:
        return True
    month, day = int(match.group("m")), match.groupdict().get("d")
    if not 1 <= month <= 12 or (day is not None and not 1 <= int(day) <= 31):
        return True
    if _LABELLED.search(before):
        return False
    other = _OTHER_LABEL.search(before)
    return bool(_MADE_AT.search(before) or _TIME_AFTER.match(after) or _CLOCK_BEFORE.search(before)
                or _MARKING.search(before) or (other and not _REPORT_WORDS.search(other.group("label"))))


@dataclass(frozen=True)
class PrintedDate:
    """A date as a report prints it: YYYY-MM-DD, or YYYY-MM for a monthly report; and where."""

    day: str
    where: str
    note: str = ""  # how a period was read: 报表期间 2026年1-11月 读作 2026-11 的月报

    def covers(self, asked: str) -> bool:
        """True when `asked` (YYYY-MM-DD) is this date or falls in this month."""
        return asked.startswith(self.day)


def _agree(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def printed_date(lines: list[Line], spec: ExtractionSpec, file: str,
                 header: Sequence[HeaderDate] = (), faint: Sequence[str] = ()) -> PrintedDate | None:
    """The date the headings print, and the dates footnotes and lines under the table label as
    the report's (数据日期：..., not 打印日期), the most precise where a month and a day of it
    are both printed; None when none is. Two dates that disagree refuse the file, wherever
    each is printed, and so does a daily report that prints no day, or a dated `header` cell
    of another day than the report's (`_header_days`)."""
    found: list[PrintedDate] = []
    texts: list[str] = []
    # a date printed pale with no label is a watermark's (`张三 2026-12-05` over the title dated an
    # undated report: tester BK F17, 2026-12-07); labelled as the report's, a grey date counts
    pale = {m.group(0) for text in faint for m in re.finditer(spec.date_pattern, in_digits(normalise(text)))}
    spans: list[tuple[Period, Line]] = []  # a daily report's periods: its day, if printed, is elsewhere
    for line in lines:
        ranges, text = periods(in_digits(line.text))  # 2026年1-11月 is no day 2026-01-11
        texts.append(text)
        for period in ranges:
            if not (line.footnote or line.below) or _PERIOD_LABELLED.search(text[:period.at]):
                if spec.period == "day":
                    spans.append((period, line))
                else:
                    found.append(_period_date(period, line, spec, file))
        for match in re.finditer(spec.date_pattern, text):
            if (line.footnote or line.below) and not _LABELLED.search(text[:match.start()]):
                continue  # 注：较上日为与2026-12-03比较 is no report date; 注：数据日期：2026-12-03 is
            if _not_the_reports(text, match) or (match.group(0) in pale
                                                  and not _LABELLED.search(text[:match.start()])):
                continue
            year, month, day = match.group("y"), int(match.group("m")), match.groupdict().get("d")
            found.append(PrintedDate(f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else ""), line.where))
    found += _other_spellings(lines, texts, spec, found, file)
    if spans and not any(len(d.day) == 10 for d in found):  # 本年累计 1月1日至12月3日 beside its day: read
        found.append(_period_date(*spans[0], spec, file))  # no day but a period: refused
    for first in found:
        other = next((d for d in found if not _agree(d.day, first.day)), None)
        if other is not None:
            raise ExtractionError(
                f"{file}: 报表上印了两个不同的日期：{first.where} 写 {first.day}，"
                f"{other.where} 写 {other.day}；不知是哪一天的报表，整份报表不读。请向报送机构核实"
                f"（若其中一个不是报表日期，可在规格 {spec.name} 的 date_pattern 中写明报表日期的写法）",
                code=DATE_CODE, details={"file": file})
    best = _header_days(header, max(found, key=lambda d: len(d.day)) if found else None, file)
    notes = "；".join(dict.fromkeys(d.note for d in found if d.note))
    best = replace(best, note=notes) if best is not None and notes else best
    if best is not None and spec.period == "day" and len(best.day) == 7:
        raise ExtractionError(
            f"{file}: 这是日报，报表上只印了月份 {best.day}（{best.where}），没有印是哪一天；"
            "一个月份不能说明是哪天的数据，整份报表不读。请向报送机构要印明年月日的报表",
            code=DATE_CODE, details={"file": file})
    return best


def _header_days(header: Sequence[HeaderDate], best: PrintedDate | None, file: str) -> PrintedDate | None:
    """`best`, or the day a 本日 header prints when no other line does; each dated header cell
    must be of the report's day (本日), the day before (较上日) or the year's start (较年初: 1
    January or the last day of the year before), else the file is refused naming the cell and
    both days; a date on another column cannot be checked: refused."""
    own = next((h for h in header if h.days_before == 0 and h.iso is not None), None)
    if best is None and own is not None and own.iso is not None:
        best = PrintedDate(own.iso, f"表头 {own.where}")
    day = date.fromisoformat(best.day) if best is not None and len(best.day) == 10 else None
    for cell in header:
        place = f"表头 {cell.where}“{cell.text}”"
        dues = cell.dues(day) if day is not None else None
        if dues is None or best is None:
            why = ("写了日期，报表上却没有印报表日期" if best is None
                   else f"写了日期，报表只印了月份 {best.day}" if day is None
                   else f"写了日期，不知“{cell.column}”一列该是哪一天的数字")
            raise ExtractionError(f"{file}: {place}{why}，无法与报表日期核对；整份报表不读，请核对表头",
                                  code=DATE_CODE, details={"file": file})
        if not cell.is_one_of(dues):
            back = cell.days_before
            of = ("" if back == 0 else f"的前一天 {dues[0].isoformat()}" if back is not None
                  else f"当年的年初 {dues[0].isoformat()}（或上年末 {dues[1].isoformat()}）")
            raise ExtractionError(
                f"{file}: {place}的日期与报表日期不符：“{cell.column}”应是报表日期 {best.day}"
                f"（{best.where}）{of}；不知这一列是哪一天的数字，整份报表不读，请向报送机构核实",
                code=DATE_CODE, details={"file": file})
    return best


def _period_date(period: Period, line: Line, spec: ExtractionSpec, file: str) -> PrintedDate:
    """A monthly report's period as its last month (1-11月 is November's, 1月1日至11月30日 too);
    a period on a daily report, or one not ending with a month, refuses the file."""
    if spec.period == "month" and period.to_month_end:
        month = period.end[:7]
        return PrintedDate(month, line.where, f"报表期间 {line.where} “{period.text}”读作 {month} 的月报"
                           f"（期间 {period.start} 至 {period.end}）")
    why = ("是一段时期，不是一天；日报须印明是哪一天" if spec.period == "day"
           else "不是止于月末；不知是哪个月的月报")
    raise ExtractionError(
        f"{file}: {line.where} 印的“{period.text}”（{period.start} 至 {period.end}）{why}，"
        "整份报表不读。请向报送机构核实", code=DATE_CODE, details={"file": file})


def _other_spellings(lines: list[Line], texts: list[str], spec: ExtractionSpec,
                     found: list[PrintedDate], file: str) -> list[PrintedDate]:
    """The dates any line labels as the report's (数据日期：...) in a spelling the
    spec's date_pattern does not read (数据日期：20261203, 截至12月3日, a yearless one taking the
    year of the dates already found, 二〇二六年十二月三日 as `texts` writes it in digits); a
    labelled date that cannot be read refuses the file."""
    more: list[PrintedDate] = []
    for line, text in zip(lines, texts, strict=True):
        for label in _LABEL_AT.finditer(text):
            rest = text[label.end():]
            said = label.group(0).rstrip()  # 数据日期十二月, 数据日：十二月; never 数据日一般为…
            labelled = "日期" in said or said.endswith(("：", ":"))
            unread = labelled and rest[:1] != "" and rest[:1] in CN_NUMERALS
            if not (rest[:1].isdigit() or unread) or re.match(spec.date_pattern, rest):
                continue  # 截至目前 is no date; 数据日期：2026-12-03 is read by date_pattern
            compact, yearless = _COMPACT.match(rest), _YEARLESS.match(rest)
            years = sorted({d.day[:4] for d in found})
            if compact:
                year, month, day = compact["y"], compact["m"] or compact["m2"], compact["d"] or compact["d2"]
            elif yearless and len(years) == 1:
                year, month, day = years[0], yearless["m"], yearless["d"]
            else:
                year, month, day = "", "0", "0"
            if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
                raise ExtractionError(
                    f"{file}: {line.where} 写的“{label.group(0)}{rest[:16]}”认不出是哪一天（日期写法认不出"
                    f"{'，也没有年份' if yearless else ''}）；不知是不是报表那一天，整份报表不读，"
                    "请向报送机构核实",
                    code=DATE_CODE, details={"file": file})
            more.append(PrintedDate(f"{year}-{int(month):02d}-{int(day):02d}", line.where))
    return more


def check_asked_date(printed: PrintedDate | None, asked: str, spec: ExtractionSpec, file: str) -> None:
    """Refuse a report that is not of the `asked` day (YYYY-MM-DD) or does not say its day."""
    if printed is None:
        raise ExtractionError(
            f"{file}: 报表上没有印报表日期（按规格 {spec.name} 的日期写法一处也没找到），"
            f"无法核对是不是 {asked} 的报表，不读。请核对文件",
            code=DATE_CODE, details={"file": file})
    if not printed.covers(asked):
        raise ExtractionError(
            f"{file}: 报表日期是 {printed.day}（{printed.where}），不是要的 {asked}；"
            "请核对文件是否下载或放错，或核对 --date",
            code=DATE_CODE, details={"file": file})
