"""An export whose data rows are hidden (filtered or hidden in Excel) is refused, not filed whole.

    rows = refuse_hidden_rows(path, "Sheet1", export.rows, frozenset({7, 8}))

A clerk who filters an export to one branch's rows, or hides the rows not to file, and saves it
sees only the rows shown; the reader reads every row, so the hidden ones would be filed without
a word. Which rows are hidden is read from the sheet's XML (`xlsx_source`, `<row hidden="1">`);
the first hidden row that holds data (a blank hidden row is nothing, nor is a footer row
such as 合计：3笔, passed over before: `footer_rows`) refuses the file
(InputFileError, exit 2) naming the sheet and the hidden rows, before anything is filed: the
rows are read whole before a run queues them. So does a value in a hidden column (or one 0 wide)
the filing reads (tester BA, 2026-12-07: a hidden 注册资金 and 经营范围 were filed unseen).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from flows.account_filing.export_rows import Column, RawRow, file_and_sheet
from flows.account_filing.normalise import cell_text
from rpa.errors import InputFileError

# a column hidden, or 0 wide (tester BA, 2026-12-07: a hidden 注册资金 column was filed unseen)
_HIDDEN_COLUMN = re.compile(rb'<(?:\w+:)?col\s[^>]*?(?:hidden="(?:1|true)"|\swidth="0*(?:\.0*)?")[^>]*>')
_COLUMN_SPAN = (re.compile(rb'\smin="(\d{1,5})"'), re.compile(rb'\smax="(\d{1,5})"'))
UNNUMBERED = 0  # a hidden <row> without its number: any data row may be it
_LISTED = 10


def refuse_hidden_rows(
    path: Path, sheet: str, rows: Iterator[RawRow], hidden: frozenset[int],
    columns: tuple[frozenset[int], Sequence[Column]] = (frozenset(), ()),
) -> Iterator[RawRow]:
    """`rows` as they come, raising InputFileError at the first one `hidden` names, or the first
    with a value in a column the filing reads that `columns` (1-based hidden columns, the
    sheet's columns) says is hidden."""
    hidden_columns, sheet_columns = columns
    unseen = [c for c in sheet_columns if c.field is not None and c.index + 1 in hidden_columns]
    try:
        for row in rows:
            if hidden and (row.row in hidden or UNNUMBERED in hidden):
                raise InputFileError(_refusal(path, sheet, row.row, hidden))
            if unseen and (held := [c for c in unseen if cell_text(row.values.get(str(c.field))).strip()]):
                named = "、".join(f"{c.letter}（{c.header}）" for c in held)
                raise InputFileError(
                    f"无法读取 {file_and_sheet(path.name, sheet)}：第{row.row}行在隐藏的列 {named} 中有值，"
                    "在 Excel 里看不到，却会被报送。\n请取消隐藏这些列，核对其中的值后保存再试")
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _refusal(path: Path, sheet: str, first: int, hidden: frozenset[int]) -> str:
    later = sorted(number for number in hidden if number >= first)
    shown = "、".join(map(str, later[:_LISTED])) + ("等" if len(later) > _LISTED else "")
    # a hidden <row> stating no number (tester BA's F9 read 第行)
    which = f"第{shown}行是隐藏的行" if later else f"第{first}行起有一行是隐藏的行（文件未标明其行号）"
    return (f"无法读取 {file_and_sheet(path.name, sheet)}：{which}（筛选、隐藏或行高不足 1 磅），"
            f"在 Excel 里看不到，却会被当作要报备的行。\n"
            f"请取消筛选和隐藏，核对这些行：不需报备的删除后保存再试")


def columns_hidden(window: bytes) -> set[int]:
    """The (1-based) columns a <col> tag of `window` hides, or sets 0 wide."""
    found: set[int] = set()
    for tag in _HIDDEN_COLUMN.finditer(window):
        low, high = (span.search(tag.group(0)) for span in _COLUMN_SPAN)
        if low is not None and high is not None:
            found.update(range(int(low.group(1)), min(int(high.group(1)), 16_384) + 1))
    return found
