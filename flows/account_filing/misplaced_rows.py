"""Rows of an export that the header would read wrong, or not at all: account rows pasted above
the header, and a second export's header met below the data.

    rows = second_headers(rows, columns, columns_of, ("export.xlsx", "Sheet1", 1))
    refuse_rows_above(found.above, columns, columns_of, ("export.xlsx", "Sheet1", 3))

Tester BA (2026-12-07) saw both filed wrong without a word: two exports pasted one under the
other, the second's rows read by the first header's columns (a person's name filed as the
depositor, 1,000,000 元 as 100 亿元), and account rows above the header passed over as titles. A
row below the data that names enough of the filing's fields (by config/header_aliases.yaml, as
the header itself is found: `columns_of`) is a header: the same fields in the same columns and
units (a multi-page export's header repeated) is passed over, any other refuses the file naming
both rows. A row above the header whose 业务类型 reads as one (开户, 销户, 开立 …) and whose 账号
holds eight digits or more, in the header's columns or in those of another header-like row above
it, refuses the file naming the rows, and so does a row above it of four cells or more with a
number of twelve digits or more among them. Each refusal is an InputFileError (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from flows.account_filing.export_rows import Column, file_and_sheet
from flows.account_filing.normalise import CellValue, cell_text
from flows.account_filing.registry import FIELDS
from rpa.errors import InputFileError

Row = Sequence[CellValue]
Source = tuple[str, str, int]  # file name, sheet, the header's row number
ColumnsOf = Callable[[Row], list[Column]]
MIN_NAMED = 3  # fields a row must name to be taken for a header (reader.MIN_HEADER_MATCHES)
_SEPARATORS = re.compile(r"[\s-]")
_DAYS = re.compile(r"(?:(?:19|20)\d{6})(?:\s*[-~至到]\s*(?:19|20)\d{6})?")


def _where(source: Source) -> str:
    return file_and_sheet(source[0], source[1])


def _mapping(columns: Iterable[Column]) -> tuple[tuple[int, str, int], ...]:
    return tuple((c.index, c.field, c.multiplier) for c in columns if c.field is not None)


def _account_like(value: CellValue) -> bool:
    """Eight digits or more, as text (spaces and hyphens aside) or as a number Excel made of it."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == value and abs(value) >= 10_000_000  # NaN aside
    text = cell_text(value).strip()
    if _DAYS.fullmatch(text):
        return False  # 20261201-20261207: a query's dates above the header (the code review)
    return len(digits := _SEPARATORS.sub("", text)) >= 8 and digits.isdigit()


def second_headers(rows: Iterator[Row], columns: Sequence[Column], columns_of: ColumnsOf,
                   source: Source) -> Iterator[Row]:
    """`rows` (those under the header) as they come, a repeat of the header as an empty row (passed
    over as blank); InputFileError at a header that reads other columns or units."""
    first = _mapping(columns)
    account = next((c.index for c in columns if c.field == "account_no"), None)
    enough = max(MIN_NAMED, (len(first) + 1) // 2)
    for number, row in enumerate(rows, start=source[2] + 1):
        if account is not None and account < len(row) and _account_like(row[account]):
            yield row  # a data row: the cheap test that spares the alias look-ups
            continue
        again = columns_of(row)
        if len(_mapping(again)) < enough:
            yield row
        elif _mapping(again) == first:
            yield ()  # the header repeated on a page break
        else:
            raise InputFileError(_second_header(columns, again, number, source))


def _second_header(columns: Sequence[Column], again: Sequence[Column], number: int, source: Source) -> str:
    header = source[2]
    theirs = {c.field: c for c in again if c.field is not None}
    said = []
    for ours in columns:
        if ours.field is None:
            continue
        other = theirs.get(ours.field)
        if other is None:
            said.append(f"「{ours.header}」（{ours.letter}列）第{number}行没有")
        elif other.index != ours.index:
            said.append(f"「{ours.header}」在{ours.letter}列，第{number}行在{other.letter}列（「{other.header}」）")
        elif other.multiplier != ours.multiplier:
            said.append(f"{ours.letter}列第{header}行是「{ours.header}」，第{number}行是「{other.header}」（单位不同）")
    shown = "；".join(said[:3]) + (f" 等 {len(said)} 处" if len(said) > 3 else "")
    return (f"无法读取 {_where(source)}：第{number}行又是一行表头，但与第{header}行的表头不同（{shown}）："
            f"它下面的行会按第{header}行的列读错。请把两份导出分成两个文件，或按第{header}行的列顺序和"
            "写法排好后重新导出")


def refuse_rows_above(above: Sequence[Row], columns: Sequence[Column], columns_of: ColumnsOf,
                      source: Source) -> None:
    """InputFileError naming the rows above the header that read as account rows."""
    layouts = [columns, *(found for row in above if len(_mapping(found := columns_of(row))) >= MIN_NAMED)]
    rows = [number for number, row in enumerate(above, start=1)
            if any(_looks_filed(row, layout) for layout in layouts) or _full_row(row)]
    if rows:
        raise InputFileError(
            f"无法读取 {_where(source)}：表头（第{source[2]}行）之上的第{'、'.join(map(str, rows))}行"
            "有业务类型和账号，像是账户行，却不会被读到：请把它们移到表头之下（或删去）后重新导出")


def _looks_filed(row: Row, layout: Sequence[Column]) -> bool:
    places = {c.field: c.index for c in layout if c.field is not None}
    action, account = places.get("action"), places.get("account_no")
    if action is None or account is None or max(action, account) >= len(row):
        return False
    word = cell_text(row[action]).strip()
    return len(word) <= 8 and FIELDS["action"].choice(word) is not None and _account_like(row[account])


def _full_row(row: Row) -> bool:
    """A row of four cells or more, one of them a number of twelve digits or more (an account,
    an ID number): an account row whatever its columns or its 业务类型 (tester BC, 2026-12-07: one
    with a blank 业务类型, or shifted a column right, was passed over)."""
    filled = [value for value in row if cell_text(value).strip()]
    return len(filled) >= 4 and any(_long_number(value) for value in filled)


def _long_number(value: CellValue) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == value and abs(value) >= 10**11
    text = cell_text(value).strip()
    return not _DAYS.fullmatch(text) and len(digits := _SEPARATORS.sub("", text)) >= 12 and digits.isdigit()
