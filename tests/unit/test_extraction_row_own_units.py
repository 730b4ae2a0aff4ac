"""A figure's unit shown beside it, by its own number format or in another cell of its row, counts.

中间业务收入 2,345,600 with `（元）` or `以元为单位` in its 备注 cell, or shown by `#,##0"元"`,
under `单位：万元` was read in 万元 (10,000 times too big), while `单位：元` in that 备注 cell was
already refused. Each is now that figure's unit: two that differ refuse the file naming both, as
a label's （元） under 单位：万元 does; one that agrees (`#,##0"万元"`) is read, the raw text
keeping the unit it shows; a 备注 alone stating the unit gives its row that unit.

Every workbook is written here by hand (tests/hand_reports) and changed cell by cell.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.models import Extraction, Figure
from rpa.errors import UnreadableFigure
from tests.hand_reports import HEADING, daily_workbook, edit_cells

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
INCOME = "B12"  # 中间业务收入 本日, 2.34 (万元)


def _workbook(tmp_path: Path, unit_line: str, cells: dict[str, object],
              formats: dict[str, str] | None = None) -> Path:
    return edit_cells(daily_workbook(tmp_path / "row_units.xlsx", (*HEADING[:2], unit_line)), cells, formats)


@pytest.mark.parametrize("remark", ["（元）", "(元)", "以元为单位", "以元计", "（单位：元）", "单位：元"])
def test_a_remark_stating_another_unit_than_the_unit_line_is_refused(tmp_path: Path, remark: str) -> None:
    path = _workbook(tmp_path, "单位：万元", {"E4": "备注", INCOME: 2345600, "E12": remark})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert ("E12" in said or "A12" in said) and "写 元" in said and "写 万元" in said and "不一" in said


@pytest.mark.parametrize("remark", ["（元）", "以元为单位"])
def test_a_remark_agreeing_with_the_unit_line_is_the_figure_unit_source(tmp_path: Path, remark: str) -> None:
    path = _workbook(tmp_path, "单位：元", {"E4": "备注", INCOME: 2345600, "E12": remark})
    figure = _income(extract_file(path, load_spec("branch_daily", SPECS)))
    assert figure.value_yuan == Decimal(2345600) and figure.unit_source == "同行备注列 E12"


def _income(extraction: Extraction) -> Figure:
    return next(f for f in extraction.figures if f.metric == "中间业务收入" and f.column == "本日")


def test_a_remark_agreeing_with_the_unit_line_is_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "单位：万元", {"E4": "备注", "E12": "以万元为单位", "E10": "户"})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("中间业务收入", "本日", "110101") == Decimal("23400")


@pytest.mark.parametrize("number_format", ['#,##0"元"', '#,##0.00" 元"', '#,##0"元";-#,##0"元"'])
def test_a_number_format_showing_another_unit_is_refused(tmp_path: Path, number_format: str) -> None:
    path = _workbook(tmp_path, "单位：万元", {INCOME: 2345600}, {INCOME: number_format})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "数字格式 B12 写 元" in str(caught.value) and "单位行 A3 写 万元" in str(caught.value)


@pytest.mark.parametrize(("line", "number_format"), [("单位：元", '#,##0.00"万"'), ("单位：万元", '0.00"亿"'),
                                                    ("单位：万元", '#,##0.00" 千"'),
                                                    ("单位：万元", '[>1000]#,##0,"千"'),
                                                    ("单位：元", '#,##0.00"(万)"'),
                                                    ("单位：元", '#,##0.00"万*"')])
def test_a_number_format_printing_a_bare_multiplier_is_refused(tmp_path: Path, line: str,
                                                               number_format: str) -> None:
    """Tester BF F10 (2026-12-07): `#,##0.00"万"` printed 20.78万 in a table in 元, read as 20.78 元;
    a multiplier alone says neither 元 nor 户: refused naming the format, never read in the table's."""
    path = _workbook(tmp_path, line, {INCOME: 20.78}, {INCOME: number_format})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert f"数字格式 {number_format}" in str(caught.value) and "只是倍数" in str(caught.value)


def test_a_number_format_showing_the_stated_unit_is_read_and_shown(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "单位：万元", {INCOME: 234.5}, {INCOME: '#,##0.00"万元"'})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    figure = _income(extraction)
    assert figure.value_yuan == Decimal("2345000") and figure.raw == "234.50万元"


def test_a_number_format_unit_is_the_figure_unit_source(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "单位：元", {INCOME: 2345600}, {INCOME: '#,##0"元"'})
    figure = _income(extract_file(path, load_spec("branch_daily", SPECS)))
    assert figure.value_yuan == Decimal(2345600) and figure.unit_source == "数字格式 B12"
    assert figure.raw == "2,345,600元"


def test_a_number_format_showing_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "单位：万元", {}, {"B10": '0"万户"'})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "网点经营日报!B10" in str(caught.value) and "“万户”不是认得的单位" in str(caught.value)


@pytest.mark.parametrize("number_format", ['#,##0.00"元/户"', '#,##0"万元/人"'])
def test_a_number_format_showing_an_average_unit_is_refused(tmp_path: Path, number_format: str) -> None:
    """元/户 is an average per household, not the unit of a total: never read as 元."""
    path = _workbook(tmp_path, "单位：万元", {}, {"B5": number_format})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "网点经营日报!B5" in str(caught.value) and "平均数" in str(caught.value)
