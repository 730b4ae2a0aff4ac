"""Formula cells of an .xlsx export: which hold no result, which a stale one, which an empty one.

openpyxl's data-only mode gives a formula's cached value, and None both when the workbook was
never calculated (written by a program, not saved by Excel: no `<v>`) and when the formula's result
is the empty string (`t="str"` and `<v/>` or `<v></v>`: Excel's `=IF(B5="","",…)` filled down a
template, tester BA F12 of 2026-12-07). The first is UNCOMPUTED, never a blank cell; the second
a blank cell.

    >>> empty = set(empty_results(window))            # (row, column) of formulas whose result is ""
    >>> rows = mark_uncomputed(values, formulas, stale=recalculated_on_open(path), empty=empty)
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.formula import ArrayFormula

from flows.account_filing.normalise import CellValue
from flows.account_filing.shown_numbers import keep_formats
from rpa.input_files import reading

_FULL_CALC = re.compile(rb'<(?:\w+:)?calcPr\s[^>]*?fullCalcOnLoad="(?:1|true)"')
# a cell of a text result (`t="str"`: openpyxl writes a formula it never computed as `<v />`
# without it), its reference, a formula (`<f …/>` shared, or `<f>…</f>`) and an empty result
_EMPTY_RESULT = re.compile(
    rb'<(?:\w+:)?c\s(?=(?:[^>]*?\s)?t="str")[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*>\s*'
    rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>[^<]*</(?:\w+:)?f>)\s*<(?:\w+:)?v\s*(?:/>|>\s*</(?:\w+:)?v>)"
)


class Uncomputed(str):
    """A formula cell with no cached value: reads as "" but is never taken for a blank cell."""

    __slots__ = ()


class Stale(Uncomputed):
    """A formula cell of a workbook that asks to be recalculated when opened (`fullCalcOnLoad`),
    holding its cached value as text: that is whatever the program that wrote it left, not what
    Excel will show (tester AA: account ...999 filed where the formula gives ...104)."""

    __slots__ = ()


UNCOMPUTED = Uncomputed("")


def recalculated_on_open(path: Path) -> bool:
    """Whether the workbook asks Excel to recalculate every formula when it is opened."""
    try:
        with reading(path), zipfile.ZipFile(path) as archive:
            return _FULL_CALC.search(archive.read("xl/workbook.xml")) is not None
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False  # the data-only read reports the damage


def empty_results(window: bytes) -> Iterator[tuple[int, int]]:
    """(row, column), 1-based, of each formula cell in `window` (sheet XML) whose result is empty."""
    if b't="str"' in window:
        for found in _EMPTY_RESULT.finditer(window):
            yield int(found.group(2)), column_index_from_string(found.group(1).decode("ascii"))


def mark_uncomputed(
    values: Iterator[Sequence[CellValue]], formulas: Iterator[Sequence[CellValue]], *, stale: bool,
    empty: frozenset[tuple[int, int]] = frozenset(),
) -> Iterator[Sequence[CellValue]]:
    """Formula cells without a cached value as UNCOMPUTED (those of `empty`, whose result is "",
    as ""); in a workbook recalculated on open, every other formula cell as STALE. The rows
    come from row 1 (read-only mode fills the rows a sheet skips)."""
    for number, cached in enumerate(values, start=1):
        written = next(formulas, ())
        if (stale or any(v is None for v in cached)) and any(is_formula(f) for f in written):
            cached = keep_formats(cached, [
                _marked(v, stale, (number, i + 1) in empty) if i < len(written) and is_formula(written[i])
                else v for i, v in enumerate(cached)
            ])
        yield cached


def _marked(value: CellValue, stale: bool, empty: bool) -> CellValue:
    if stale:
        return UNCOMPUTED if value is None and not empty else Stale("" if value is None else value)
    return ("" if empty else UNCOMPUTED) if value is None else value


def is_formula(value: object) -> bool:
    return isinstance(value, ArrayFormula) or (isinstance(value, str) and value.startswith("="))
