"""An export whose data rows are hidden (filtered or hidden in Excel) is refused, not filed whole.

    rows = refuse_hidden_rows(path, "Sheet1", export.rows, frozenset({7, 8}))

A clerk who filters an export to one branch's rows, or hides the rows not to file, and saves it
sees only the rows shown; the reader reads every row, so the hidden ones would be filed without
a word. Which rows are hidden is read from the sheet's XML (`xlsx_source`, `<row hidden="1">`);
the first hidden row that holds data (a blank hidden row is nothing, nor is a footer row
such as 合计：3笔, passed over before: `footer_rows`) refuses the file
(InputFileError, exit 2) naming the sheet and the hidden rows, before anything is filed: the
rows are read whole before a run queues them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flows.account_filing.export_rows import RawRow
from rpa.errors import InputFileError

UNNUMBERED = 0  # a hidden <row> without its number: any data row may be it
_LISTED = 10


def refuse_hidden_rows(
    path: Path, sheet: str, rows: Iterator[RawRow], hidden: frozenset[int]
) -> Iterator[RawRow]:
    """`rows` as they come, raising InputFileError at the first one `hidden` names."""
    try:
        for row in rows:
            if hidden and (row.row in hidden or UNNUMBERED in hidden):
                raise InputFileError(_refusal(path, sheet, row.row, hidden))
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _refusal(path: Path, sheet: str, first: int, hidden: frozenset[int]) -> str:
    later = sorted(number for number in hidden if number >= first)
    shown = "、".join(map(str, later[:_LISTED])) + ("等" if len(later) > _LISTED else "")
    return (f"无法读取 {path.name}（{sheet}）：第{shown}行是隐藏的行（筛选、隐藏或行高不足 1 磅），"
            f"在 Excel 里看不到，却会被当作要报备的行。\n"
            f"请取消筛选和隐藏，核对这些行：不需报备的删除后保存再试")
