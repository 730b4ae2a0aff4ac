"""Conditional formats over a figure cell (xlsx): a rule that may print another figure refuses it.

A conditional formatting rule restyles the cells of its range when its condition holds: its
style (dxf) may set a number format (`"-"#,##0.00` prints 1.20 as -1.20, `#,##0.00,` divides by
a thousand) or a font colour (a red font is a 红字 negative where the report says so). Whether
the condition holds is a formula the bot does not evaluate, so the rule is taken as applying: a
rule over a figure cell read that sets a font colour, or a number format that does not show the
stored value unchanged (judged as the cell's own format is, number_formats), refuses the file
naming the rule's range and why. A fill, a border, a bold font, a font colour that is not red
(highlights) are no refusal, nor is a red font on figures below zero only (`单元格值 < 0`):
those print their minus.

    cell_figure(cell, "万元", signs)  # NumberFormatError: 条件格式（范围 C5:D13）设置了字体颜色…
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flows.report_extraction.number_formats import (
    affixes,
    figure_in,
    shown_currency,
    shown_problem,
    shown_red,
)
from flows.report_extraction.numbers import NumberFormatError, SignStyle
from flows.report_extraction.red_figures import red_font
from flows.report_extraction.tables import ConditionalStyle, GridCell

Bounds = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col, 1-based as openpyxl's
Rules = list[tuple[list[Bounds], ConditionalStyle]]
_SIGNS = re.compile(r"[-+()−－△▲]")  # a sign beside the digits is judged by shown_problem


def sheet_rules(ws: Any) -> Rules:
    """The conditional formatting rules of an openpyxl worksheet that set a number format or a
    font colour, each with the cell ranges it covers."""
    rules: Rules = []
    for formatting in ws.conditional_formatting:
        bounds = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in formatting.sqref.ranges]
        for rule in formatting.rules:
            dxf = rule.dxf
            number_format = getattr(getattr(dxf, "numFmt", None), "formatCode", None)
            colour = getattr(getattr(dxf, "font", None), "color", None)
            font_colour = _may_be_red(colour) and not _negatives_only(rule)
            if number_format is not None or font_colour:
                rules.append((bounds, ConditionalStyle(str(formatting.sqref), number_format, font_colour)))
    return rules


def _may_be_red(colour: Any) -> bool:
    """A rule's font colour a reader may take for 红字: red as a cell's font is judged
    (`red_figures.red_font`), or a theme colour, which is not resolved here. Blue, green, Excel's
    dark red preset text (9C0006, as a cell's font too) are highlights."""
    return colour is not None and (red_font(colour) or getattr(colour, "type", "") == "theme")


def _negatives_only(rule: Any) -> bool:
    """A rule colouring only figures below zero (`单元格值 < 0`, Excel's usual 负数标红): they
    print their own minus, so a red one reads as stored, never as a 红字 negative of a positive."""
    formula = [str(f).strip() for f in (getattr(rule, "formula", None) or [])]
    return (getattr(rule, "type", None) == "cellIs" and formula == ["0"]
            and getattr(rule, "operator", None) in ("lessThan", "lessThanOrEqual"))


def covering(rules: Rules, row: int, col: int) -> tuple[ConditionalStyle, ...]:
    """The rules whose ranges cover the cell at (`row`, `col`), 1-based."""
    return tuple(style for bounds, style in rules
                 if any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in bounds))


def _why(style: ConditionalStyle, value: object, own_format: str) -> str | None:
    """Why `style` may print `value` as another figure than stored, None when it shows it so."""
    if style.font_colour:
        return "设置了红色字体（红字在会计上可表示负数）"
    code = style.number_format
    if code is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):  # text shows by a 4th section only
        return f"设置了数字格式 {code}，其文本节另加文字" if code.count(";") >= 3 else None
    percent, problem = shown_problem(code, value)
    currency = shown_currency(code, value)
    if percent:
        return f"设置了数字格式 {code}，把数显示为百分比"
    if problem is not None:
        return f"设置了数字格式 {code}，{problem}"
    if currency is not None:
        return f"设置了数字格式 {code}，显示币种“{currency}”"
    if value > 0 and shown_red(code, value):  # a red negative shows its minus too: as stored
        return f"设置了数字格式 {code}，把正数显示为红字（红字在会计上可表示负数）"
    shown, own = ("".join(_SIGNS.sub("", part) for part in affixes(fmt, value))
                  for fmt in (code, own_format))
    if shown != own:
        return f"设置了数字格式 {code}，在数字旁显示“{shown or '（无）'}”（单元格本身的格式不显示）"
    return None


def cell_figure(cell: GridCell, unit: str, signs: frozenset[SignStyle]) -> Decimal | None:
    """The figure of a cell as number_formats.figure_in reads it, once no conditional format over
    the cell may print it as another figure; raises NumberFormatError naming the rule's range."""
    for style in cell.conditional:
        why = _why(style, cell.value, cell.number_format)
        if why is not None:
            raise NumberFormatError(
                f"条件格式（范围 {style.range}）{why}，打印出的数可能与存储的数 {cell.text.strip()} 不同，"
                "无法确定数值；整份报表不读，请报送机构去掉条件格式后重新导出，或报送不带条件格式的报表")
    return figure_in(cell.value, cell.number_format, unit, signs)
