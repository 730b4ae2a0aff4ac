"""A conditional format that may print a figure cell read as another number refuses the file.

A conditional formatting rule's style (dxf) can set a number format or a font colour on the cells
its range covers: `"-"#,##0.00` prints 1.20 as -1.20, `#,##0.00,` prints 2,345.60 as 2.35, a red
font with `负数以红字表示` under the table makes 1.20 a 红字 -1.20. The extraction read the stored
value and ignored the rule. Which rules apply is a formula the bot does not evaluate, so a rule
covering a figure cell read that sets a font colour, or a number format that does not show the
stored value unchanged (the judge of a cell's own format, number_formats), refuses the file naming
the sheet, the cell, the rule's range and why. A fill or a border (a highlight), a bold font, a
format showing the value unchanged, and a rule over no figure cell read are no refusal.

Every workbook is written here by hand with openpyxl (tests/hand_reports: 储蓄存款余额 on row 5,
B 本日 2345.6, C 较上日 1.2, D 较年初 45.6; rows 5-13 the figures).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, daily_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
NOTE = "注：负数以红字表示。"


def _with_rule(tmp_path: Path, cells: str, dxf: DifferentialStyle, below: tuple[str, ...] = ()) -> Path:
    """The hand-written 网点经营日报 with one rule `D > 0` styled `dxf` over `cells`."""
    path = daily_workbook(tmp_path / "cf.xlsx", below=below)
    book = openpyxl.load_workbook(path)
    rule = Rule(type="cellIs", operator="greaterThan", formula=["0"], dxf=dxf)
    book["网点经营日报"].conditional_formatting.add(cells, rule)
    book.save(path)
    return path


def _number_format(code: str) -> DifferentialStyle:
    return DifferentialStyle(numFmt=NumberFormat(numFmtId=200, formatCode=code))


@pytest.mark.parametrize(("cells", "dxf", "below", "cell", "why"), [
    ("C5", _number_format('"-"#,##0.00'), (), "C5", "正数显示为负数"),
    ("B5:B13", _number_format("#,##0.00,"), (), "B5", "缩小显示"),
    ("B5:B13", _number_format("0.00%"), (), "B5", "百分比"),
    ("B5:D13", _number_format('#,##0.00"元"'), (), "B5", "元"),
    ("C5:D13", DifferentialStyle(font=Font(color="FFFF0000")), (NOTE,), "C5", "红色字体"),
    ("C5:D13", DifferentialStyle(font=Font(color="FFC00000")), (), "C5", "红色字体"),
], ids=["minus", "scaled", "percent", "unit", "red-with-note", "dark-red"])
def test_a_rule_that_may_print_another_figure_refuses_naming_sheet_range_and_why(
        tmp_path: Path, cells: str, dxf: DifferentialStyle, below: tuple[str, ...], cell: str,
        why: str) -> None:
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(_with_rule(tmp_path, cells, dxf, below), load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert f"网点经营日报!{cell}" in said and f"条件格式（范围 {cells}）" in said and why in said
    assert "去掉条件格式" in said


@pytest.mark.parametrize(("cells", "dxf"), [
    ("B5:D13", DifferentialStyle(fill=PatternFill(bgColor="FFFFFF00"))),
    ("B5:D13", DifferentialStyle(border=Border(left=Side(style="thin")))),
    ("B5:D13", DifferentialStyle(font=Font(b=True))),
    ("B5:D13", _number_format("#,##0.00")),
    ("B5:D13", _number_format("#,##0.00;[Red]-#,##0.00")),
    ("A1:A3", DifferentialStyle(font=Font(color="FFFF0000"), numFmt=NumberFormat(201, "0%"))),
    ("B5:D13", DifferentialStyle(font=Font(color="FF0000FF"))),  # blue: a highlight
    ("B5:D13", DifferentialStyle(font=Font(color="FF9C0006"), fill=PatternFill(bgColor="FFFFC7CE"))),
], ids=["fill", "border", "bold", "same-number", "red-negatives-only", "over-no-figure", "blue",
        "excel-light-red-fill-dark-red-text"])
def test_a_rule_that_prints_the_stored_figure_is_read(tmp_path: Path, cells: str,
                                                      dxf: DifferentialStyle) -> None:
    extraction = extract_file(_with_rule(tmp_path, cells, dxf), load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(12000)


@pytest.mark.parametrize("operator", ["lessThan", "lessThanOrEqual"])
def test_excel_s_usual_negatives_in_red_rule_is_read(tmp_path: Path, operator: str) -> None:
    """`单元格值 < 0` → red: only figures that print their own minus turn red, as stored."""
    path = daily_workbook(tmp_path / "cf.xlsx", below=(NOTE,))
    book = openpyxl.load_workbook(path)
    red = DifferentialStyle(font=Font(color="FFFF0000"))
    book["网点经营日报"].conditional_formatting.add("C5:D13", Rule(type="cellIs", operator=operator,
                                                                 formula=["0"], dxf=red))
    book.save(path)
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(12000)
