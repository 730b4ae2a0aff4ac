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
from rpa.input_files import check_pdf, describe_failure, reading

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
        raise ScannedPdf(f"{file}: scanned PDF: no text layer (page {page_number} has no characters"
                         f"{f', only {images} image(s)' if images else ''}); it needs OCR or a text export",
                         details={"file": file, "page": page_number})
    for char in chars:
        if char["text"].startswith("(cid:"):
            raise MissingUnicodeMap(
                f"{file}, page {page_number}: font without a Unicode map: glyphs come out as "
                f"{char['text']} (font {char.get('fontname', '?')}); the text cannot be read reliably",
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
    check_pdf(path)
    with reading(path):  # what pdfminer raises on a broken file, closing included
        try:
            pdf = pdfplumber.open(path)
        except (PdfminerException, PDFSyntaxError, PSException, OSError, ValueError) as error:
            raise InputFileError(describe_failure(path, error), details={"file": str(path)}) from error
    with reading(path), pdf:
        try:
            return _read_pages(pdf, file, spec)
        except (PdfminerException, PDFSyntaxError, PSException) as error:
            raise InputFileError(describe_failure(path, error), details={"file": str(path)}) from error


def _read_pages(pdf: Any, file: str, spec: ExtractionSpec) -> Grid:
    numbers = spec.locate.page_numbers(len(pdf.pages))
    if not numbers:
        raise LabelNotFound(f"{file}: {len(pdf.pages)} page(s), none in range {spec.locate.pages}",
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
                raise LabelNotFound(f"{file}: title {title!r} not found on page {page_number}; "
                                    f"text seen there: {' | '.join(grid.preamble[:4]) or 'none'}",
                                    details={"file": file, "page": page_number})
        elif grid.n_cols == joined.n_cols:
            joined.append(grid, skip_rows=_matching_prefix(joined, grid))
    assert joined is not None
    return joined
