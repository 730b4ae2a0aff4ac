"""A PDF's footer under the table (Y5): a 打印日期 or a page line is the day it was printed, not the
report's, as README says and as a workbook's line under the table is read; a date the footer
labels as the report's (数据日期) still counts, and one of another day refuses the file naming
both places. Ruled and borderless PDFs, written here by hand with reportlab."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from tests.hand_reports import FIRST_YUAN, ruled_pdf

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
