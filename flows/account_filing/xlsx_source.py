"""The sheets of an .xlsx export: which one to read, and its rows with uncomputed formulas marked.

    >>> names, hidden = sheet_order(workbook, None)      # the active sheet first, hidden ones out
    >>> rows, release = sheet_rows(path, workbook[names[0]])

openpyxl's data-only mode gives a formula's cached value, and None when the workbook was never
calculated (written by a program, not saved by Excel): that None is not a blank cell. When the
sheet's XML holds any formula at all, its formulas are read beside the values (both streamed) and
such cells come as UNCOMPUTED; a sheet without formulas is read once, as before.

Workbooks are opened with `open_read_only`: openpyxl looks for each sheet's <dimension> when it
opens a workbook, and where a sheet has none before its data (openpyxl's own write-only mode and
other streaming writers put none there) that look parses the whole sheet for nothing, since rows
are read with the dimensions reset anyway (a sheet claiming A1:Z1048576 is read to its data).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.formula import ArrayFormula

from flows.account_filing.normalise import CellValue
from rpa.input_files import reading
from rpa.xlsx_files import load_xlsx

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
Rows = Iterator[Sequence[CellValue]]


class Uncomputed(str):
    """A formula cell with no cached value: reads as "" but is never taken for a blank cell."""

    __slots__ = ()


UNCOMPUTED = Uncomputed("")


def open_read_only(path: Path, *, data_only: bool) -> Any:
    """openpyxl's read-only workbook, its sheets' claimed sizes not read (see the module's doc)."""
    with _sizes_unread():
        return load_xlsx(path, read_only=True, data_only=data_only)


@contextmanager
def _sizes_unread() -> Iterator[None]:
    # one process reads one workbook at a time here (validation is not threaded)
    get_size = ReadOnlyWorksheet._get_size
    ReadOnlyWorksheet._get_size = _nothing
    try:
        yield
    finally:
        ReadOnlyWorksheet._get_size = get_size


def sheet_order(workbook: Any, sheet: str | None) -> tuple[list[str], list[str]]:
    """(sheets to try, hidden sheets skipped): the named one, else the active one if visible,
    then the other visible sheets in book order."""
    if sheet is not None:
        return [sheet], []
    visible = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]
    hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
    active = workbook.active
    first = [active.title] if active is not None and active.title in visible else []
    return first + [name for name in visible if name not in first], hidden


def sheet_rows(path: Path, worksheet: Any) -> tuple[Rows, Callable[[], None]]:
    """The sheet's rows, uncomputed formulas as UNCOMPUTED, and how to release the second read
    (a no-op when there is none)."""
    rows = _values(worksheet)
    formulas = _formula_rows(path, worksheet)
    if formulas is None:
        return rows, _nothing
    return _mark_uncomputed(rows, formulas[0]), formulas[1]


def _nothing(*_: object) -> None:
    return None


def _values(worksheet: Any) -> Rows:
    # exporters often write a wrong <dimension>; without a reset read-only mode trusts it
    worksheet.reset_dimensions()
    rows: Iterator[Sequence[CellValue]] = worksheet.iter_rows(values_only=True)
    return rows


def _has_formulas(path: Path, member: str) -> bool:
    """Whether a sheet's XML holds any formula, scanned in chunks without parsing it."""
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
        while chunk := handle.read(1 << 16):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _formula_rows(path: Path, worksheet: Any) -> tuple[Rows, Callable[[], None]] | None:
    """The sheet's rows with formulas as text, streamed beside the cached values; None when the
    sheet has no formula (the usual export: nothing is read twice)."""
    member = getattr(worksheet, "_worksheet_path", None)
    try:
        with reading(path):  # a sheet that does not unzip is damage, never "no formulas"
            if not member or not _has_formulas(path, member):
                return None
        formulas = open_read_only(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None  # the data-only read reports the damage
    return _values(formulas[worksheet.title]), formulas.close


def _mark_uncomputed(
    values: Iterator[Sequence[CellValue]], formulas: Iterator[Sequence[CellValue]]
) -> Iterator[Sequence[CellValue]]:
    for cached in values:
        written = next(formulas, ())
        if any(v is None for v in cached) and any(_is_formula(f) for f in written):
            cached = [
                UNCOMPUTED if v is None and i < len(written) and _is_formula(written[i]) else v
                for i, v in enumerate(cached)
            ]
        yield cached


def _is_formula(value: object) -> bool:
    return isinstance(value, ArrayFormula) or (isinstance(value, str) and value.startswith("="))
