"""A sign-off field naming a branch (`打印机构：110102 西城支行  打印人：张三`, 经办机构, 制表机构,
复核机构, 打印网点) under or above a branch daily report is who printed or handled it, not the
report's branch: it is passed over as 打印日期 is by the date reading. 机构 / 报送机构 / 填报机构
lines still name the report's branch, and one naming another branch still refuses the file.
Reports are written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from tests.hand_reports import daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize("below", ["打印机构：110102 西城支行    打印人：张三", "经办机构：110102 西城支行",
                                   "制表机构：西城支行  制表人：李四", "复核机构：110102",
                                   "打印网点：110102 西城支行", "打印机构代码：110102"])
def test_a_sign_off_branch_under_the_table_is_not_the_reports(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
    assert extract_file(path, load_spec("branch_daily", SPECS)).branch == "110101"


def test_a_sign_off_branch_on_the_branch_line_is_not_the_reports(tmp_path: Path) -> None:
    line = "机构：110101 东城支行  打印机构：110102 西城支行  数据日期：2026-12-04"
    heading = ("网点经营日报", line, "单位：万元")
    path = daily_workbook(tmp_path / "d.xlsx", heading=heading)
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert (extraction.branch, extraction.report_date) == ("110101", "2026-12-04")


def test_a_pdf_footer_naming_the_printing_branch_is_read(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "d.pdf", below=("打印机构：110102 西城支行    打印人：张三",))
    assert extract_file(path, load_spec("branch_daily", SPECS)).branch == "110101"


@pytest.mark.parametrize("below", ["报送机构：110102 西城支行", "机构：110102", "填报机构：110102 西城支行"])
def test_a_branch_line_naming_another_branch_still_refuses(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "报表的机构前后不一" in str(caught.value) and "写 110102" in str(caught.value)


def test_a_report_with_only_a_sign_off_branch_names_none(tmp_path: Path) -> None:
    heading = ("网点经营日报", "数据日期：2026-12-04", "单位：万元")
    path = daily_workbook(tmp_path / "d.xlsx", heading=heading, below=("", "打印机构：110101 东城支行"))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "表上没有写明机构" in str(caught.value)
