"""A branch line written with 为 / 是 (`注：报送机构为110102西城支行`) is read as one with `：`.

Under a report of 110101 东城支行 such a footnote names another branch, so the file is refused
naming both, in a workbook and in a PDF; naming the same branch, or no branch at all
(`注：机构为本行营业室`), it is read. Reports are written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from tests.hand_reports import daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize("below", ["注：报送机构为110102西城支行", "注：本表填报机构是西城支行"])
def test_a_footnote_naming_another_branch_with_wei_refuses(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "b.xlsx", below=("", below))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "报表的机构前后不一：机构行 A2 写 110101、" in str(caught.value)
    assert "机构行 A15 写 110102" in str(caught.value)


def test_a_pdf_footnote_naming_another_branch_with_wei_refuses(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "b.pdf", below=("注：报送机构为110102西城支行",))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "报表的机构前后不一" in str(caught.value) and "写 110102" in str(caught.value)


@pytest.mark.parametrize("below", ["注：报送机构为110101东城支行", "注：机构为本行营业室",
                                   "注：网点是指营业网点"])
def test_a_footnote_naming_the_same_branch_or_none_is_read(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "b.xlsx", below=("", below))
    assert extract_file(path, load_spec("branch_daily", SPECS)).branch == "110101"


@pytest.mark.parametrize("banner", ["当前用户：张报表（RP0001） 所属机构：西城支行",
                                    "用户机构：110102 西城支行", "登录机构：西城支行",
                                    "下载机构：110102 西城支行", "打印机构 西城支行",
                                    "经办机构　西城支行", "打印网点 西城支行"])
def test_the_printing_users_branch_in_the_heading_is_not_the_reports(tmp_path: Path, banner: str) -> None:
    """Tester BI F10, F11 (2026-12-07): a platform's banner naming the printing user's branch (所属机构 /
    用户机构 / 登录机构 / 下载机构) gave a report without its own 机构 line that branch, exit 0, and
    refused one with it; so did a stamp 打印机构 without its colon."""
    heading = ("网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", banner, "单位：万元")
    path = ruled_pdf(tmp_path / "banner.pdf", heading=heading)
    assert extract_file(path, load_spec("branch_daily", SPECS)).branch == "110101"
    alone = ruled_pdf(tmp_path / "alone.pdf",
                      heading=("网点经营日报", "数据日期：2026-12-04", banner, "单位：万元"))
    with pytest.raises(ExtractionError) as caught:
        extract_file(alone, load_spec("branch_daily", SPECS))
    assert "表上没有写明机构" in str(caught.value)
