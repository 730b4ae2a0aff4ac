r"""Cells whose value cannot be used, marked rather than read (`RawRow.bad`): a formula without
a cached value (a workbook never opened in Excel reads it as nothing in data-only mode), and a
cell holding NUL or another control character.

    >>> bad_cells({"account_no": "6228480012345678901", "depositor_name": "华信\x07科技"})
    {'depositor_name': 'control_char'}
"""

from __future__ import annotations

import re

from flows.account_filing.export_rows import CONTROL_CHAR, FORMULA_UNCOMPUTED
from flows.account_filing.normalise import CellValue
from flows.account_filing.xlsx_source import Uncomputed

# C0 and C1 controls, DEL; tab and line breaks are only whitespace
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# the same in the form .xlsx stores them (_x0007_), which openpyxl hands on undecoded; a user's
# own text "_x0007_" would be stored as _x005F_x0007_
_CONTROL_ESCAPED = re.compile(r"(?<!_x005F)_x00(?:0[0-8BbCcEeFf]|1[0-9A-Fa-f]|7[Ff])_")
# either of the two, cheaply: a control character, or "_x" (most cells hold neither)
_CONTROL_ANY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|_x")


def bad_cells(cells: dict[str, CellValue]) -> dict[str, str] | None:
    """Fields whose cell is an uncomputed formula or holds a control character (None: none)."""
    bad: dict[str, str] | None = None
    for name, value in cells.items():
        if isinstance(value, Uncomputed):
            bad = (bad or {}) | {name: FORMULA_UNCOMPUTED}
        elif isinstance(value, str) and _CONTROL_ANY.search(value) and (
            _CONTROL.search(value) or _CONTROL_ESCAPED.search(value)
        ):
            bad = (bad or {}) | {name: CONTROL_CHAR}
    return bad
