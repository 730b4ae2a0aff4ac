"""Reports that are moved about, damaged or odd: right figures or a clear error, never a wrong number."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fixtures.reports import BRANCHES, build_report, expected_figures
from flows.report_extraction import Extraction, ExtractionSpec, extract_file, load_spec, reconcile
from rpa.errors import (
    DuplicateHeader,
    ExtractionError,
    InputFileError,
    LabelNotFound,
    MissingUnicodeMap,
    ScannedPdf,
    UnreadableFigure,
)

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
DAY = date(2026, 3, 5)
TYPES = [("branch_daily", "110102"), ("summary_daily", None), ("fee_income_monthly", None)]


def _spec(name: str) -> ExtractionSpec:
    return load_spec(name, SPECS)


def _write(folder: Path, report_type: str, branch: str | None, fmt: str, variant: str) -> Path:
    path = folder / f"{report_type}_{branch or 'all'}_{variant}.{fmt}"
    path.write_bytes(build_report(report_type, DAY, branch, fmt, variant=variant))
    return path


def _values(extraction: Extraction) -> dict[tuple[str | None, str, str], Decimal]:
    return {(f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures}


def _truth(report_type: str, branch: str | None) -> dict[tuple[str | None, str, str], Decimal]:
    want = expected_figures(report_type, DAY, branch)
    if branch is not None:
        return {(branch, m, c): Decimal(v) for m, cols in want.items() for c, v in cols.items()}
    return {(b, m, c): Decimal(v)
            for b, table in want.items() for m, cols in table.items() for c, v in cols.items()}


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
@pytest.mark.parametrize(("report_type", "branch"), TYPES)
def test_moved_rows_columns_blank_row_and_aliases_give_the_right_figures(
    tmp_path: Path, report_type: str, branch: str | None, fmt: str
) -> None:
    extraction = extract_file(_write(tmp_path, report_type, branch, fmt, "moved"), _spec(report_type))
    assert _values(extraction) == _truth(report_type, branch)
    assert extraction.ok


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
@pytest.mark.parametrize(("report_type", "branch", "label"), [
    ("branch_daily", "110102", "普惠贷款余额"), ("summary_daily", None, "普惠贷款余额"),
    ("fee_income_monthly", None, "托管类")])
def test_a_removed_label_is_named_with_the_nearest_labels_seen(
    tmp_path: Path, report_type: str, branch: str | None, label: str, fmt: str
) -> None:
    with pytest.raises(LabelNotFound) as caught:
        extract_file(_write(tmp_path, report_type, branch, fmt, "label_removed"), _spec(report_type))
    message = str(caught.value)
    pattern = f"找不到(行标签|列标题)“{label}”(（机构 \\d+）)?；表(中|头中)相近的(行标签|标题)："
    assert re.search(pattern, message), message
    nearest = message.split("相近的", 1)[1]
    assert "贷款余额" in nearest or "类" in nearest
    assert caught.value.code == "label_not_found"


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_summary_off_by_100_fails_reconciliation_and_names_both_files(tmp_path: Path, fmt: str) -> None:
    branch_spec = _spec("branch_daily")
    branch_files = [extract_file(_write(tmp_path, "branch_daily", code, fmt, "standard"), branch_spec)
                    for code, _ in BRANCHES]
    summary = extract_file(_write(tmp_path, "summary_daily", None, fmt, "summary_off_by_100"),
                           _spec("summary_daily"))
    assert summary.ok, "the summary agrees with its own 合计 row"
    failed = [r for r in reconcile(branch_files, summary) if not r.ok]
    assert len(failed) == 1
    message = failed[0].message
    assert f"branch_daily_{BRANCHES[0][0]}_standard.{fmt}" in message
    assert f"summary_daily_all_summary_off_by_100.{fmt}" in message
    assert "储蓄存款余额" in message and "相差 100.00 元（汇总比网点文件多）" in message
    assert {p.file for p in failed[0].provenance} == {branch_files[0].file, summary.file}


@pytest.mark.parametrize(("report_type", "branch"), TYPES)
def test_scanned_pdf_is_a_clear_error(tmp_path: Path, report_type: str, branch: str | None) -> None:
    with pytest.raises(ScannedPdf, match="扫描件 PDF，没有文字层"):
        extract_file(_write(tmp_path, report_type, branch, "pdf", "scanned"), _spec(report_type))


@pytest.mark.parametrize(("report_type", "branch"), TYPES)
def test_pdf_without_unicode_map_is_a_clear_error(
    tmp_path: Path, report_type: str, branch: str | None
) -> None:
    with pytest.raises(MissingUnicodeMap, match=r"第1页：字体缺少 Unicode 映射.*\(cid:\d+\)"):
        extract_file(_write(tmp_path, report_type, branch, "pdf", "no_tounicode"), _spec(report_type))


@pytest.mark.parametrize(("report_type", "branch"), TYPES)
def test_borderless_pdf_gives_the_right_figures(tmp_path: Path, report_type: str, branch: str | None) -> None:
    extraction = extract_file(_write(tmp_path, report_type, branch, "pdf", "borderless"), _spec(report_type))
    assert _values(extraction) == _truth(report_type, branch)
    assert extraction.ok


@pytest.mark.parametrize("report_type", ["summary_daily", "fee_income_monthly"])
def test_formula_totals_are_read_as_their_cached_values(tmp_path: Path, report_type: str) -> None:
    extraction = extract_file(_write(tmp_path, report_type, None, "xlsx", "formulas"), _spec(report_type))
    assert _values(extraction) == _truth(report_type, None)


def test_formula_without_cached_value_is_an_error_not_a_zero(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFigure, match=r"工作表 分行汇总日报：C14、D14.* 是公式，却没有保存计算结果"):
        path = _write(tmp_path, "summary_daily", None, "xlsx", "formulas_no_cache")
        extract_file(path, _spec("summary_daily"))


def _edited(tmp_path: Path, cell: str, value: object, report_type: str = "branch_daily") -> Path:
    branch = "110102" if report_type == "branch_daily" else None
    book = openpyxl.load_workbook(io.BytesIO(build_report(report_type, DAY, branch, "xlsx")))
    book[book.sheetnames[1]][cell] = value
    path = tmp_path / f"edited_{cell}.xlsx"
    book.save(path)
    return path


def test_a_header_found_twice_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DuplicateHeader, match="“较上日”出现两次"):
        extract_file(_edited(tmp_path, "E5", "较上日"), _spec("branch_daily"))


def test_a_row_label_found_twice_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DuplicateHeader, match=r"储蓄存款余额.*出现两次.*!A6.*!A7"):
        extract_file(_edited(tmp_path, "A7", "储蓄存款"), _spec("branch_daily"))


def test_a_row_label_merged_over_two_rows_of_figures_is_said_as_one_merged_cell(tmp_path: Path) -> None:
    """Refused, naming the merged cell once, not as found twice at A6 和 A6 (tester AE's F3)."""
    book = openpyxl.load_workbook(io.BytesIO(build_report("branch_daily", DAY, "110102", "xlsx")))
    sheet = book[book.sheetnames[1]]
    label = sheet["A6"].value
    sheet["A7"] = None
    sheet.merge_cells("A6:A7")
    path = tmp_path / "merged_label.xlsx"
    book.save(path)
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, _spec("branch_daily"))
    message = str(caught.value)
    assert f"“{label}”是合并单元格" in message and "跨了不止一行" in message and "出现两次" not in message


@pytest.mark.parametrize("text", ["1.234,56", "12.3万", "(1,234.56", "1,23,4.00", "1-2"])
def test_a_number_that_does_not_parse_names_its_cell(tmp_path: Path, text: str) -> None:
    with pytest.raises(UnreadableFigure, match=r"网点经营日报!C8"):
        extract_file(_edited(tmp_path, "C8", text), _spec("branch_daily"))


@pytest.mark.parametrize("shown", [None, "－", "—", " - "])
def test_an_empty_or_dash_figure_is_no_figure_never_a_zero(tmp_path: Path, shown: object) -> None:
    extraction = extract_file(_edited(tmp_path, "D9", shown), _spec("branch_daily"))
    assert ("110102", "对公贷款余额", "较上日") not in _values(extraction)
    assert ("110102", "对公贷款余额", "本日") in _values(extraction)
    assert any(note.startswith("无数字 D9 对公贷款余额 较上日（机构 110102）") for note in extraction.notes)


def test_a_sign_convention_the_report_does_not_use_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFigure, match="本报表不用括号表示负数"):
        extract_file(_edited(tmp_path, "D6", "(1,234.56)", "fee_income_monthly"), _spec("fee_income_monthly"))


def test_a_unit_column_disagreeing_with_the_footnote_is_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFigure, match="储蓄存款余额 本日 的单位前后不一：单位列 B6 写 元，"
                                               "脚注 A16 写 万元"):
        extract_file(_edited(tmp_path, "B6", "元"), _spec("branch_daily"))


@pytest.mark.parametrize("suffix", ["xlsx", "pdf"])
def test_unreadable_files_are_input_errors(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"broken.{suffix}"
    path.write_bytes(b"<html>session expired</html>")
    with pytest.raises(InputFileError, match=rf"broken\.{suffix} 不是"):  # not an xlsx zip / no %PDF-
        extract_file(path, _spec("branch_daily"))
    with pytest.raises(InputFileError, match=rf"找不到输入文件 absent\.{suffix}"):
        extract_file(tmp_path / f"absent.{suffix}", _spec("branch_daily"))
    with pytest.raises(InputFileError, match="只读 xlsx、pdf 文件"):
        extract_file(tmp_path / "report.csv", _spec("branch_daily"))


def test_content_errors_are_business_errors() -> None:
    assert issubclass(ScannedPdf, ExtractionError) and ExtractionError.code == "extraction_failed"
