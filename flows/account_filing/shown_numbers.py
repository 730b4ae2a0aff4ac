"""A number in an identity or text column is read as Excel shows it, or marked: never read bare
when its cell's number format shows something else.

    >>> shown_digits(23456789, "000000000000"), shown_digits(23456789, "#,##0")
    ('000023456789', '23456789')
    >>> shown_digits(23456789, '"6228"00000000') is None
    True

账号, 统一社会信用代码, 证件号码, 开户银行机构代码, 基本存款账户编号 (the registry's identifiers)
and the text columns (经办人…) are read as text, a number there as its digits. An export may store
账号 as the number 23456789 with the format `000000000000`: Excel shows 000023456789, and the bare
number is another account. So:

- `xlsx_source` reads a workbook whose styles hold a number format other than General, `0`, `@`
  and dates (openpyxl reads a number under a date format as a date) cell by cell, with formats,
  and gives a row holding a number under such a format as a `FormattedRow` carrying them; any
  other workbook (the usual all-text export) is read values-only as before, at no cost;
- the reader passes its rows through `shown_numbers`: in an identity or text column, a whole
  number >= 0 whose format only pads it with zeros (`000000000000`, also `#,##0` and `0_ `,
  which show the digits as stored) becomes the digits as shown; under any other format (literal
  text such as `"J"0000000000000`, scientific, decimals, [DBNum1], sections, conditions) it
  becomes `ShownOtherwise`, which `fields.parse_field` makes a row error naming the cell and its
  format: save the column as text;
- a number of 16 digits or more is left as it is: it has lost digits (number_as_numeric);
- in an amount column (注册资金) a number is read as stored only under a format that shows that
  number (`#,##0.00`, `¥#,##0`, a colour) with no decimals rounded away (1234.5678 under
  `#,##0.00` shows 1,234.57); a format that scales it (`#,##0.00,,` shows 1000000
  as 1.00), inserts a point (`0!.0000` shows it as 100.0000), shows a per cent, an exponent or a
  fraction, or prints a unit (`0.00"万元"` under 注册资金(元) would be read as 元) makes it
  `ShownOtherwise`: the clerk reads 100 万元 where 100 亿元 would be filed (capital_format_shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

from flows.account_filing.export_rows import Column
from flows.account_filing.normalise import CellValue, cell_text
from flows.account_filing.registry import FIELDS
from flows.account_filing.unseen_cells import UnseenStyles, marked_if_unseen

TEXT_LIKE = frozenset({"identifier", "text"})  # registry types read as text
# show a number's digits as stored (G/通用格式: General as WPS and POI exporters write it); not `0`,
# which rounds 1234.5678 to 1235 (the code review of 2026-12-06: a 注册资金 filed as stored)
_PLAIN = frozenset({"general", "@", "g/通用格式", "[$-804]g/通用格式"})
_SPACING = re.compile(r"_.|\*.")  # _x: a space as wide as x; *x: x repeated to fill the cell
_DIGITS = re.compile(r"[#,]*[0,]*")  # digit places, zeros last, thousands separators
# a format section that shows an amount as stored: digit places with thousands separators
# between them, decimals, once its colours, locale and currency marks are set aside
_AMOUNT_PLACES = re.compile(r"[#0?]+(?:,[#0?]+)*(?:\.[#0?]*)?")
_AMOUNT_ASIDE = re.compile(r'\[(?:[a-z]+|color\s*\d+|\$[^\]]*|dbnum\d)\]|"(?:¥|￥|RMB|CNY)"|[¥￥]|\\? ',
                           re.IGNORECASE)
_LOST_DIGITS = 10**15  # Excel keeps 15 significant digits: larger numbers are number_as_numeric


class FormattedRow(tuple[CellValue, ...]):
    """A row's values, with `formats`: column index -> the number format of each number in it
    whose format may show it otherwise."""

    formats: dict[int, str]

    def __new__(cls, values: Iterable[CellValue], formats: dict[int, str]) -> FormattedRow:
        row = super().__new__(cls, values)
        row.formats = formats
        return row


class ShownOtherwise(str):
    """A number Excel shows as other than its digits: reads as the stored digits, never used."""

    number_format: str

    def __new__(cls, digits: str, number_format: str) -> ShownOtherwise:
        value = super().__new__(cls, digits)
        value.number_format = number_format
        return value


def shown_digits(value: int | float, number_format: str) -> str | None:
    """What Excel shows of a whole number >= 0 under `number_format` when that is its digits
    padded with zeros (or as stored); None when the format shows anything else."""
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    width = _width(number_format, value == 0) if value >= 0 else None
    return None if width is None else str(value).zfill(width)


@lru_cache(maxsize=256)
def _width(number_format: str, zero: bool) -> int | None:
    if number_format.lower() in _PLAIN:
        return 0
    sections = number_format.split(";")  # positive; negative; zero
    section = _SPACING.sub("", sections[2] if zero and len(sections) > 2 else sections[0])
    if not section or section[0] == "," or section[-1] == "," or not _DIGITS.fullmatch(section):
        return None  # text, a condition, decimals, an exponent, a scale (`0,`): not the digits
    return section.count("0")


@lru_cache(maxsize=256)
def shows_amount(number_format: str, value_kind: int) -> bool:
    """Whether `number_format` shows an amount as stored: its section for the value's kind
    (`value_kind` 0 positive, 1 negative, 2 zero) is digit places, thousands separators between
    them and decimals, with colours, locale and ¥ / 万元 aside; never a scale, %, E or a fraction."""
    return _AMOUNT_PLACES.fullmatch(_places(number_format, value_kind)) is not None


@lru_cache(maxsize=256)
def decimals_shown(number_format: str, value_kind: int) -> int:
    """How many decimals the format's section for the value's kind shows (`#,##0.00`: 2)."""
    places = _places(number_format, value_kind)
    return len(places.split(".", 1)[1]) if "." in places else 0


def _places(number_format: str, value_kind: int) -> str:
    sections = number_format.split(";")
    section = sections[value_kind] if value_kind < len(sections) else sections[0]
    return _AMOUNT_ASIDE.sub("", _SPACING.sub("", section)).strip("()-")


def may_show_otherwise(number_format: str | None) -> bool:
    """Whether a number under `number_format` may show as other than its digits."""
    return number_format is not None and number_format.lower() not in _PLAIN


def formats_shown_otherwise(workbook: Any) -> bool:
    """Whether some cell style of the workbook (openpyxl's style table) has such a format, dates
    aside; True when the table cannot be read (the cells are then read with their formats)."""
    styles, custom = getattr(workbook, "_cell_styles", None), getattr(workbook, "_number_formats", None)
    if styles is None or custom is None:
        return True
    dates = getattr(workbook, "_date_formats", ())
    for index, style in enumerate(styles):
        number = style.numFmtId
        if number < BUILTIN_FORMATS_MAX_SIZE:
            number_format = BUILTIN_FORMATS.get(number, "General")
        else:
            number_format = custom[number - BUILTIN_FORMATS_MAX_SIZE]
        if index not in dates and may_show_otherwise(number_format):
            return True
    return False


def rows_with_formats(
    cell_rows: Iterable[Sequence[Any]], unseen: UnseenStyles | None = None
) -> Iterator[Sequence[CellValue]]:
    """Values of openpyxl's read-only cell rows; a row holding a number under a format that may
    show it otherwise as a `FormattedRow`; text under a style of `unseen` (`unseen_cells`) marked."""
    for cells in cell_rows:
        values = tuple(cell.value for cell in cells)
        if unseen:
            values = tuple(marked_if_unseen(value, cell, unseen)
                           for value, cell in zip(values, cells, strict=True))
        formats = {
            index: cell.number_format
            for index, cell in enumerate(cells)
            if type(values[index]) in (int, float) and may_show_otherwise(cell.number_format)
        }
        yield FormattedRow(values, formats) if formats else values


def keep_formats(row: Sequence[CellValue], values: list[CellValue]) -> Sequence[CellValue]:
    """`values` remade from `row`, still carrying its formats."""
    return FormattedRow(values, row.formats) if isinstance(row, FormattedRow) else values


def shown_numbers(
    rows: Iterable[Sequence[CellValue]], read: Sequence[tuple[str, Column]]
) -> Iterator[Sequence[CellValue]]:
    """`rows` with each number in a column of `read` feeding an identity or text field as shown
    (see the module's doc); other rows as they come."""
    columns = frozenset(c.index for name, c in read if name in FIELDS and FIELDS[name].type in TEXT_LIKE)
    amounts = frozenset(c.index for name, c in read if name in FIELDS and FIELDS[name].type == "amount")
    for values in rows:
        if type(values) is FormattedRow and (found := (columns | amounts).intersection(values.formats)):
            shown = list(values)
            for index in found:
                as_shown = _as_shown if index in columns else _amount_as_shown
                shown[index] = as_shown(shown[index], values.formats[index])
            values = shown
        yield values


def _amount_as_shown(value: CellValue, number_format: str) -> CellValue:
    if not isinstance(value, int | float):
        return value
    kind = 0 if value > 0 else 1 if value < 0 else 2
    if not shows_amount(number_format, kind):
        return ShownOtherwise(cell_text(value), number_format)
    # decimals the format rounds away (tester AK: 1234.5678 shown as 1,234.57 was filed as stored);
    # a float's last-digit noise (0.30000000000000004) is no such decimal
    shown = round(value, decimals_shown(number_format, kind))
    hidden = abs(value - shown) > 1e-6  # a float's noise is far below 0.000001 万元 (0.01 元)
    return ShownOtherwise(cell_text(value), number_format) if hidden else value


def _as_shown(value: CellValue, number_format: str) -> CellValue:
    if not isinstance(value, int | float) or abs(value) >= _LOST_DIGITS:
        return value
    digits = shown_digits(value, number_format)
    return ShownOtherwise(cell_text(value), number_format) if digits is None else digits
