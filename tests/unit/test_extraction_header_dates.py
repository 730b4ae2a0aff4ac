"""A column header with the day in brackets (`本日(2026-12-04)`, `本日（2026年12月4日）`,
`较上日(12月3日)`) is read as the header without it, only when the day agrees with the report's:
本日's is the report's day, 较上日's the day before, 较年初's 1 January or the year-end before it.
Another day, or a date on a column whose day the tool cannot check (a monthly's
`较上月(2026-10-31)`), refuses the file naming the cell and both days. A
header not found lists, among the similar ones, those holding the word looked for.
Reports are written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError, LabelNotFound
from tests.hand_reports import FIRST_YUAN, daily_workbook, edit_cells, fee_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
NO_DATE = ("网点经营日报", "机构：110101 东城支行", "单位：万元")


def _value(path: Path, column: str = "本日", report_date: str | None = None) -> int:
    extraction = extract_file(path, load_spec("branch_daily", SPECS), report_date=report_date)
    figure = next(f for f in extraction.figures if f.metric == "储蓄存款余额" and f.column == column)
    return int(figure.value_yuan)


@pytest.mark.parametrize("text", ["本日(2026-12-04)", "本日（2026-12-04）", "本日（2026年12月4日）",
                                  "本日(20261204)", "本日（12月4日）", "本日 (2026.12.04)"])
def test_a_header_dated_the_reports_day_is_read_without_the_date(tmp_path: Path, text: str) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"B4": text})
    assert _value(path, report_date="2026-12-04") == FIRST_YUAN


def test_a_header_dated_another_day_refuses_naming_the_cell_and_both_days(tmp_path: Path) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"B4": "本日(2026-12-03)"})
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    message = str(caught.value)
    assert "B4" in message and "2026-12-03" in message and "2026-12-04" in message and "A2" in message


def test_the_previous_day_on_a_jiaoshangri_header_is_read(tmp_path: Path) -> None:
    cells = {"B4": "本日(2026-12-04)", "C4": "较上日(12月3日)"}
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), cells)
    assert _value(path, "较上日") == 12000  # 1.2 万元


@pytest.mark.parametrize("text", ["较上日(12月4日)", "较上日(2026-12-02)"])
def test_a_jiaoshangri_header_not_dated_the_previous_day_refuses(tmp_path: Path, text: str) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"C4": text})
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "C4" in str(caught.value) and "2026-12-03" in str(caught.value)


@pytest.mark.parametrize("text", ["较年初(2026-01-01)", "较年初（2025年12月31日）", "比年初(1月1日)"])
def test_a_jiaonianchu_header_dated_the_years_start_or_the_year_end_before_is_read(
    tmp_path: Path, text: str
) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"D4": text})
    assert _value(path, "较年初") > 0


@pytest.mark.parametrize("text", ["较年初(2026-02-01)", "较年初(2025-01-01)", "较年初(1月2日)"])
def test_a_jiaonianchu_header_dated_another_day_refuses_naming_both(tmp_path: Path, text: str) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"D4": text})
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "D4" in str(caught.value) and "年初 2026-01-01（或上年末 2025-12-31）" in str(caught.value)


def test_a_date_on_a_header_whose_day_cannot_be_checked_refuses(tmp_path: Path) -> None:
    monthly = fee_workbook(tmp_path / "m.xlsx")
    path = edit_cells(monthly, {"D3": "较上月(2026-10-31)"}, sheet="中间业务收入月报")
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("fee_income_monthly", SPECS))
    assert "D3" in str(caught.value) and "较上月(2026-10-31)" in str(caught.value)
    assert "只印了月份 2026-11" in str(caught.value)


def test_a_report_printing_its_day_only_in_the_header_is_of_that_day(tmp_path: Path) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx", heading=NO_DATE), {"B4": "本日(2026-12-04)"})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.report_date == "2026-12-04"
    with pytest.raises(ExtractionError):
        extract_file(path, load_spec("branch_daily", SPECS), report_date="2026-12-03")


def test_a_dated_header_in_a_pdf_is_read(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "d.pdf", header=("项目", "本日（2026-12-04）", "较上日", "较年初"))
    assert _value(path) == FIRST_YUAN


def test_a_header_not_found_lists_the_one_holding_the_word(tmp_path: Path) -> None:
    path = edit_cells(daily_workbook(tmp_path / "d.xlsx"), {"B4": "本日(2026-12)"})
    with pytest.raises(LabelNotFound) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "表头中相近的标题：本日(2026-12)" in str(caught.value)


@pytest.mark.parametrize("under", ["2026-12-03", "（2026-12-03）", "2026年12月3日", "DATE", "12月3日"])
def test_a_day_in_a_second_header_row_is_the_column_s_and_checked(tmp_path: Path, under: str) -> None:
    """Tester BF F9 (2026-12-07): 2026-12-02 written under 本日 in a second header row (as text, in
    brackets, or as a date cell) was not looked at: the column read as the report's day. It is the
    column's day, checked like `本日(2026-12-02)`; the report's own day is read."""
    import datetime as dt

    import openpyxl

    for shown, other in ((under, True), (under.replace("3", "4"), False)):
        path = daily_workbook(tmp_path / f"sub{other}.xlsx")
        book = openpyxl.load_workbook(path)
        sheet = book["网点经营日报"]
        sheet.insert_rows(5)
        sheet["B5"] = dt.datetime(2026, 12, 3 if other else 4) if under == "DATE" else shown
        book.save(path)
        spec = load_spec("branch_daily", SPECS)
        if not other:  # the report's day: read
            assert extract_file(path, spec).value("储蓄存款余额", "本日", "110101") is not None
            continue
        with pytest.raises(ExtractionError) as caught:
            extract_file(path, spec)
        assert "表头 B5" in str(caught.value) and "与报表日期不符" in str(caught.value), str(caught.value)
