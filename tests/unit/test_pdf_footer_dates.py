"""A PDF's footer under the table (Y5): a 打印日期 or a page line is the day it was printed, not the
report's, as README says and as a workbook's line under the table is read; a date the footer
labels as the report's (数据日期) still counts, and one of another day refuses the file naming
both places; a unit it states (金额单位：元) counts, as it does on a row under a workbook's table.
Ruled and borderless PDFs and workbooks, written here by hand with reportlab and openpyxl."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError, UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, daily_workbook, ruled_pdf

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec("branch_daily", ROOT / "config" / "specs")


@pytest.mark.parametrize("ruled", [True, False])
@pytest.mark.parametrize("footer", [
    "打印日期：2026-12-05", "打印时间 2026-12-05 08:30  第1页 共1页", "制表：王五  2026-12-05",
])
def test_a_footers_print_date_is_not_the_reports(tmp_path: Path, ruled: bool, footer: str) -> None:
    path = ruled_pdf(tmp_path / "daily.pdf", below=(footer,), ruled=ruled)
    extraction = extract_file(path, SPEC, report_date="2026-12-04")
    assert extraction.report_date == "2026-12-04"
    assert extraction.figures[0].value_yuan == FIRST_YUAN


@pytest.mark.parametrize("ruled", [True, False])
def test_a_footer_labelling_another_day_as_the_reports_refuses_the_file(tmp_path: Path, ruled: bool) -> None:
    path = ruled_pdf(tmp_path / "daily.pdf", below=("数据日期：2026-12-05",), ruled=ruled)
    with pytest.raises(ExtractionError, match="两个不同的日期") as caught:
        extract_file(path, SPEC)
    # ruled: the text under the table; borderless: a line close under the rows is read as one
    below = "第1页表格下方" if ruled else "第1页"
    assert f"{below} 写 2026-12-05" in str(caught.value), caught.value
    assert "第1页表外文字 写 2026-12-04" in str(caught.value), caught.value


@pytest.mark.parametrize("ruled", [True, False])
def test_a_unit_printed_under_the_table_still_counts(tmp_path: Path, ruled: bool) -> None:
    """A unit line under the table is read as a footnote's is: 单位：元 there against the heading's
    万元 refuses the file, naming both; never a figure in the wrong unit."""
    path = ruled_pdf(tmp_path / "daily.pdf", below=("", "金额单位：元"), ruled=ruled)
    with pytest.raises(UnreadableFigure, match="金额单位前后不一") as caught:
        extract_file(path, SPEC)
    assert "写 万元" in str(caught.value) and "写 元" in str(caught.value), caught.value


def test_a_unit_row_under_a_workbooks_table_counts_as_a_unit_line(tmp_path: Path) -> None:
    """The same in a workbook: a row 金额单位：元 under the table was passed over as a row, so a
    heading's 万元 won silently (and, with the unit stated only there, the spec's assumed unit)."""
    both = daily_workbook(tmp_path / "both.xlsx", below=("", "金额单位：元"))
    with pytest.raises(UnreadableFigure, match="单位行 A3 写 万元，单位行 A15 写 元"):
        extract_file(both, SPEC)
    only_below = daily_workbook(tmp_path / "below.xlsx", HEADING[:2], below=("", "金额单位：元"))
    savings = extract_file(only_below, SPEC).figures[0]
    assert (savings.unit, savings.unit_source, savings.value_yuan) == ("元", "单位行 A14", Decimal("2345.6"))
