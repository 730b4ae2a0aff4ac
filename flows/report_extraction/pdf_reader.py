"""Read a report table from a PDF into a Grid (pdfplumber).

Each PDF is opened once and each page gets one `find_tables()`; the table's cells (with their
positions) become grid cells, spans included. A table continued on the next pages with its
header repeated is joined here: pdfplumber does not do it. A page without ruling lines goes to
the borderless reader. A page without characters is a scan; characters that come out as
(cid:NNN) mean a font without a Unicode map: both are errors, never empty figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_layout import borderless_grid, text_lines
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import InputFileError, LabelNotFound, MissingUnicodeMap, ScannedPdf

_EPSILON = 0.5


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
                         f"{f'，只有 {images} 张图片' if images else ''}）；需要 OCR 或从系统导出文字版",
                         details={"file": file, "page": page_number})
    for char in chars:
        if char["text"].startswith("(cid:"):
            raise MissingUnicodeMap(
                f"{file}，第{page_number}页：字体缺少 Unicode 映射，文字读出来是 "
                f"{char['text']}（字体 {char.get('fontname', '?')}）；无法可靠读取文字，请从系统重新导出",
                details={"file": file, "page": page_number, "font": char.get("fontname")})
    return chars


def _matching_prefix(first: Grid, other: Grid) -> int:
    """How many leading rows of `other` repeat the leading rows of `first` (a repeated header)."""
    count = 0
    while count < min(first.n_rows, other.n_rows) and other.row_texts(count) == first.row_texts(count):
        count += 1
    return count


def read_pdf(path: Path, spec: ExtractionSpec) -> Grid:
    """The report table (joined across pages) as a Grid."""
    file = path.name
    try:
        pdf = pdfplumber.open(path)
    except (PdfminerException, PDFSyntaxError, PSException, OSError, ValueError) as error:
        raise InputFileError(f"{file}：不是能读的 PDF（文件损坏、未下载完整或并非 PDF；"
                             f"{type(error).__name__}），请重新下载", details={"file": str(path)}) from error
    with pdf:
        try:
            return _read_pages(pdf, file, spec)
        except (PdfminerException, PDFSyntaxError, PSException) as error:
            raise InputFileError(f"{file}：不是能读的 PDF（文件损坏、未下载完整或并非 PDF；"
                                 f"{type(error).__name__}），请重新下载",
                                 details={"file": str(path)}) from error


def _read_pages(pdf: Any, file: str, spec: ExtractionSpec) -> Grid:
    numbers = spec.locate.page_numbers(len(pdf.pages))
    if not numbers:
        raise LabelNotFound(f"{file}：共 {len(pdf.pages)} 页，"
                            f"规格 {spec.name} 要读的第 {spec.locate.pages} 页不在其中",
                            details={"file": file})
    joined: Grid | None = None
    for page_number in numbers:
        page = pdf.pages[page_number - 1]
        chars = _check_text_layer(page, file, page_number)
        tables = page.find_tables()
        if tables:
            table = max(tables, key=lambda t: len(t.cells))
            grid = _ruled_grid(table, file, page_number)
            x0, top, x1, bottom = table.bbox
            outside = [c for c in chars
                       if not (x0 <= c["x0"] and c["x1"] <= x1 and top <= c["top"] <= bottom)]
            grid.preamble = text_lines(outside)
        else:
            grid = borderless_grid(page, chars, file, page_number, spec)
        if joined is None:
            joined = grid
            title = normalise(spec.locate.title or spec.title)
            if title and not any(title in line for line in map(normalise, grid.preamble)):
                raise LabelNotFound(f"{file}，第{page_number}页：找不到标题“{title}”；"
                                    f"该页表外文字：{' | '.join(grid.preamble[:4]) or '无'}",
                                    details={"file": file, "page": page_number})
        elif grid.n_cols == joined.n_cols:
            joined.append(grid, skip_rows=_matching_prefix(joined, grid))
    assert joined is not None
    return joined
