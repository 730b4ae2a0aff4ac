"""The report generator: deterministic figures, consistent files, and variants that are what they claim."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest

from fixtures.reports import BRANCHES, REPORT_TYPES, build_report, expected_figures

DAY = date(2026, 3, 5)
CODES = [code for code, _ in BRANCHES]


def _pdf_text(data: bytes) -> tuple[int, int, str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = sum(len(page.chars) for page in pdf.pages)
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        return len(pdf.pages), chars, text


def test_same_arguments_give_same_bytes_and_figures() -> None:
    for fmt in ("xlsx", "pdf"):
        first = build_report("branch_daily", DAY, "110101", fmt)
        assert first == build_report("branch_daily", DAY, "110101", fmt)
    assert expected_figures("summary_daily", DAY, None) == expected_figures("summary_daily", DAY, None)
    other_seed = expected_figures("branch_daily", DAY, "110101", seed=1)
    assert other_seed != expected_figures("branch_daily", DAY, "110101")


def test_changes_are_consistent_across_dates() -> None:
    today = expected_figures("branch_daily", DAY, "110105")
    yesterday = expected_figures("branch_daily", DAY - timedelta(days=1), "110105")
    new_year = expected_figures("branch_daily", date(2026, 1, 1), "110105")
    for metric, columns in today.items():
        assert Decimal(columns["较上日"]) == Decimal(columns["本日"]) - Decimal(yesterday[metric]["本日"])
        assert Decimal(columns["较年初"]) == Decimal(columns["本日"]) - Decimal(new_year[metric]["本日"])
    money = [Decimal(today[m]["本日"]) for m in ("储蓄存款余额", "个人贷款余额", "中间业务收入")]
    assert all(value % 100 == 0 for value in money), "万元 with 2 places means whole hundreds of 元"


def test_some_changes_are_negative() -> None:
    changes = [Decimal(columns["较上日"]) for code in CODES
               for columns in expected_figures("branch_daily", DAY, code).values()]
    assert any(change < 0 for change in changes)
    assert any(change > 0 for change in changes)


def test_summary_is_the_sum_of_the_branch_files() -> None:
    summary = expected_figures("summary_daily", DAY, None)
    for code in CODES:
        branch = expected_figures("branch_daily", DAY, code)
        assert {m: c["本日"] for m, c in summary[code].items()} == {m: c["本日"] for m, c in branch.items()}
    for metric, total in summary["合计"].items():
        assert Decimal(total["本日"]) == sum(Decimal(summary[code][metric]["本日"]) for code in CODES)


def test_monthly_subtotals_add_up() -> None:
    monthly = expected_figures("fee_income_monthly", DAY, None)
    for code in [*CODES, "合计"]:
        rows = monthly[code]
        for column in ("本月", "较上月", "本年累计"):
            parts = sum(Decimal(v[column]) for k, v in rows.items() if k != "小计")
            assert parts == Decimal(rows["小计"][column])


def test_xlsx_opens_and_shows_the_figures_in_wan_yuan() -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_report("branch_daily", DAY, "110102", "xlsx")))
    sheet = book["网点经营日报"]
    assert book["底稿"].sheet_state == "hidden"
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row[0]}
    savings = Decimal(expected_figures("branch_daily", DAY, "110102")["储蓄存款余额"]["本日"])
    unit, today = rows["储蓄存款余额"][0], rows["储蓄存款余额"][1]
    assert unit == "万元"
    assert Decimal(repr(today)) * 10000 == savings
    assert any(f"{r.min_row}" for r in sheet.merged_cells.ranges)


@pytest.mark.parametrize("report_type", sorted(REPORT_TYPES))
def test_pdf_has_a_text_layer_and_a_table(report_type: str) -> None:
    branch = "110101" if report_type == "branch_daily" else None
    pages, chars, text = _pdf_text(build_report(report_type, DAY, branch, "pdf"))
    assert chars > 0
    assert REPORT_TYPES[report_type] in text
    if report_type == "fee_income_monthly":
        assert pages == 3
        assert text.count("业务类别") == 3, "the header is repeated on every page"


def test_scanned_pdf_has_no_characters() -> None:
    pages, chars, _ = _pdf_text(build_report("branch_daily", DAY, "110101", "pdf", variant="scanned"))
    assert pages == 1
    assert chars == 0


def test_pdf_without_unicode_map_gives_cid_codes() -> None:
    _, chars, text = _pdf_text(build_report("branch_daily", DAY, "110101", "pdf", variant="no_tounicode"))
    assert chars > 0
    assert "(cid:" in text
    assert "储蓄存款余额" not in text


def test_formulas_variant_stores_formulas_and_cached_values() -> None:
    data = build_report("summary_daily", DAY, None, "xlsx", variant="formulas")
    formulas = openpyxl.load_workbook(io.BytesIO(data))["分行汇总日报"]
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["分行汇总日报"]
    total_row = next(r for r in range(1, values.max_row + 1) if values.cell(r, 1).value == "合计")
    assert str(formulas.cell(total_row, 3).value).startswith("=SUM(")
    total = Decimal(expected_figures("summary_daily", DAY, None)["合计"]["储蓄存款余额"]["本日"])
    assert Decimal(repr(values.cell(total_row, 3).value)) * 10000 == total
    uncached = build_report("summary_daily", DAY, None, "xlsx", variant="formulas_no_cache")
    uncached_sheet = openpyxl.load_workbook(io.BytesIO(uncached), data_only=True)["分行汇总日报"]
    assert uncached_sheet.cell(total_row, 3).value is None


def test_summary_off_by_100_differs_from_one_branch_only() -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_report("summary_daily", DAY, None, "xlsx",
                                                          variant="summary_off_by_100")))
    rows = {row[0]: row for row in book["分行汇总日报"].iter_rows(values_only=True) if row[0]}
    shown = Decimal(repr(rows[CODES[0]][2])) * 10000
    true = Decimal(expected_figures("summary_daily", DAY, None)[CODES[0]]["储蓄存款余额"]["本日"])
    assert shown - true == 100


def test_borderless_pdf_has_no_ruling_lines() -> None:
    data = build_report("fee_income_monthly", DAY, None, "pdf", variant="borderless")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert not pdf.pages[0].lines and not pdf.pages[0].rects
        assert pdf.pages[0].chars


@pytest.mark.parametrize(("report_type", "branch", "fmt", "variant"), [
    ("nope", None, "xlsx", "standard"),
    ("branch_daily", None, "xlsx", "standard"),
    ("summary_daily", None, "xlsx", "scanned"),
    ("branch_daily", "110101", "xlsx", "formulas"),
    ("branch_daily", "999999", "pdf", "standard"),
])
def test_impossible_requests_are_refused(
    report_type: str, branch: str | None, fmt: str, variant: str
) -> None:
    with pytest.raises(ValueError):
        build_report(report_type, DAY, branch, fmt, variant=variant)
