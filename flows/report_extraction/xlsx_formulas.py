"""A formula's saved result against what the formula computes, for `xlsx_reader`.

A workbook keeps each formula and, beside it, the result last computed. Excel and WPS compute the
formulas again when they open a workbook (always, when it says `fullCalcOnLoad`), so what a
person sees is the formula's value, while openpyxl hands over the saved result. A workbook edited
by a program that changed a formula or its inputs without computing it again shows one figure
and stores another (tester BO F3, 2026-12-08: `=80000+3630.87` saved as 99,999.99 was read).

    stale = stale_results({"C6": "=80000+3630.87"}, {"C6": 99999.99}, sheet_values.get)
    # [("C6", "=80000+3630.87", Decimal("83630.87"), 99999.99)]

Only formulas of numbers, cells of the same sheet, + - * /, brackets and SUM over cells or ranges
are computed here; any other formula (another sheet, another function) keeps its saved result.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from openpyxl.utils import column_index_from_string, get_column_letter

_REF = re.compile(r"\$?([A-Z]{1,3})\$?([1-9]\d{0,6})")
_SUM = re.compile(r"SUM\(([^()]*)\)", re.IGNORECASE)
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?([1-9]\d{0,6}):\$?([A-Z]{1,3})\$?([1-9]\d{0,6})")
_MOST_CELLS = 10_000
_OPERATORS = {ast.Add: Decimal.__add__, ast.Sub: Decimal.__sub__, ast.Mult: Decimal.__mul__,
              ast.Div: Decimal.__truediv__}


def stale_results(formulas: Mapping[str, str], saved: Mapping[str, object],
                  value_of: Callable[[str], object]) -> list[tuple[str, str, Decimal, object]]:
    """(cell, formula, what it computes, the saved result) of each formula whose saved result is
    another number than the one it computes (by more than half a cent)."""
    found = []
    for ref, formula in sorted(formulas.items()):
        computed, kept = evaluate(formula, value_of), _number(saved.get(ref))
        if computed is not None and kept is not None and abs(computed - kept) > Decimal("0.005"):
            found.append((ref, formula, computed, saved.get(ref)))
    return found


def evaluate(formula: str, value_of: Callable[[str], object]) -> Decimal | None:
    """The formula's value, or None for one not computed here."""
    text = formula.strip().lstrip("=").strip().upper()
    if "!" in text or not text:
        return None
    try:
        text = _SUM.sub(lambda m: "(" + "+".join(_cells(m.group(1))) + ")", text)
        tree = ast.parse(_REF.sub(lambda m: f"{m.group(1)}_{m.group(2)}", text), mode="eval")
        return _value(tree.body, value_of)
    except (SyntaxError, ValueError, InvalidOperation, ZeroDivisionError, RecursionError):
        return None


def _cells(arguments: str) -> list[str]:
    cells: list[str] = []
    for part in (p.strip() for p in arguments.split(",")):
        if (span := _RANGE.fullmatch(part)) is not None:
            first, last = sorted((column_index_from_string(span[1]), column_index_from_string(span[3])))
            top, bottom = sorted((int(span[2]), int(span[4])))
            if (last - first + 1) * (bottom - top + 1) > _MOST_CELLS:
                raise ValueError(part)
            columns = [get_column_letter(c) for c in range(first, last + 1)]
            cells += [f"{column}{r}" for r in range(top, bottom + 1) for column in columns]
        elif part:
            cells.append(part)
    return cells or ["0"]


def _value(node: ast.expr, value_of: Callable[[str], object]) -> Decimal | None:
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name) and (ref := re.fullmatch(r"([A-Z]{1,3})_(\d+)", node.id)):
        value = value_of(f"{ref[1]}{ref[2]}")
        return Decimal(0) if value is None else _number(value)  # an empty cell counts 0, as in Excel
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand, value_of)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _value(node.left, value_of), _value(node.right, value_of)
        return None if left is None or right is None else _OPERATORS[type(node.op)](left, right)
    return None


def _number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(str(value))
