"""A header met again below the first one: a repeat to pass over, or another table's header.

    depth = header_repeat(grid, header, spec.label_column, row)   # 0: `row` is no header

A long table may print its header again lower in the sheet or at the top of the next PDF page.
Only the same titles in the same order are a repeat. A header with its columns in another order
(or other columns) would put the figures below it under titles it does not print, so it refuses
the file naming both headers, never reading 较上日 as 本日.
"""

from __future__ import annotations

from flows.report_extraction.header import Header
from flows.report_extraction.specs import Label
from flows.report_extraction.tables import Grid
from rpa.errors import DuplicateHeader


def _shown(texts: list[str]) -> str:
    """A header row as printed: its titles in order, a merged cell once."""
    kept = [t for i, t in enumerate(texts) if t and (i == 0 or t != texts[i - 1])]
    return "|".join(kept)


def _place(grid: Grid, row: int, col: int) -> str:
    """A cell named without its file: 网点经营日报!A11, or 第2页."""
    where = grid.provenance_at(row, col)
    return f"{where.sheet}!{where.cell}" if where.sheet else f"第{where.page}页"


def header_repeat(grid: Grid, header: Header, label: Label, row: int) -> int:
    """The number of rows of a header repeated at body row `row`, 0 when `row` is not a header.

    A row is a header when one of its cells is the label column's title (项目), as printed in
    the first header or by the spec. Each of its rows must show what the first header's rows
    show, column by column; otherwise DuplicateHeader names both places."""
    first_label = grid.text(header.start, header.label_col)
    cols = [c for c in grid.visible_cols() if grid.text(row, c) and (
        grid.text(row, c) == first_label or label.matches(grid.text(row, c)))]
    if not cols:
        return 0
    depth = header.body_start - header.start
    for k in range(depth):
        again, first = grid.row_texts(row + k), grid.row_texts(header.start + k)
        if again != first:
            here, there = _place(grid, row, cols[0]), _place(grid, header.start, header.label_col)
            raise DuplicateHeader(
                f"{grid.file}：{here} 又有一行表头“{_shown(again)}”，与表头（{there}）“{_shown(first)}”"
                "的列不同（次序或列名不一样），不知其下的数字属于哪一列；整份报表不读，请核对报表",
                details={"file": grid.file, "header": label.name})
    return depth
