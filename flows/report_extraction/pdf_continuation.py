"""A table continued on the next PDF pages, joined to the first page's by column positions.

    columns = ColumnPlan.of(first_page_grid)
    columns.join(joined, page_grid, page_number)   # appends the page's rows, or raises

pdfplumber reads each page on its own, and a continuation page may repeat the header or not,
be ruled or not, and start a little further left or right. Its columns are therefore matched to
the first page's by where they are (the x-range where they overlap most), never by their
index; its rows that repeat the header are dropped; a column that lies under none of the first
page's, or two of its columns that fall into one, make the page's rows impossible to place: an
error naming the page and the text, never a row skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import ExtractionError


class UnplacedRow(ExtractionError):
    """A row of a continuation page that lies under no column of the table it continues."""

    code = "row_not_placed"


def _extent(cells: list[GridCell]) -> tuple[float, float] | None:
    boxes = [c.provenance.bbox for c in cells if c.provenance.bbox is not None and c.col_span == 1]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), max(b[2] for b in boxes))


def _origins(grid: Grid) -> list[GridCell]:
    return [cell for (r, c), cell in grid.cells.items() if (r, c) == (cell.row, cell.col)]


def _has_digit(texts: list[str]) -> bool:
    return any(ch.isdigit() for text in texts for ch in text)


@dataclass(frozen=True)
class ColumnPlan:
    """The first page's columns (x-ranges in points) and its header rows' texts."""

    file: str
    first_page: int | None
    extents: dict[int, tuple[float, float]]
    header_rows: frozenset[tuple[str, ...]]

    @classmethod
    def of(cls, grid: Grid) -> ColumnPlan:
        """The plan of the table as read from its first page."""
        by_col: dict[int, list[GridCell]] = {}
        for cell in _origins(grid):
            by_col.setdefault(cell.col, []).append(cell)
        extents = {col: extent for col, cells in by_col.items() if (extent := _extent(cells)) is not None}
        header: set[tuple[str, ...]] = set()
        for row in range(grid.n_rows):  # the rows above the first figure: the header
            texts = grid.row_texts(row)
            if _has_digit(texts):
                break
            if any(texts):
                header.add(tuple(texts))
        page = next((c.provenance.page for c in _origins(grid)), None)
        return cls(grid.file, page, extents, frozenset(header))

    def _column_for(self, x0: float, x1: float) -> int | None:
        overlaps = {col: min(x1, b) - max(x0, a) for col, (a, b) in self.extents.items()}
        best = max(overlaps, key=lambda col: overlaps[col], default=None)
        return best if best is not None and overlaps[best] > 0 else None

    def _unplaced(self, page_number: int, cells: list[GridCell], why: str) -> UnplacedRow:
        shown = "、".join(f"“{c.text}”" for c in cells[:4]) + ("等" if len(cells) > 4 else "")
        return UnplacedRow(
            f"{self.file} 第{page_number}页：{shown}{why}，该行无法归入第{self.first_page}页表格的列；"
            f"请核对这一页的表格是否与第{self.first_page}页同一张表",
            details={"file": self.file, "page": page_number, "texts": [c.text for c in cells]})

    def mapping(self, page: Grid, page_number: int) -> dict[int, int]:
        """Each column of a continuation page -> the first page's column it lies under."""
        by_col: dict[int, list[GridCell]] = {}
        for cell in _origins(page):
            by_col.setdefault(cell.col, []).append(cell)
        mapped: dict[int, int] = {}
        for col, cells in sorted(by_col.items()):
            extent = _extent(cells)
            target = self._column_for(*extent) if extent is not None else None
            if target is None:
                where = f"（横向 {extent[0]:.0f}–{extent[1]:.0f} pt）" if extent else ""
                raise self._unplaced(page_number, cells, f"{where}不在任何一列之下")
            mapped[col] = target
        rows_of = {col: {c.row for c in cells} for col, cells in by_col.items()}
        for col, target in mapped.items():
            for other, other_target in mapped.items():
                if other > col and other_target == target and rows_of[col] & rows_of[other]:
                    clash = [c for c in by_col[col] + by_col[other] if c.row in rows_of[col] & rows_of[other]]
                    raise self._unplaced(page_number, clash, "落在同一列之下")
        return mapped

    def join(self, joined: Grid, page: Grid, page_number: int) -> None:
        """Append the rows of a continuation page to `joined`, header repeats left out."""
        mapped = self.mapping(page, page_number)
        placed = Grid(file=page.file)
        for cell in _origins(page):
            placed.put(replace(cell, col=mapped[cell.col]))
        placed.n_cols = max(placed.n_cols, joined.n_cols)
        skip = 0
        while skip < placed.n_rows and (placed.is_blank(skip) or tuple(self._texts(placed, skip, joined))
                                        in self.header_rows):
            skip += 1
        joined.append(placed, skip_rows=skip)

    @staticmethod
    def _texts(placed: Grid, row: int, joined: Grid) -> list[str]:
        return [placed.text(row, col) for col in joined.visible_cols()]
