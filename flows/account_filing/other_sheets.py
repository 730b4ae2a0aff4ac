"""A workbook whose other visible sheets hold export rows too is refused, not read in part.

    refuse_other_export_sheets(path, workbook, "开户", ["变更及撤销"], header_columns, max_rows=500_000)

The reader reads one sheet: the active one, else the first visible one with a header. A bank that
splits its export over sheets (开户 on one, 变更及撤销 on another) would see the other sheets' rows
dropped without a word, the run ending 全部完成. So when no sheet is named (`--sheet`), every other
visible sheet is looked at: one whose first rows hold the export's header with a row of data
under it (a cell of a column the header maps) refuses the file (InputFileError, exit 2), naming
the sheets and what to do. A sheet with the header alone (an empty template) is no rows lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from flows.account_filing.normalise import CellValue, cell_text
from rpa.errors import InputFileError
from rpa.input_files import reading

# the columns a row maps to export fields when it is the export's header, else None
HeaderColumns = Callable[[Sequence[CellValue]], list[int] | None]


def refuse_other_export_sheets(
    path: Path, workbook: Any, chosen: str, others: Sequence[str], header_columns: HeaderColumns,
    *, search_rows: int, max_rows: int,
) -> None:
    """Raise InputFileError when any of `others` (visible sheets) holds the header and rows."""
    with reading(path):  # a damaged sheet is an InputFileError naming the file, as the one read
        found = [name for name in others
                 if _holds_rows(workbook[name], header_columns, search_rows, max_rows)]
    if found:
        listed = "」「".join(found)
        raise InputFileError(
            f"无法读取 {path.name}：除工作表「{chosen}」外，工作表「{listed}」也有导出的表头和数据行，"
            f"只读一个工作表会漏掉其余工作表的行。\n"
            f"请把这些行合并到一个工作表后重试，或用 --sheet 指定要读的工作表（其余工作表的行不会处理）"
        )


def _holds_rows(worksheet: Any, header_columns: HeaderColumns, search_rows: int, max_rows: int) -> bool:
    if not hasattr(worksheet, "iter_rows"):
        return False  # a chart sheet
    worksheet.reset_dimensions()  # exporters write wrong <dimension>s; read to the data
    rows = iter(worksheet.iter_rows(values_only=True))
    for values in islice(rows, search_rows):
        mapped = header_columns(values)
        if mapped is not None:
            return any(_filled(row, mapped) for row in islice(rows, max_rows))
    return False


def _filled(row: Sequence[CellValue], columns: list[int]) -> bool:
    return any(index < len(row) and cell_text(row[index]).strip() != "" for index in columns)
