"""Read a report table from a PDF into a Grid (pdfplumber).

Each PDF is opened once and each page gets one `find_tables()`; the table's cells (with their
positions) become grid cells, spans included. Two ruled tables printing the label column's
title (项目) on one page, a report and an appendix of the same layout, are read as one grid, so
a label met in both refuses the file as in a worksheet, never the first taken. A table
continued on the next pages, with its header repeated or not, ruled or not, is joined here
by column positions (pdf_continuation):
pdfplumber does not do it, and a row that cannot be placed is an error naming its page and
text, never dropped; the text around the table on those pages (a footnote stating the unit)
is kept with its page (Grid.continued). A page without ruling lines goes to the borderless
reader. A page without characters is a scan; characters that come out as (cid:NNN) mean a
font without a Unicode map: both are errors, never empty figures.

A PDF with more pages than RPA_INPUT_MAX_PDF_PAGES, or a page that takes longer than
RPA_INPUT_PDF_PAGE_SECONDS to read, is refused naming the file, the page and the setting
(pdf_limits). An encrypted PDF that opens without a password (an empty user password, with
permissions only) is read as any other; one that needs a password is refused: 已加密，请导出未加密的文件.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from flows.report_extraction.mixed_ink import refuse_mixed_ink
from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_annotations import refuse_annotations_over
from flows.report_extraction.pdf_continuation import ColumnPlan, UnplacedRow
from flows.report_extraction.pdf_drawn import refuse_drawn_characters
from flows.report_extraction.pdf_glyphs import ShownPage, shown_page
from flows.report_extraction.pdf_layout import (
    borderless_grid,
    char_lines,
    headless_grid,
    is_footnote,
    table_lines,
    text_lines,
)
from flows.report_extraction.pdf_limits import ENCRYPTED, check_page_count, page_deadline
from flows.report_extraction.pdf_watermarks import printed_over
from flows.report_extraction.red_figures import mark_red
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.surroundings import is_note
from flows.report_extraction.tables import Grid, GridCell, quoted
from rpa.errors import (
    DuplicateHeader,
    InputFileError,
    LabelNotFound,
    MissingUnicodeMap,
    ScannedPdf,
    UnreadableFigure,
)
from rpa.input_files import check_pdf, describe_failure, reading

_EPSILON = 0.5
_SMALL = 0.8  # a digit under 80 % of the figure beside it is a footnote's mark (as in a workbook)
_RAISED = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_LOWERED = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


# text outside the table printed at least this light (a light grey, a watermark's): an unlabelled date in
# it is no report's (tester BK F17); a mid grey subtitle's date is (F26: 0.3-0.6 grey was refused)
_GREY = 0.65


def _box(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    return (round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1))


def _ruled_grid(table: Any, file: str, page_number: int) -> Grid:
    xs = sorted({cell[0] for cell in table.cells})
    ys = sorted({cell[1] for cell in table.cells})
    grid = Grid(file=file)
    for row_index, (row, texts) in enumerate(zip(table.rows, table.extract(), strict=True)):
        for col_index, (bbox, text) in enumerate(zip(row.cells, texts, strict=True)):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            grid.put(GridCell(
                text=text or "", value=text or "", row=row_index, col=col_index,
                provenance=Provenance(file=file, page=page_number, bbox=_box(bbox)),
                row_span=max(1, sum(1 for y in ys if top <= y < bottom - _EPSILON)),
                col_span=max(1, sum(1 for x in xs if x0 <= x < x1 - _EPSILON))))
    return grid


def _check_text_layer(page: Any, file: str, page_number: int) -> list[dict[str, Any]]:
    chars: list[dict[str, Any]] = page.chars
    if not chars:
        images = len(page.images)
        raise ScannedPdf(f"{file}，第{page_number}页：扫描件 PDF，没有文字层（本页没有文字"
                         f"{f'，只有 {images} 张图片' if images else ''}）；"
                         "请从系统导出文字版 PDF（OCR 识别出的文字不予读取）",
                         details={"file": file, "page": page_number})
    for char in chars:
        if char["text"].startswith("(cid:"):
            font = char["fontname"] if char.get("fontname") not in (None, "", "unknown") else "未命名"
            raise MissingUnicodeMap(  # pdfminer names a Type3 font "unknown"
                f"{file}，第{page_number}页：字体缺少 Unicode 映射，文字读出来是 "
                f"{char['text']}（字体 {font}）；无法可靠读取文字，请从系统重新导出",
                details={"file": file, "page": page_number, "font": char.get("fontname")})
    return chars


def mark_small_digits(chars: list[dict[str, Any]]) -> None:
    """Turn a digit printed smaller than the digits beside it (a footnote's mark, `52,345.67` with
    a small raised `1`) into the raised or lowered digit it is (`¹`, `₁`), in place: the text
    then shows `52,345.67¹`, and the figure is refused (figure_marks.footnote_mark), never read as
    52,345.671. Only the few small digits are compared with their neighbours."""
    largest = max((c["size"] for c in chars if c["text"].isascii() and c["text"].isdigit()), default=0)
    for char in chars:
        text, size = char["text"], char["size"]
        if not (text.isascii() and text.isdigit()) or size >= _SMALL * largest:
            continue
        beside = [c for c in chars if c["size"] * _SMALL > size and c["text"] in "0123456789.,"
                  and c["top"] < char["bottom"] and char["top"] < c["bottom"]
                  and min(abs(c["x0"] - char["x1"]), abs(char["x0"] - c["x1"])) < c["size"]]
        if beside:
            figure = beside[0]
            raised = char["top"] + char["bottom"] < figure["top"] + figure["bottom"]
            char["text"] = text.translate(_RAISED if raised else _LOWERED)


def read_pdf(path: Path, spec: ExtractionSpec) -> Grid:
    """The report table (joined across pages) as a Grid."""
    file = path.name
    check_pdf(path)
    # The file is opened here, not by pdfplumber: pdfplumber closes a file it opened itself only
    # on a PdfminerException, so a PSException or ValueError while parsing left it open.
    with path.open("rb") as stream:
        with reading(path):  # what pdfminer raises on a broken file, closing included
            try:
                pdf = pdfplumber.open(stream)
            except PdfminerException as error:
                if isinstance(error.args[0] if error.args else None, PDFPasswordIncorrect):
                    raise InputFileError(f"{file} 已加密，请导出未加密的文件", code=ENCRYPTED,
                                         details={"file": str(path)}) from None
                raise InputFileError(describe_failure(path, error),
                                     details={"file": str(path)}) from error
            except (PDFSyntaxError, PSException, OSError, ValueError) as error:
                raise InputFileError(describe_failure(path, error),
                                     details={"file": str(path)}) from error
        with reading(path), pdf:
            try:
                return _read_pages(pdf, file, spec)
            except (PdfminerException, PDFSyntaxError, PSException) as error:
                raise InputFileError(describe_failure(path, error),
                                     details={"file": str(path)}) from error


def _read_pages(pdf: Any, file: str, spec: ExtractionSpec) -> Grid:
    count = check_page_count(pdf, file)
    numbers = spec.locate.page_numbers(count)
    if not numbers:
        raise LabelNotFound(f"{file}：共 {count} 页，"
                            f"规格 {spec.name} 要读的第 {spec.locate.pages} 页不在其中",
                            details={"file": file})
    joined: Grid | None = None
    plan: ColumnPlan | None = None
    for page_number in numbers:
        if joined is None or plan is None:
            with page_deadline(file, page_number):
                page, chars, shown = _shown(pdf, file, page_number)
                first = _page_grid(page, chars, file, page_number, spec, first=True)
                refuse_mixed_ink(first, chars)  # a pale character is said as such, before its ink's hue
                mark_red(first, chars)
                refuse_annotations_over(page, first)
                refuse_drawn_characters(page, first)
                first.watermarks += [(page_number, shown.aside)] if shown.aside else []
            if joined is not None:  # the pages before held no table (a long heading): their
                first.preamble[:0] = joined.preamble  # lines head this one (tester AE's F1)
            joined = first
            title = normalise(spec.locate.title or spec.title)
            if title and not any(title in line for line in map(normalise, joined.preamble)):
                raise LabelNotFound(f"{file}，第{page_number}页：找不到标题“{title}”；"
                                    f"该页表外文字：{' | '.join(joined.preamble[:4]) or '无'}",
                                    details={"file": file, "page": page_number})
            plan = ColumnPlan.of(joined) if joined.n_rows else None
            continue
        with page_deadline(file, page_number):
            page, chars, shown = _shown(pdf, file, page_number)
            grid = _page_grid(page, chars, file, page_number, spec, first=False, footers=joined.below)
            refuse_mixed_ink(grid, chars)
            mark_red(grid, chars)
            refuse_annotations_over(page, grid)
            refuse_drawn_characters(page, grid)
            joined.watermarks += [(page_number, shown.aside)] if shown.aside else []
            if grid.n_rows:
                plan.join(joined, grid, page_number)
            # the page's title, unit line and notes; a page holding no rows only the notes
            # (the table's footnote run over onto the next page)
            for lines, into in ((grid.preamble, joined.continued), (grid.below, joined.continued_below)):
                into += [(page_number, text) for text in lines if grid.n_rows or is_note(text)]
    assert joined is not None
    return joined


def _shown(pdf: Any, file: str, page_number: int) -> tuple[Any, list[dict[str, Any]], ShownPage]:
    """The page as it prints (`shown_page`), its characters, and what was left out (a watermark)."""
    shown = shown_page(pdf.pages[page_number - 1], file, page_number)
    if not shown.page.chars and shown.aside:  # all of it left out: no watermark, a page askew or faint
        raise UnreadableFigure(f"{file}，第{page_number}页：本页的文字全是斜排、全透明或在隐藏图层里的"
                               "（整页倾斜？），无法按行和列读取；请报送机构导出端正、清晰的文字版 PDF",
                               details={"file": file, "page": page_number})
    return shown.page, _check_text_layer(shown.page, file, page_number), shown


def _page_grid(page: Any, chars: list[dict[str, Any]], file: str, page_number: int,
               spec: ExtractionSpec, *, first: bool, footers: Sequence[str] = ()) -> Grid:
    """One page's table; a borderless continuation page without the header is read headless."""
    mark_small_digits(chars)  # pdfplumber's tables and our lines read these same characters
    tables = page.find_tables()
    if not tables:
        lines = table_lines(page)
        grid = borderless_grid(lines, chars, file, page_number, spec)
        if first or grid.n_rows:
            return grid
        headless = headless_grid(lines, file, page_number)
        if headless.n_rows and spec.group_column is not None:
            raise LabelNotFound(
                f"{file} 第{page_number}页：表格续页没有表头，且报表按“{spec.group_column.name}”分组；"
                "无表头时无法确定分组标签归属哪些行", details={"file": file, "page": page_number})
        return headless
    grids = [(table, _ruled_grid(table, file, page_number)) for table in tables]
    headed = sorted(((t, g) for t, g in grids if _holds_label_header(g, spec)), key=lambda tg: tg[0].bbox[1])
    chosen = headed or [max(grids, key=lambda tg: len(tg[0].cells))]
    _refuse_other_headed(grids, chosen, spec, file, page_number)
    grid = chosen[0][1]
    for _, below in chosen[1:]:  # tables of the same kind on one page: read as one, so a label
        grid.append(below)       # met in both refuses the file as in a worksheet
    boxes = [table.bbox for table, _ in chosen]
    outside = [c for c in chars if not any(x0 <= c["x0"] and c["x1"] <= x1 and top <= c["top"] <= bottom
                                           for x0, top, x1, bottom in boxes)]
    lowest = max(bottom for _, _, _, bottom in boxes)
    grid.preamble = text_lines([c for c in outside if c["top"] <= lowest])
    grid.below = text_lines([c for c in outside if c["top"] > lowest])  # notes, a footer
    pale = [c for c in outside if (c.get("ink") or 0.0) >= _GREY]  # a watermark's: pale, or drawn
    grid.faint = text_lines(pale) + printed_over(outside)  # over other text
    if not first:
        union = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                 max(b[3] for b in boxes))
        _nothing_beside(outside, union, file, page_number, {_bare(text) for text in footers})
    return grid


def _refuse_other_headed(grids: list[tuple[Any, Grid]], chosen: list[tuple[Any, Grid]], spec: ExtractionSpec,
                         file: str, page_number: int) -> None:
    """A table left out that prints a column title the spec reads (本日数 beside a 上日数 table with
    the label column, both titled 本日 | 较上日): which one is the day's cannot be told (tester BH
    F1, F2, 2026-12-07: the other was dropped without a word, last month's figures read)."""
    for table, other in grids:
        if any(table is taken for taken, _ in chosen):
            continue
        named = next((cell.text for cell in other.cells.values()
                      for column in spec.columns if column.matches(cell.text)), None)
        if named is not None:
            raise DuplicateHeader(
                f"{file} 第{page_number}页：另有一张表也印着列标题“{normalise(named)}”"
                f"（没有“{spec.label_column.name}”列），不知哪一张是要读的；整份报表不读，请向报送机构核实",
                details={"file": file, "page": page_number})


def _holds_label_header(grid: Grid, spec: ExtractionSpec) -> bool:
    """True when a table prints the spec's label column title (项目, 机构代码)."""
    return any(spec.label_column.matches(cell.text) for cell in grid.cells.values())


def _bare(text: str) -> str:
    return "".join(text.split())


def _nothing_beside(outside: list[dict[str, Any]], bbox: tuple[float, float, float, float], file: str,
                    page_number: int, footers: set[str]) -> None:
    """On a continuation page, text beside the ruled table or below it (other than a footnote, a
    page number, or a footer the first page printed under its table too: 内部资料 注意保密, a print
    time, tester BI F7, 2026-12-07) would be rows the table does not hold: an error, not text to
    ignore."""
    _, top, _, bottom = bbox
    for line in char_lines(outside):
        if line[0].top < top:
            continue  # above the table: the page's title
        if is_footnote(line):
            return
        text = " ".join(p.text for p in line)
        if line[0].top > bottom and _bare(text) in footers:
            continue
        where = "之下" if line[0].top > bottom else "旁边"
        raise UnplacedRow(f"{file} 第{page_number}页：“{quoted(text)}”在表格{where}，不在任何一行一列之中，"
                          "无法归位；请核对这一页的表格",
                          details={"file": file, "page": page_number, "texts": [text]})
