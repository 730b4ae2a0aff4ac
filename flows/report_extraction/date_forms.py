"""Date forms a spec's date_pattern misreads or cannot read: periods and Chinese numerals.

A month range (报表期间：2026年1-11月, 2026年1月至11月, 2026.1-11, 2026年1月-2026年11月) is a period
ending in its last month: the pattern alone would read `2026年1-11` as the day 2026-01-11 or
`2026年1月` as January. A day range (2026年12月3日—4日) is no one day. Each period is taken out of
the line (blanked, so positions stay) before the pattern reads it, and said as a `Period`.
A date in Chinese numerals (二〇二六年十二月三日) is rewritten in digits (2026年12月3日).

    >>> periods("报表期间:2026年1-11月")
    ([Period(start='2026-01', end='2026-11', text='2026年1-11月', at=5)], '报表期间:          ')
    >>> in_digits("数据日期:二〇二六年十二月三日")
    '数据日期:2026年12月3日'
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

# the text is normalised (NFKC): － is -, ～ is ~; — and – stay as printed
_TO = r"(?P<to>\s*(?:-|—|–|―|~|至|到)+\s*)"
_SEP = r"(?:年|[-./])"
_DAYS = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}})(?:月|[-./])(?P<d>\d{{1,2}})[日号]?{_TO}"
    rf"(?:(?:(?P<y2>\d{{4}}){_SEP})?(?P<m2>\d{{1,2}})(?:月|[-./]))?(?P<d2>\d{{1,2}})[日号]?(?!\d)")
_MONTHS = re.compile(
    rf"(?<!\d)(?P<y>\d{{4}})(?P<sep>{_SEP})(?P<m>\d{{1,2}})(?P<mu>月份?)?{_TO}"
    rf"(?:(?P<y2>\d{{4}}){_SEP})?(?P<m2>\d{{1,2}})(?P<mu2>月份?)?(?![\d日号])(?!月份?\d)")
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0}
_CN_SMALL = r"[一二三四五六七八九十]{1,3}"
_CN_DATE = re.compile(rf"(?:(?P<y>[〇零○O一二三四五六七八九]{{4}})年)?(?P<m>{_CN_SMALL})月"
                      rf"(?:(?P<d>{_CN_SMALL})[日号])?")
CN_NUMERALS = "〇零○一二三四五六七八九十"


@dataclass(frozen=True)
class Period:
    """A period a report prints: `start` and `end` as YYYY-MM (months) or YYYY-MM-DD (days)."""

    start: str
    end: str
    text: str
    at: int = 0  # where in the line it starts

    @property
    def of_days(self) -> bool:
        """True for a range of days (2026年12月3日—4日), False for one of months."""
        return len(self.end) > 7

    @property
    def to_month_end(self) -> bool:
        """True when the period ends with a whole month: 1-11月, or 1月1日至11月30日."""
        if not self.of_days:
            return True
        year, month, day = map(int, self.end.split("-"))
        return day == calendar.monthrange(year, month)[1]


def _valid(year: int, month: int, day: int = 1) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _day_range(match: re.Match[str]) -> Period | None:
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    y2, m2, d2 = int(match["y2"] or y), int(match["m2"] or m), int(match["d2"])
    if not (_valid(y, m, d) and _valid(y2, m2, d2)) or (y2, m2, d2) <= (y, m, d):
        return None
    return Period(f"{y}-{m:02d}-{d:02d}", f"{y2}-{m2:02d}-{d2:02d}", match.group(0).strip(), match.start())


def _month_range(match: re.Match[str]) -> Period | None:
    y, m, y2, m2 = int(match["y"]), int(match["m"]), int(match["y2"] or match["y"]), int(match["m2"])
    dashed = match["sep"] == "-" and match["to"].strip() == "-"
    if dashed and not (match["mu"] or match["mu2"] or match["y2"]):
        return None  # 2026-1-11 is a day
    if not (_valid(y, m) and _valid(y2, m2)) or (y2, m2) <= (y, m):
        return None
    return Period(f"{y}-{m:02d}", f"{y2}-{m2:02d}", match.group(0).strip(), match.start())


def periods(text: str) -> tuple[list[Period], str]:
    """The periods `text` prints, day ranges first, and the text with each blanked."""
    found: list[Period] = []
    for pattern, read in ((_DAYS, _day_range), (_MONTHS, _month_range)):
        for match in pattern.finditer(text):
            period = read(match)
            if period is not None:
                found.append(period)
                text = text[:match.start()] + " " * len(match.group(0)) + text[match.end():]
    return found, text


def _small(text: str) -> int:
    """一 -> 1, 十 -> 10, 十二 -> 12, 二十 -> 20, 三十一 -> 31."""
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else 0
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 0) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _arabic(match: re.Match[str]) -> str:
    if match["y"] is None and match["d"] is None:
        return match.group(0)  # 十二月 alone is no date
    year = "".join(str(_CN_DIGITS[c]) for c in match["y"]) + "年" if match["y"] else ""
    day = f"{_small(match['d'])}日" if match["d"] else ""
    return f"{year}{_small(match['m'])}月{day}"


def in_digits(text: str) -> str:
    """`text` with each date in Chinese numerals written in digits: 二〇二六年十二月三日 -> 2026年12月3日,
    截至十二月三日 -> 截至12月3日 (a month alone, 十二月, is left as it is)."""
    return _CN_DATE.sub(_arabic, text)
