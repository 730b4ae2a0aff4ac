"""A workbook holding one report type on two sheets, without --date / --branch to choose, is
refused with a message saying what tells the sheets apart: each sheet's branch and day, and
`--branch` when they differ by branch, `--date` when by day. Reports are written by hand
(tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import LabelNotFound
from tests.hand_reports import daily_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


def _two_sheets(tmp_path: Path, first: str, second: str) -> Path:
    """网点经营日报 with `first` in A2, and a copy 网点经营日报2 with `second` in A2."""
    path = daily_workbook(tmp_path / "two.xlsx", heading=("网点经营日报", first, "单位：万元"))
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["网点经营日报"])
    copy.title = "网点经营日报2"
    copy["A2"] = second
    book.save(path)
    return path


def _refusal(path: Path, **kwargs: str) -> str:
    with pytest.raises(LabelNotFound) as caught:
        extract_file(path, load_spec("branch_daily", SPECS), **kwargs)
    return str(caught.value)


def test_sheets_of_two_branches_name_each_branch_and_ask_for_branch(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path, "机构：110102 西城支行  数据日期：2026-12-03",
                       "机构：110101 东城支行  数据日期：2026-12-03")
    message = _refusal(path)
    assert "“网点经营日报”（机构 110102，报表日期 2026-12-03）" in message
    assert "“网点经营日报2”（机构 110101，报表日期 2026-12-03）" in message
    assert "--branch" in message and "--date" not in message
    assert _refusal(path, report_date="2026-12-03").count("--branch") == 1
    assert extract_file(path, load_spec("branch_daily", SPECS), branch="110101").branch == "110101"


def test_sheets_of_two_days_ask_for_the_date(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path, "机构：110101 东城支行  数据日期：2026-12-03",
                       "机构：110101 东城支行  数据日期：2026-12-04")
    message = _refusal(path)
    assert "（机构 110101，报表日期 2026-12-03）" in message and "--date" in message
    assert "--branch" not in message


def test_sheets_of_two_branches_and_days_ask_for_both(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path, "机构：110102 西城支行  数据日期：2026-12-03",
                       "机构：110101 东城支行  数据日期：2026-12-04")
    message = _refusal(path)
    assert "--branch" in message and "--date" in message


def test_sheets_alike_in_branch_and_day_ask_for_the_sheet(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path, "机构：110101 东城支行  数据日期：2026-12-03",
                       "机构：110101 东城支行  数据日期：2026-12-03")
    message = _refusal(path)
    assert "机构和报表日期都一样" in message and "locate.sheet" in message
    assert "--branch" not in message and "--date" not in message


def test_branch_picks_the_sheet_labelled_with_it_not_one_printing_its_digits_inside_a_number(
    tmp_path: Path,
) -> None:
    path = _two_sheets(tmp_path, "机构：110102 西城支行  数据日期：2026-12-03  报表号：1101019",
                       "机构：110101 东城支行  数据日期：2026-12-03")
    chosen = extract_file(path, load_spec("branch_daily", SPECS), branch="110101")
    assert chosen.branch == "110101"
    assert {f.provenance.sheet for f in chosen.figures} == {"网点经营日报2"}
