"""Normalisation of export cells: width, spaces, dates, amounts, GBK.

>>> clean_text(" 北京 华信　科技有限公司 ")
'北京华信科技有限公司'
>>> parse_date("2026年11月27日"), parse_date(46353)
(datetime.date(2026, 11, 27), datetime.date(2026, 11, 27))
>>> wan_to_yuan(Decimal("500.5"))
Decimal('5005000.00')
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flows.account_filing.mac_dates import SHIFT_TO_1900, Mac1904

CellValue = str | int | float | Decimal | datetime | date | bool | None

_FULL_WIDTH_OFFSET = 0xFEE0
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[\s\u00a0\u3000]+")
# a space touching a CJK character (or CJK punctuation) is stray; one between Latin words is not
_SPACE_BY_CJK = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 1900-02-29
_SERIAL_RANGE = (32874, 73051)  # 1990-01-01 .. 2099-12-31: anything else is not a business date
_ISO_LIKE = re.compile(
    r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_CHINESE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
# 20261127, and 20261127093000 as core-banking systems stamp a time
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$")
_SERIAL_TEXT = re.compile(r"^(\d{5})(?:\.0+)?$")
# a character clean_text or compact could change (besides case): a space of any kind, a
# zero-width character, a full-width form
# an amount as people write it: digits, a comma only between groups of three (1,000  12,345.5)
_PLAIN_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_SPLIT_DIGITS = re.compile(r"\d[^\S\n]+[\d.,]|[.,][^\S\n]+\d")  # `500 000`, `1 000.5`, `12. 5`
_GROUPED_AMOUNT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_MAY_CHANGE = re.compile(r"[\s\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff\uff01-\uff5e]")


def _width_table(*, punctuation: bool) -> dict[int, str]:
    table = {0x3000: " "}
    for code in range(0xFF01, 0xFF5F):
        half = chr(code - _FULL_WIDTH_OFFSET)
        if punctuation or half.isalnum():
            table[code] = half
    return table


_ALL_TO_HALF = _width_table(punctuation=True)
_ALNUM_TO_HALF = _width_table(punctuation=False)


def to_half_width(text: str, *, punctuation: bool = True) -> str:
    """Full-width forms to ASCII. With punctuation=False only letters, digits and spaces change:
    Chinese names are registered with full-width brackets （）, and AMS must get them as registered.
    """
    return text.translate(_ALL_TO_HALF if punctuation else _ALNUM_TO_HALF)


def clean_text(text: str, *, punctuation: bool = False) -> str:
    """Half-width letters and digits, no zero-width characters, no stray or repeated spaces."""
    if not _MAY_CHANGE.search(text):
        return text  # nothing below would change it (most cells)
    cleaned = to_half_width(text.translate(_ZERO_WIDTH), punctuation=punctuation)
    cleaned = _SPACE_BY_CJK.sub("", _SPACES.sub(" ", cleaned).strip())
    return text if cleaned == text else cleaned  # the same object: records share the sheet's strings


def compact(text: str) -> str:
    """For codes and numbers: fully half-width, every space removed, upper case."""
    if not _MAY_CHANGE.search(text):
        cleaned = text.upper()
        return text if cleaned == text else cleaned
    cleaned = _SPACES.sub("", to_half_width(text.translate(_ZERO_WIDTH))).upper()
    return text if cleaned == text else cleaned


def as_registered(text: str) -> str:
    """For a name compared with its registration: fully half-width, every space and zero-width
    character removed, letter case kept (北京xyz科技有限公司 is not the registered 北京XYZ科技有限公司).

    >>> as_registered("ＡＢＣ（北京） 科技"), as_registered("abc(北京)科技")
    ('ABC(北京)科技', 'abc(北京)科技')
    """
    return _SPACES.sub("", to_half_width(text.translate(_ZERO_WIDTH)))


def case_only(text: str, other: str) -> bool:
    """Whether `text` differs from `other`, as registered, in letter case alone."""
    return as_registered(text) != as_registered(other) and compact(text) == compact(other)


def header_key(text: str) -> str:
    """How headers are compared: half-width, no spaces, no required-field star, no colon."""
    return compact(str(text)).strip("*:")


def cell_text(value: CellValue) -> str:
    """A cell as the text a person sees: integers without `.0`, midnight datetimes as dates."""
    if type(value) is str:  # most cells; a subclass (an uncomputed formula) goes the long way
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_date(value: CellValue) -> date:
    """An Excel date cell, an Excel serial number, or text `2026-11-27`, `2026/11/27`,
    `2026年11月27日` (also `2026.11.27`, `20261127`, and a trailing time of day: `00:00:00`,
    `20261127093000`). ValueError otherwise, also for a time no clock shows (`25:00`).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _from_number(value)
    text = clean_text(str(value or ""), punctuation=True)
    if not text:
        raise ValueError("empty date")
    iso = _ISO_LIKE.match(text)
    if iso:
        _time_of_day(iso.group(5, 6, 7))
        return date(int(iso.group(1)), int(iso.group(3)), int(iso.group(4)))
    for pattern in (_CHINESE, _COMPACT):
        match = pattern.match(text)
        if match:
            _time_of_day(match.groups()[3:])
            return date(*(int(g) for g in match.groups()[:3]))
    serial = _SERIAL_TEXT.match(text)
    if serial:
        number = int(serial.group(1))
        return _from_serial(number + SHIFT_TO_1900 if isinstance(value, Mac1904) else number)
    raise ValueError(f"not a date: {text[:20]}")


def _time_of_day(parts: tuple[str | None, ...]) -> None:
    """ValueError when a date's time part is no time of day (`2026-12-01 25:00`, tester AA): the
    cell is not what the export meant, so its date is not trusted either."""
    if parts and parts[0] is not None:
        hour, minute, second = (int(part or 0) for part in (*parts, None, None)[:3])
        time(hour, minute, second)


def _from_number(value: int | float | Decimal) -> date:
    if value != int(value):
        raise ValueError("a date serial has no fraction of a day here")
    number = int(value)
    if 19900101 <= number <= 20991231 or 19900101000000 <= number <= 20991231235959:  # a stamp too
        return parse_date(str(number))
    return _from_serial(number + SHIFT_TO_1900 if isinstance(value, Mac1904) else number)


def _from_serial(serial: int) -> date:
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise ValueError(f"Excel serial {serial} is not a plausible business date")
    return _EXCEL_EPOCH + timedelta(days=serial)


class CommaNotThousands(ValueError):
    """A comma that is no thousands separator (`12,5`, `1,00,000`): the amount is not known."""


def parse_decimal(value: CellValue, *, strip_units: tuple[str, ...] = ()) -> Decimal:
    """`1,234.56`, `１２３４．５`, 1234.5 -> Decimal; a trailing unit word in `strip_units` is dropped.

    Text is folded (NFKC: full-width digits and commas) and read only as digits with a decimal
    point; a comma only between groups of three digits after a first group of one to three
    (`1,000`, `12,345.5`). Any other comma is CommaNotThousands (`12,5` is 12.5 written with a
    decimal comma, or a typo: never 125); `1e3`, `12_5` (which Decimal would take) are ValueError,
    and so is a footnote mark or circled number that NFKC would fold into a digit (`500¹`, `1000②`)
    and digits split by a space (`500 000`: 500000 in some countries' grouping, or two numbers;
    tester BA F14 of 2026-12-07 saw it filed as 50 亿元).
    """
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    raw = str(value or "")
    if not raw.isascii() and any(_marked_digit(ch) for ch in raw):
        raise ValueError("a footnote mark or a circled number, not a digit")
    folded = unicodedata.normalize("NFKC", raw)
    if _SPLIT_DIGITS.search(folded):
        raise ValueError("digits split by a space: one number or two?")
    text = compact(folded)
    for unit in strip_units:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    if "," in text:
        if not _GROUPED_AMOUNT.fullmatch(text):
            raise CommaNotThousands("a comma that separates no thousands")
        text = text.replace(",", "")
    if not _PLAIN_AMOUNT.fullmatch(text):
        raise ValueError("not a number")
    return Decimal(text)


def _marked_digit(char: str) -> bool:
    """A character NFKC folds into a digit that is no digit as written: ¹ ① ⑵ ₂ (tester BA of
    2026-12-07: `500¹` read as 5001 万元); full-width ０-９ are digits."""
    return not char.isascii() and not "０" <= char <= "９" and any(
        c.isdigit() for c in unicodedata.normalize("NFKC", char))


def wan_to_yuan(amount: Decimal, multiplier: int = 10_000) -> Decimal:
    """万元 -> 元 (×10,000 by default), to the fen. ValueError if finer than a fen."""
    yuan = amount * multiplier
    rounded = yuan.quantize(Decimal("0.01"))
    if rounded != yuan:
        raise ValueError("finer than a fen")
    return rounded


def gbk_length(text: str) -> int | None:
    """Bytes of `text` in GBK, or None when some character has no GBK code (生僻字)."""
    try:
        return len(text.encode("gbk"))
    except UnicodeEncodeError:
        return None


def outside_gbk(text: str) -> list[str]:
    """The characters of `text` that GBK cannot encode, in order, each once."""
    if gbk_length(text) is not None:
        return []
    found: list[str] = []
    for char in text:
        if char not in found and gbk_length(char) is None:
            found.append(char)
    return found
