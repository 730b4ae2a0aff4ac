"""Numbers of a workbook in the 1904 date system (Excel for Mac's old default, `date1904="1"`).

openpyxl turns a cell formatted as a date into a date in the workbook's own system; a bare
number (General format, as some exporters write their dates) stays a number, and
`normalise.parse_date` would count it from 1899-12-30: 44897, 2026-12-03 in such a workbook,
read as 2022-12-02 and filed so (tester T's S1). The reader marks every number of such a
workbook (`in_1904`), and a date column counts a marked number from 1904-01-01; any other
field reads it as the number it is.

    >>> from flows.account_filing.normalise import parse_date
    >>> parse_date(in_1904_value(44897))
    datetime.date(2026, 12, 3)
"""

from __future__ import annotations

import re
from datetime import date, datetime

# 1904-01-01 as a serial of the 1900 system: a 1904 serial plus this is the 1900 serial
SHIFT_TO_1900 = (date(1904, 1, 1) - date(1899, 12, 30)).days
MAC_EPOCH = datetime(1904, 1, 1)  # openpyxl's CALENDAR_MAC_1904, a workbook's `epoch` (no import here)
_SERIAL_TEXT = re.compile(r"\s*\d{5}(?:\.0+)?\s*")  # a serial typed as text: 44897


class Mac1904:
    """A number read from a workbook in the 1904 date system."""

    __slots__ = ()


class Int1904(int, Mac1904):
    """An integer cell of a 1904 workbook."""


class Float1904(float, Mac1904):
    """A fractional (or exponent-written) number cell of a 1904 workbook."""


class Text1904(str, Mac1904):
    """A serial typed as text in a 1904 workbook (`44897`): as a date, counted as its numbers are
    (the code review of 2026-12-06: it was still read from 1899-12-30)."""


def uses_1904(workbook: object) -> bool:
    """True for an openpyxl workbook in the 1904 date system."""
    return getattr(workbook, "epoch", None) == MAC_EPOCH


def in_1904_value(value: object) -> object:
    """`value` marked as a number of a 1904 workbook (or a serial typed as text); anything else
    (other text, a date, a bool) as is."""
    if isinstance(value, bool):
        return value
    if type(value) is int:
        return Int1904(value)
    if type(value) is float:
        return Float1904(value)
    if type(value) is str and _SERIAL_TEXT.fullmatch(value):
        return Text1904(value)
    return value
