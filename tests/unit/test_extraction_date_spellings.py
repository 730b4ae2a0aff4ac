"""A date labelled as the report's is read whatever its spelling, above or below the table.

`数据日期：20261203`, `数据日期：2026.12.03` and a yearless `截至12月3日` (the heading's year)
under a report of 2026-12-04 refuse the file naming both places, as `2026-12-03` there does; a
labelled date that cannot be read (`数据日期：12/3`) refuses rather than is passed over; the same
day in any of these spellings is read. Workbooks and PDFs are written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from tests.hand_reports import HEADING, daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize("below", ["数据日期：20261203", "注：本表数据截至12月3日", "报表日期：2026.12.3",
                                   "注：数据截至12月3号"])
def test_another_day_in_another_spelling_under_the_table_refuses(tmp_path: Path, below: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "报表上印了两个不同的日期：A2 写 2026-12-04，A15 写 2026-12-03" in str(caught.value)


LABELS_FOR_THE_DAY = ["数据截止日：2026-12-03", "数据截止日：2026年12月3日", "截止日：2026-12-03",
                      "统计截止日：2026-12-03", "数据日：2026-12-03", "账务日期：2026-12-03",
                      "报告日：2026-12-03", "注：数据截止日为2026-12-03", "数据截止日 2026-12-03",
                      "数据截止日：20261203"]


@pytest.mark.parametrize("below", LABELS_FOR_THE_DAY)
def test_the_labels_a_bank_writes_for_the_data_s_day_are_the_report_s(tmp_path: Path, below: str) -> None:
    """Tester T's S4: 数据截止日：2026-12-02 under a report of 2026-12-03 was passed over (only
    数据截止日期： and the labels above were seen), so the day before's figures went in as today's."""
    with pytest.raises(ExtractionError) as caught:
        path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "报表上印了两个不同的日期：A2 写 2026-12-04，A15 写 2026-12-03" in str(caught.value)


def test_another_compact_day_under_a_pdf_table_refuses(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError) as caught:
        path = ruled_pdf(tmp_path / "d.pdf", below=("数据日期：20261203",))
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "写 2026-12-04" in str(caught.value) and "写 2026-12-03" in str(caught.value)


@pytest.mark.parametrize("below", ["数据日期：12/3", "注：本表数据截至12月末", "数据日期：20261340"])
def test_a_labelled_date_that_cannot_be_read_refuses(tmp_path: Path, below: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "A15 写的“" in str(caught.value) and "认不出是哪一天" in str(caught.value)


def test_a_yearless_date_with_no_year_anywhere_refuses(tmp_path: Path) -> None:
    heading = (HEADING[0], "机构：110101 东城支行", HEADING[2])
    path = daily_workbook(tmp_path / "d.xlsx", heading, below=("注：本表数据截至12月4日",))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "A14 写的“截至12月4日”认不出是哪一天（日期写法认不出，也没有年份）" in str(caught.value)


@pytest.mark.parametrize("below", ["数据日期：20261204", "注：本表数据截至12月4日", "注：截至目前无逾期",
                                   "制表：张三  打印日期：20261205", "数据截止日：2026-12-04",
                                   "注：较上日为与2026-12-03比较", "制表日期：2026-12-05",
                                   # another day named, not the report's (the code review of 2026-12-06)
                                   "注：较上日指与上一业务日2026-12-03比较", "上一报告日2026-12-03",
                                   "理财募集截止日：2026-12-10", "数据日一般为T+1日"])
def test_the_same_day_in_another_spelling_is_read(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
    extraction = extract_file(path, load_spec("branch_daily", SPECS), report_date="2026-12-04")
    assert extraction.report_date == "2026-12-04"


@pytest.mark.parametrize("stamp", ["打印日期：2026-12-05", "打印时间 2026-12-05 08:30", "制表日期:2026-12-05",
                                   "导出时间：2026-12-05"])
def test_a_print_stamps_date_in_the_heading_is_not_the_reports(tmp_path: Path, stamp: str) -> None:
    """The day a report was printed or made, beside 机构 in its heading, was read as the report's
    date when none other was printed (tester BH F6, 2026-12-07), and refused one that was."""
    dated = ruled_pdf(tmp_path / "dated.pdf", heading=(HEADING[0], f"{HEADING[1]}  {stamp}", HEADING[2]))
    assert extract_file(dated, load_spec("branch_daily", SPECS)).report_date == "2026-12-04"
    undated = ruled_pdf(tmp_path / "undated.pdf",
                        heading=(HEADING[0], f"机构：110101 东城支行  {stamp}", HEADING[2]))
    assert extract_file(undated, load_spec("branch_daily", SPECS)).report_date is None


@pytest.mark.parametrize("stamp", [
    "2026-12-05 08:30:12", "打印：2026-12-05 08:30", "打印于2026-12-05 08:30", "Printed:2026-12-05 08:30",
    "时间：2026-12-05 08:30", "2026/12/05 08:30", "08:30:12 2026-12-05", "保密期限：2027-12-31",
    "报表编号：D0101-20261205-110101", "D0101-20261205-110101.pdf",
])
def test_a_print_stamp_a_secrecy_term_or_a_report_id_in_the_heading_is_no_report_date(
        tmp_path: Path, stamp: str) -> None:
    """Tester BI F2, F4 (2026-12-07): a time-stamped date, a date after 打印于 / Printed / 保密期限，
    or digits of a report id (`0101-20`) were read as the report's date, or beside its 数据日期
    refused the file as two dates."""
    dated = ruled_pdf(tmp_path / "dated.pdf", heading=(HEADING[0], HEADING[1], HEADING[2], stamp))
    assert extract_file(dated, load_spec("branch_daily", SPECS)).report_date == "2026-12-04"
    branch = "机构：110101 东城支行"
    undated = ruled_pdf(tmp_path / "undated.pdf", heading=(HEADING[0], branch, stamp, HEADING[2]))
    assert extract_file(undated, load_spec("branch_daily", SPECS)).report_date is None


@pytest.mark.parametrize(("line", "day"), [
    ("数据日期：2026-12-04 23:59:59", "2026-12-04"),  # a labelled cut-off time is the report's
    ("网点经营日报 2026-12-04", "2026-12-04"), ("报告期：2026-12-04", "2026-12-04"),
])
def test_a_heading_date_of_the_report_is_still_read(tmp_path: Path, line: str, day: str) -> None:
    branch = "机构：110101 东城支行"
    path = ruled_pdf(tmp_path / "heading.pdf", heading=(HEADING[0], branch, line, HEADING[2]))
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == day
