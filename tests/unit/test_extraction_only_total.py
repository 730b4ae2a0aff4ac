"""A summary whose branch rows are all blank and only its 合计 row is filled (Y4): the totals
check fails saying that no row has the figure, never that the rows "add up to 0 元". The summary
is written here cell by cell with openpyxl, in the layout of DOMAIN.md's 分行汇总日报."""

from __future__ import annotations

from pathlib import Path

from flows.report_extraction import extract_file, load_spec
from tests.hand_reports import summary_workbook

SPEC = load_spec("summary_daily", Path(__file__).resolve().parents[2] / "config" / "specs")


def test_only_a_total_row_filled_is_said_to_have_nothing_to_add(tmp_path: Path) -> None:
    blank: list[list[object]] = [["110101", "东城支行"], ["110102", "西城支行"]]  # printed without figures
    total: list[object] = ["合计", None, 40037.01, 71870.34, 10400.34, 13137.78, 1706.67, 26667, 27, 40.02,
                           12]
    extraction = extract_file(summary_workbook(tmp_path / "summary.xlsx", [*blank, total]), SPEC)
    failed = [check for check in extraction.checks if not check.ok]
    assert failed and all("各行相加为" not in check.message for check in failed)
    savings = next(check.message for check in failed if "储蓄存款余额" in check.message)
    assert "40037.01 万元，但表中没有一行有该项的数字" in savings and "无法核对" in savings, savings


def test_a_zero_total_over_blank_rows_holds_as_before(tmp_path: Path) -> None:
    """Rows printed blank (or "-") under a 合计 of 0 add up: nothing is missing."""
    rows: list[list[object]] = [["110101", "东城支行", None, 5.0, *[1] * 7], ["合计", None, 0, 5.0, *[1] * 7]]
    extraction = extract_file(summary_workbook(tmp_path / "summary.xlsx", rows), SPEC)
    assert all(check.ok for check in extraction.checks), [c.message for c in extraction.checks if not c.ok]


def test_a_total_row_labelled_with_a_colon_is_the_total(tmp_path: Path) -> None:
    """Tester BF F12 (2026-12-07): a 合计 row written `合计：` was not found, the file refused with
    branch codes as the labels alike."""
    figures: list[object] = [1.0, 2.0, 3.0, 4.0, 5.0, 6, 7, 8.0, 9]
    rows: list[list[object]] = [["110101", "东城支行", *figures], ["合计：", None, *figures]]
    extraction = extract_file(summary_workbook(tmp_path / "summary.xlsx", rows), SPEC)
    assert extraction.value("储蓄存款余额", "本日", "合计") == 10000  # 1.00 万元
    assert all(check.ok for check in extraction.checks)
