"""The sheets of an .xlsx export: which one to read, and its rows with uncomputed formulas marked.

    >>> names, hidden = sheet_order(workbook, None)      # the active sheet first, hidden ones out
    >>> rows, release, merged, hidden = sheet_rows(path, workbook[names[0]])

openpyxl's data-only mode gives a formula's cached value, and None when the workbook was never
calculated (written by a program, not saved by Excel): that None is not a blank cell. When the
sheet's XML holds any formula at all, its formulas are read beside the values (both streamed) and
such cells come as UNCOMPUTED, those whose result is the empty string as "" (`formula_cells`); a
sheet without formulas is read once, as before.

A workbook whose styles hold a number format that may show a number as other than its digits
(`000000000000`, `"J"0…`) is read cell by cell with the formats (`shown_numbers`); any other
workbook values-only.

Read-only mode does not give merged cells, and a merged range reads as its top-left value with
blanks in its other cells. The same scan of the sheet's XML that looks for formulas collects
every merged range (`MergedRange`: they are listed after the rows), for `merged_cells` to refuse
a merged header cell and a merged cell over a column read below the header.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl.utils import column_index_from_string
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from flows.account_filing.formula_cells import empty_results, mark_uncomputed, recalculated_on_open
from flows.account_filing.hidden_rows import columns_hidden
from flows.account_filing.mac_dates import in_1904_value, uses_1904
from flows.account_filing.normalise import CellValue
from flows.account_filing.rich_text_cells import (
    MarkedText,
    mark_shared_strings,
    marked_inline_cells,
    unescape_shared_strings,
    unescaped,
)
from flows.account_filing.shown_numbers import formats_shown_otherwise, keep_formats, rows_with_formats
from flows.account_filing.unseen_cells import unseen_styles
from rpa.input_files import reading
from rpa.xlsx_files import load_xlsx

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGE_TAG = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
# a row hidden, or under 1 pt high (as invisible in Excel: tester AA's `ht="0" customHeight="1"`,
# tester AC's 0.1); in a sheet whose rows are hidden unless sized (`zeroHeight`), a row not sized
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?(?:hidden="(?:1|true)"|\sht="0*(?:\.\d*)?")[^>]*>')
_ESCAPED = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_ROWS_HIDDEN_BY_DEFAULT = re.compile(rb'<(?:\w+:)?sheetFormatPr\s[^>]*?zeroHeight="(?:1|true)"')
_UNSIZED_ROW = re.compile(rb'<(?:\w+:)?row\s(?![^>]*?customHeight="(?:1|true)")[^>]*>')
_ROW_NUMBER = re.compile(rb'\sr="(\d{1,7})"')
_TAIL = 512  # bytes kept from the chunk before: longer than any <mergeCell …/> or <row …> tag
Rows = Iterator[Sequence[CellValue]]


@dataclass(frozen=True, slots=True)
class MergedRange:
    """A merged range as the sheet states it (`H1:I1`), its bounds 1-based and inclusive."""

    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


class SheetRows(NamedTuple):
    """A sheet's rows, how to release their second read, its merged ranges and its hidden rows'
    numbers (`hidden_rows.UNNUMBERED` for a hidden row that states none)."""

    rows: Rows
    release: Callable[[], None]
    merged: tuple[MergedRange, ...]
    hidden: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()  # 1-based


class _Scan(NamedTuple):
    formulas: bool
    merged: tuple[MergedRange, ...]
    hidden: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    escapes: bool = False  # an `_xHHHH_` escape in the sheet's own XML (inline strings)
    empty: frozenset[tuple[int, int]] = frozenset()  # formula cells whose result is ""


_NOTHING_FOUND = _Scan(False, ())


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


def sheet_rows(path: Path, worksheet: Any) -> SheetRows:
    """The sheet's rows, uncomputed formulas as UNCOMPUTED, how to release the second read (a
    no-op when there is none), its merged ranges and its hidden rows."""
    unescape_shared_strings(worksheet)  # before its rows are read: they take the table's strings
    white_runs = mark_shared_strings(path, worksheet)
    rows = _values(worksheet, formats=True, white_runs=white_runs)
    scan = _scan_sheet(path, worksheet)
    if scan.escapes:  # inline strings holding _x000A_: read as the characters they stand for
        rows = (keep_formats(row, [unescaped(v) if type(v) is str else v for v in row]) for row in rows)
    if inline := marked_inline_cells(path, worksheet, unseen_styles(worksheet.parent).shown):
        rows = _inline_marked(rows, inline)
    formulas = _formula_rows(path, worksheet) if scan.formulas else None
    if formulas is None:
        return SheetRows(rows, _nothing, scan.merged, scan.hidden, scan.hidden_columns)
    marked = mark_uncomputed(rows, formulas[0], stale=recalculated_on_open(path), empty=scan.empty)
    return SheetRows(marked, formulas[1], scan.merged, scan.hidden, scan.hidden_columns)


def _inline_marked(rows: Rows, marks: dict[tuple[int, int], MarkedText]) -> Rows:
    """Rows (from row 1: read-only mode fills the rows a sheet skips) with each inline string
    `marked_inline_cells` found marked as such."""
    by_row: dict[int, list[tuple[int, MarkedText]]] = {}
    for (line, column), mark in marks.items():
        by_row.setdefault(line, []).append((column - 1, mark))
    for number, row in enumerate(rows, start=1):
        at = by_row.get(number)
        if at and any(index < len(row) and isinstance(row[index], str) for index, _ in at):
            values = list(row)
            for index, mark in at:
                if index < len(values) and isinstance(values[index], str):
                    values[index] = MarkedText(str(values[index]), dict(mark.counts))
            row = keep_formats(row, values)
        yield row


def _nothing(*_: object) -> None:
    return None


def _values(worksheet: Any, *, formats: bool = False, white_runs: bool = False) -> Rows:
    # exporters often write a wrong <dimension>; without a reset read-only mode trusts it
    worksheet.reset_dimensions()
    rows: Rows
    unseen = unseen_styles(worksheet.parent, white_runs=white_runs) if formats else None
    if formats and (unseen or formats_shown_otherwise(worksheet.parent)):  # numbers as shown too
        rows = rows_with_formats(worksheet.iter_rows(), unseen)
    else:
        rows = worksheet.iter_rows(values_only=True)
    return _marked_1904(rows) if uses_1904(worksheet.parent) else rows


def _marked_1904(rows: Rows) -> Rows:
    """Each number of a 1904 workbook's rows marked so (`mac_dates`: a date column counts it
    from 1904-01-01)."""
    for row in rows:
        yield keep_formats(row, [in_1904_value(value) for value in row])  # type: ignore[misc]


def _scan_sheet(path: Path, worksheet: Any) -> _Scan:
    """Whether the sheet's XML holds any formula, its merged ranges, its hidden rows and columns:
    scanned in chunks without parsing it."""
    member = getattr(worksheet, "_worksheet_path", None)
    if not member:
        return _NOTHING_FOUND
    formulas, tail, hidden_by_default = False, b"", False
    merged: dict[str, MergedRange] = {}
    hidden: set[int] = set()
    columns: set[int] = set()
    escapes = False
    empty: set[tuple[int, int]] = set()
    try:
        # a sheet that does not unzip is damage (InputFileError), never "no formulas"
        with reading(path), zipfile.ZipFile(path) as archive, archive.open(member) as handle:
            while chunk := handle.read(1 << 16):
                window = tail + chunk
                formulas = formulas or _FORMULA_TAG.search(window) is not None
                empty.update(empty_results(window) if formulas else ())
                if b"mergeCell" in window:
                    for found in _MERGE_TAG.finditer(window):
                        merge = _merged_range(found)
                        if merge is not None:
                            merged[merge.ref] = merge
                hidden_by_default = hidden_by_default or _ROWS_HIDDEN_BY_DEFAULT.search(window) is not None
                if hidden_by_default or b"hidden" in window or b'ht="0' in window:  # hidden_rows refuses
                    tags = (_UNSIZED_ROW, _HIDDEN_ROW) if hidden_by_default else (_HIDDEN_ROW,)
                    for tag in (found for pattern in tags for found in pattern.finditer(window)):
                        number = _ROW_NUMBER.search(tag.group(0))
                        hidden.add(int(number.group(1)) if number else 0)
                escapes = escapes or _ESCAPED.search(window) is not None
                if b"<col" in window or b":col" in window:
                    columns.update(columns_hidden(window))
                tail = chunk[-_TAIL:]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return _NOTHING_FOUND  # the data-only read reports the damage
    return _Scan(formulas, tuple(merged.values()), frozenset(hidden), frozenset(columns), escapes,
                 frozenset(empty))



def _merged_range(found: re.Match[bytes]) -> MergedRange | None:
    """The range a <mergeCell> names; None for a column past XFD (no sheet has one)."""
    first_col, first_row, last_col, last_row = (part.decode("ascii") for part in found.groups())
    try:
        columns = column_index_from_string(first_col), column_index_from_string(last_col)
    except ValueError:
        return None
    rows = int(first_row), int(last_row)
    return MergedRange(
        f"{first_col}{first_row}:{last_col}{last_row}", min(columns), min(rows), max(columns), max(rows)
    )


def _formula_rows(path: Path, worksheet: Any) -> tuple[Rows, Callable[[], None]] | None:
    """The sheet's rows with formulas as text, streamed beside the cached values (only for a
    sheet that has formulas: the usual export is not read twice)."""
    try:
        formulas = open_read_only(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None  # the data-only read reports the damage
    return _values(formulas[worksheet.title]), formulas.close
