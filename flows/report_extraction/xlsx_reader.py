"""Read a report sheet from an xlsx workbook into a Grid (openpyxl).

Merged cells become one spanning cell; hidden rows, columns and sheets are marked so the
extraction skips them; numbers stored as text stay text (the extraction parses them); formulas
are read as the cached values a spreadsheet program saved: a formula without one is an error.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import normalise
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import InputFileError, LabelNotFound, UnreadableFigure
from rpa.input_files import check_xlsx, reading

_TITLE_ROWS = 10  # a title is looked for in the first rows of a sheet


def _open(path: Path, *, data_only: bool) -> Any:
    check_xlsx(path)
    try:
        with reading(path):
            return load_workbook(path, data_only=data_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputFileError(f"{path.name}: not a readable xlsx workbook ({type(error).__name__}: {error})",
                             details={"file": str(path)}) from error


def _pick_sheet(book: Any, spec: ExtractionSpec, path: Path) -> Worksheet:
    visible = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if spec.locate.sheet is not None:
        for ws in visible:
            if normalise(ws.title) == normalise(spec.locate.sheet):
                return ws
    title = normalise(spec.locate.title or spec.title)
    for ws in visible:
        for row in ws.iter_rows(min_row=1, max_row=_TITLE_ROWS, values_only=True):
            if any(isinstance(v, str) and title in normalise(v) for v in row):
                return ws
    names = ", ".join(ws.title + ("" if ws.sheet_state == "visible" else " (hidden)")
                      for ws in book.worksheets)
    raise LabelNotFound(f"{path.name}: no visible sheet named {spec.locate.sheet!r} or titled {title!r}; "
                        f"sheets seen: {names}", details={"file": str(path)})


def _places(number_format: str) -> int | None:
    match = re.search(r"0\.(0+)", number_format)
    if match:
        return len(match.group(1))
    return 0 if "0" in number_format else None


def _shown(value: object, number_format: str) -> str:
    """The value as the sheet shows it (enough for provenance and rounding tolerance)."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        places = _places(number_format)
        if places is not None:
            text = f"{abs(value):,.{places}f}"
            if value < 0:
                return f"({text})" if "(" in number_format else f"-{text}"
            return text
        return repr(value)
    return str(value)


def read_xlsx(path: Path, spec: ExtractionSpec) -> Grid:
    """The report sheet as a Grid; raises InputFileError, LabelNotFound or UnreadableFigure."""
    book = _open(path, data_only=False)
    sheet = _pick_sheet(book, spec, path)
    formulas = {c.coordinate for row in sheet.iter_rows() for c in row
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))}
    cached: dict[str, object] = {}
    if formulas:
        values_sheet = _open(path, data_only=True)[sheet.title]
        cached = {ref: values_sheet[ref].value for ref in formulas}
        missing = sorted(ref for ref, value in cached.items() if value is None)
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise UnreadableFigure(
                f"{path.name}, sheet {sheet.title}: formula without a cached value in {shown} "
                "(the workbook was never recalculated; open and save it in a spreadsheet program)",
                details={"file": str(path), "cells": missing})
    grid = Grid(file=path.name, sheet=sheet.title)
    spans = {(m.min_row, m.min_col): (m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
             for m in sheet.merged_cells.ranges}
    covered = {(r, c) for m in sheet.merged_cells.ranges
               for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for row in sheet.iter_rows():
        for cell in row:
            position = (cell.row, cell.column)
            if position in covered and position not in spans:
                continue
            value = cached.get(cell.coordinate, cell.value)
            if value is None and position not in spans:
                continue
            row_span, col_span = spans.get(position, (1, 1))
            assert cell.row is not None and cell.column is not None
            grid.put(GridCell(
                text=_shown(value, cell.number_format), value=value, row=cell.row - 1, col=cell.column - 1,
                provenance=Provenance(file=path.name, sheet=sheet.title, cell=cell.coordinate),
                row_span=row_span, col_span=col_span))
    grid.hidden_rows = {r - 1 for r, dim in sheet.row_dimensions.items() if dim.hidden}
    grid.hidden_cols = {c - 1 for c in range(1, grid.n_cols + 1)
                        if sheet.column_dimensions[get_column_letter(c)].hidden}
    return grid
