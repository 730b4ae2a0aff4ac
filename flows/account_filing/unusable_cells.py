r"""Cells whose value cannot be used, marked rather than read (`RawRow.bad`): a formula without
a cached value (a workbook never opened in Excel reads it as nothing in data-only mode) or in
a workbook that asks to be recalculated on open (its cached value may be stale), a
cell holding NUL or another control character, an Excel error value (`#N/A`, `#REF!`: a failed
lookup, as an error cell or as the text a CSV export writes) and an empty value written as text
by the program that made the export (`NULL`, `None`, `nan`): tester AA saw `#N/A` filed as a
registered address over the good one in AMS; and a cell of rich text with a run Excel shows
struck, raised, much smaller or white (`rich_text_cells`: tester BA's struck old name filed
glued to the new one).

    >>> bad_cells({"account_no": "6228480012345678901", "depositor_name": "华信\x07科技"})
    {'depositor_name': 'control_char'}
"""

from __future__ import annotations

import re
import unicodedata

from flows.account_filing.export_rows import (
    CONTROL_CHAR,
    EXCEL_ERROR,
    FORMULA_STALE,
    FORMULA_UNCOMPUTED,
    LINE_BREAK,
    MULTILINE_FIELDS,
    PLACEHOLDER,
    RICH_TEXT_MARKED,
)
from flows.account_filing.formula_cells import Stale, Uncomputed
from flows.account_filing.normalise import CellValue
from flows.account_filing.rich_text_cells import MarkedText

# C0 and C1 controls, DEL; tab and line breaks are only whitespace
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# the same in the form .xlsx stores them (_x0007_), which openpyxl hands on undecoded; a user's
# own text "_x0007_" would be stored as _x005F_x0007_
_CONTROL_ESCAPED = re.compile(r"(?<!_x005F)_x00(?:0[0-8BbCcEeFf]|1[0-9A-Fa-f]|7[Ff])_")
# either of the two, cheaply: a control character, or "_x" (most cells hold neither)
_CONTROL_ANY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|_x")
# whole cells, upper-cased: Excel's error values (with the newer ones) and empty values as text
_NOT_DATA = {
    **dict.fromkeys(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                     "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                     "#EXTERNAL!", "#PYTHON!"), EXCEL_ERROR),
    **dict.fromkeys(("NULL", "(NULL)", "<NULL>", "NONE", "NAN", "UNDEFINED", "N/A", "N.A.", "-", "--", "—",
                     "——", "无", "空"), PLACEHOLDER),  # dashes and 无: tester AC's N1, N/A over an address
}
_BREAK = re.compile(r"[\r\n\u2028\u2029\x85\v\f]")  # a line break inside the cell (Alt+Enter)
_LONGEST = max(map(len, _NOT_DATA)) + 2  # a few spaces around


def bad_cells(cells: dict[str, CellValue]) -> dict[str, str] | None:
    """Fields whose cell is an uncomputed formula, holds a control character, an Excel error
    value or an empty value as text (None: none)."""
    bad: dict[str, str] | None = None
    for name, value in cells.items():
        if isinstance(value, MarkedText) and value.counts:  # struck, raised or white text glued to the rest
            bad = (bad or {}) | {name: RICH_TEXT_MARKED}
        elif isinstance(value, str) and len(value) <= _LONGEST and (word := _word(value)) in _NOT_DATA:
            bad = (bad or {}) | {name: _NOT_DATA[word]}  # a stale #N/A too
        elif isinstance(value, Uncomputed):
            bad = (bad or {}) | {name: FORMULA_STALE if isinstance(value, Stale) else FORMULA_UNCOMPUTED}
        elif isinstance(value, str) and _CONTROL_ANY.search(value) and (
            _CONTROL.search(value) or _CONTROL_ESCAPED.search(value)
        ):
            bad = (bad or {}) | {name: CONTROL_CHAR}
        elif isinstance(value, str) and name not in MULTILINE_FIELDS and _BREAK.search(value.strip()):
            bad = (bad or {}) | {name: LINE_BREAK}  # tester BA: a remark on a name's second line
    return bad


def _word(text: str) -> str:
    """A short cell as looked up in _NOT_DATA: full-width folded (＃Ｎ／Ａ, －), spaces off, upper case."""
    return unicodedata.normalize("NFKC", text).strip().upper()
