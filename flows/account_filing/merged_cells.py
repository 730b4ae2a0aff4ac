"""Merged cells the reader refuses: a merged header cell, and a merged cell below the header
over a column the filing reads.

    refuse_merged_header(path, "开户清单", 1, header_values, merged)   # InputFileError, or None
    rows = refuse_merged_rows(path, "开户清单", export.rows, 1, columns, merged)  # raises at a covered row

Read-only openpyxl gives a merged range's value to its top-left cell only, the range's other
cells read blank (`xlsx_source` lists the sheet's merged ranges). So:

- a header cell merged over several columns or rows is the top of a two-row header (法定代表人
  over 类别 and 姓名): its text would be taken for the first column's name, the columns beside or
  below it read wrong. A merged title row above the header is no part of it and reads as before;
- below the header, a range merged over a column the filing reads, down several rows (注册资金
  M2:M3 over one depositor's two accounts) or across columns, shows the clerk its value in every
  cell while the reader gets it in the first only: row 3 would be filed with 注册资金 blank
  (未标明注册资金), or a required cell reported 不能为空. The file is refused (exit 2), every such
  range named with its columns, asking to unmerge and fill each row: which value a row means is
  the clerk's to write, not the reader's to guess. A range over columns the filing does not read
  (a note beside the data) is no refusal, nor is one over the export's footer (合计：3笔 merged
  across: `footer_rows` passes it over first). The rows are read whole before a run queues them,
  so the refusal comes before anything is filed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from flows.account_filing.export_rows import Column, RawRow, file_and_sheet
from flows.account_filing.normalise import CellValue, cell_text
from flows.account_filing.xlsx_source import MergedRange
from rpa.errors import InputFileError

_LISTED = 5


def refuse_merged_rows(
    path: Path, sheet: str, rows: Iterator[RawRow], header_row: int, columns: Sequence[Column],
    merged: Sequence[MergedRange],
) -> Iterator[RawRow]:
    """`rows` as they come (the footer already passed over: `footer_rows`), raising InputFileError
    at the first data row a range merged over a read column covers, naming every such range."""
    found = _data_merges(header_row, columns, merged)
    covered = {number for merge, _ in found for number in range(merge.min_row, merge.max_row + 1)}
    try:
        for row in rows:
            if row.row in covered:
                raise InputFileError(_refusal(path, sheet, found))
            yield row
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def refuse_merged_header(
    path: Path, sheet: str, header_row: int, values: Sequence[CellValue], merged: Sequence[MergedRange]
) -> None:
    """InputFileError when a header cell is merged over several columns or rows (see the doc)."""
    found = [
        (merge, text)
        for merge in merged
        if merge.min_row == header_row
        and (merge.max_col > merge.min_col or merge.max_row > merge.min_row)
        and (text := cell_text(values[merge.min_col - 1] if merge.min_col <= len(values) else None).strip())
    ]
    if not found:
        return
    cells = "、".join(f"「{text}」（{merge.ref}，{_span(merge)}）" for merge, text in found[:3])
    more = f"等{len(found)}处" if len(found) > 3 else ""
    raise InputFileError(
        f"无法读取 {_where(path, sheet)}：第{header_row}行表头中的{cells}{more}是合并单元格，"
        "看不出其下各列分别是哪一项，为免读错列，不读取该文件。"
        "\n请让导出的表头只占一行：取消合并单元格，每列一个列名"
        "（用 config/header_aliases.yaml 中的表头或别名），再重新导出"
    )


def _data_merges(
    header_row: int, columns: Sequence[Column], merged: Sequence[MergedRange]
) -> list[tuple[MergedRange, list[str]]]:
    """Each range below the header merged over a column a field reads, with those columns."""
    read = [c for c in columns if c.field]
    return [
        (merge, headers)
        for merge in sorted(merged, key=lambda m: (m.min_row, m.min_col))
        if merge.min_row > header_row
        and (merge.max_col > merge.min_col or merge.max_row > merge.min_row)
        and (headers := [c.header for c in read if merge.min_col <= c.index + 1 <= merge.max_col])
    ]


def _refusal(path: Path, sheet: str, found: list[tuple[MergedRange, list[str]]]) -> str:
    cells = "、".join(f"{merge.ref}（{'、'.join(headers)}）" for merge, headers in found[:_LISTED])
    more = f"等{len(found)}处" if len(found) > _LISTED else ""
    return (
        f"无法读取 {_where(path, sheet)}：表头以下的{cells}{more}是合并单元格。"
        "Excel 把合并的几格显示为一个值，看来每一行都有，读取时却只有左上角一格有值，其余格会被当作空白"
        "（如注册资金读成未标明），为免报备错误，不读取该文件。"
        "\n请取消合并单元格，在每一行填上该行自己的值（同一存款人的几个账户各填一遍），保存后再试"
    )


def _where(path: Path, sheet: str) -> str:
    return file_and_sheet(path.name, sheet)


def _span(merge: MergedRange) -> str:
    rows, columns = merge.max_row - merge.min_row + 1, merge.max_col - merge.min_col + 1
    return "跨" + (f"{rows}行" if rows > 1 else "") + (f"{columns}列" if columns > 1 else "")
