"""A table as the readers hand it over: cells on a row/column grid, merges, hidden rows.

Both readers produce a `Grid`, so locating headers, labels and figures is written once. A
merged cell is one `GridCell` covering several grid positions; `at(row, col)` answers the cell
covering a position, so a branch name merged down nine rows is found from each of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import normalise
from rpa.masking import scrub_text


def column_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass(frozen=True)
class ConditionalStyle:
    """What one conditional formatting rule over a cell may set (xlsx): its range as the sheet
    writes it (`C5:D13`), the number format of its style (None: none), whether it sets a font
    colour."""

    range: str
    number_format: str | None
    font_colour: bool


@dataclass(frozen=True)
class GridCell:
    """One cell as shown: its text, the stored value (a number in xlsx), its span and origin,
    the number format a spreadsheet shows its value by ("" in a PDF), whether it is red, and the
    conditional formats that may restyle it."""

    text: str
    value: object
    row: int
    col: int
    provenance: Provenance
    row_span: int = 1
    col_span: int = 1
    number_format: str = ""
    red: bool = False  # its digits are printed in red (红字): a font colour, a format's [Red], a PDF's
    conditional: tuple[ConditionalStyle, ...] = ()  # xlsx: the conditional formats over it


@dataclass
class Grid:
    """The cells of one table (or one sheet), positions 0-based."""

    file: str
    n_rows: int = 0
    n_cols: int = 0
    cells: dict[tuple[int, int], GridCell] = field(default_factory=dict)  # every covered position
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    preamble: list[str] = field(default_factory=list)  # text around the table: title, info lines
    below: list[str] = field(default_factory=list)  # pdf: the text under the table (notes, a footer)
    # pdf: the text around the table on the pages it continues onto (their notes), with the page;
    # what of it is under the table
    continued: list[tuple[int, str]] = field(default_factory=list)
    continued_below: list[tuple[int, str]] = field(default_factory=list)
    watermarks: list[tuple[int, str]] = field(default_factory=list)  # pdf: slanted or cropped text, by page
    # pdf: the lines of the text outside the table that prints pale (a grey or translucent watermark):
    # a date in one with no label is not the report's (`report_dates`)
    faint: list[str] = field(default_factory=list)
    sheet: str | None = None  # xlsx: grid positions are the sheet's cells (row 0 = row 1, col 0 = A)
    # xlsx: what prints or names the sheet beyond its cells, as (where, text): the page header and
    # footer, the tab's name (tester BO F7/F8: another branch or day there went unseen)
    printed_around: list[tuple[str, str]] = field(default_factory=list)

    def put(self, cell: GridCell) -> None:
        """Place a cell on every position it covers."""
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                self.cells[(r, c)] = cell
        self.n_rows = max(self.n_rows, cell.row + cell.row_span)
        self.n_cols = max(self.n_cols, cell.col + cell.col_span)

    def at(self, row: int, col: int) -> GridCell | None:
        """The cell covering a position, merged or not; None where nothing is."""
        return self.cells.get((row, col))

    def provenance_at(self, row: int, col: int) -> Provenance:
        """Where a position is, even an empty one: its cell in a sheet, or its row's page."""
        cell = self.at(row, col)
        if cell is not None:
            return cell.provenance
        if self.sheet is not None:
            return Provenance(file=self.file, sheet=self.sheet, cell=f"{column_letter(col)}{row + 1}")
        page = next((c.provenance.page for (r, _), c in self.cells.items() if r == row), None)
        return Provenance(file=self.file, page=page)

    def text(self, row: int, col: int) -> str:
        """The normalised text shown at a position ('' where nothing is)."""
        cell = self.at(row, col)
        return normalise(cell.text) if cell else ""

    def row_texts(self, row: int) -> list[str]:
        """The normalised texts of one row, one per visible column."""
        return [self.text(row, c) for c in self.visible_cols()]

    def is_blank(self, row: int) -> bool:
        """True when a row shows nothing at all."""
        return not any(self.row_texts(row))

    def visible_cols(self) -> list[int]:
        """Columns a person sees."""
        return [c for c in range(self.n_cols) if c not in self.hidden_cols]

    def visible_rows(self, start: int = 0) -> Iterator[int]:
        """Rows a person sees, from `start` on."""
        return (r for r in range(start, self.n_rows) if r not in self.hidden_rows)

    def append(self, other: Grid, skip_rows: int = 0) -> None:
        """Add another grid's rows below this one's (a table continued on the next page)."""
        offset = self.n_rows - skip_rows
        for (r, c), cell in other.cells.items():
            if r < skip_rows or (r, c) != (cell.row, cell.col):
                continue
            self.put(replace(cell, row=cell.row + offset))
        self.hidden_rows |= {r + offset for r in other.hidden_rows if r >= skip_rows}


def boxed_cells(grid: Grid) -> Iterator[tuple[GridCell, tuple[float, float, float, float]]]:
    """Each cell of a PDF page's grid that has a box, once however many positions it spans, with
    its box (x0, top, x1, bottom)."""
    for cell in {id(c): c for c in grid.cells.values()}.values():
        if cell.provenance.bbox is not None:
            yield cell, cell.provenance.bbox


def cell_chars(grid: Grid, chars: list[dict[str, Any]]) -> Iterator[tuple[GridCell, list[dict[str, Any]]]]:
    """Each cell of a PDF page's grid that has a box (`boxed_cells`) with the characters
    (pdfplumber's dicts) inside it, a point's slack on each side, left to right."""
    for cell, (x0, top, x1, bottom) in boxed_cells(grid):
        inside = [c for c in chars
                  if x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] <= bottom + 1]
        yield cell, sorted(inside, key=lambda c: c["x0"])


def hidden_notes(grid: Grid, where: Callable[[int], str]) -> list[str]:
    """A note for each hidden row and column that holds text, in the heading as in the body (a
    hidden 本日 column, a hidden unit line, a hidden duplicate row): what a person does not see is
    never read, and always said; so is a PDF's slanted or cropped text (a watermark: `pdf_glyphs`). `where`
    names a row (`row_place`)."""
    aside = "略过的水印等文字（斜排、全透明、在隐藏图层、剪切路径或页面裁剪框外）"
    notes = [f"{aside} 第{page}页 {_masked_mark(text)[:30]}" for page, text in grid.watermarks]
    for row in sorted(grid.hidden_rows):
        texts = [t for t in grid.row_texts(row) if t]
        if texts:
            notes.append(f"略过的隐藏行 {where(row)} {texts[0][:20]}")
    for col in sorted(grid.hidden_cols):  # row_texts skips them: each cell is read here
        own = [r for r in range(grid.n_rows) if (cell := grid.at(r, col)) is not None
               and cell.col == col and grid.text(r, col)]  # not a merged cell begun in a shown column
        if own:
            place = grid.provenance_at(own[0], col).cell or f"第{col + 1}列"
            notes.append(f"略过的隐藏列 {place} {grid.text(own[0], col)[:20]}")
    return notes


# the words a watermark or stamp is made of; a run of Chinese characters not made of them is masked
_MARK_WORDS = re.compile(r"(?:内部资料|内部|资料|机密|秘密|绝密|保密|仅供|参考|使用|副本|样本|样张|草稿|水印"
                         r"|禁止|外传|复制|打印|下载|导出|银行|总行|分行|支行|营业部|报表|平台|系统|时间"
                         r"|日期|用户|年|月|日)+")
_CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]+")


def _masked_mark(text: str) -> str:
    """A watermark's text as a note may show it: it may name the printing user (a name, an ID
    number: tester BI F8, 2026-12-07), so personal data and digit runs are scrubbed and each run of
    Chinese characters not made of a marking's words is masked (`内部资料 张报表` -> `内部资料 ***`)."""
    def mask(run: re.Match[str]) -> str:
        return run.group(0) if _MARK_WORDS.fullmatch(run.group(0)) else "*" * len(run.group(0))

    return _CHINESE_RUN.sub(mask, scrub_text(text))


def quoted(text: str) -> str:
    """A cell's or a line's text as a refusal quotes it: a watermark's phone or ID number in it
    masked (tester BK F27: 13800138000 was printed on the terminal, where a report's refusal shows
    bare digit runs as figures); a figure's own digits are grouped and stay."""
    return scrub_text(text.strip())
