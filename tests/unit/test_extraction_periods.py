"""A report's period is read as the period it is, and a daily report must print its day.

A monthly report's month range (`报表期间：2026年1-11月`, `1月至11月`, `2026.1-11`,
`2026年1月-2026年11月`, `1—11月`, `1月1日至11月30日`) is November's, never the day 2026-01-11
nor January. A daily report printing a month alone (`报表日期：2026-12`, a title
`2026年12月网点经营日报`) or two days (`2026年12月3日—4日`) is refused, with or without a date
asked for, and so in a run (the fetcher extracts through the cache with the item's day). A date
in Chinese numerals is read. Workbooks are written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.cache import ExtractionCache
from rpa.errors import ExtractionError
from tests.hand_reports import HEADING, daily_workbook, fee_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
RANGES = ["报表期间：2026年1-11月", "报表期间：2026年1月至11月", "报表期间：2026.1-11",
          "报表期间：2026年1月-2026年11月", "报表期间：2026年1—11月", "2026年1-11月累计",
          "报表期间：2026年1月1日至11月30日"]


@pytest.mark.parametrize("period", RANGES)
def test_a_month_range_is_its_last_month(tmp_path: Path, period: str) -> None:
    path = fee_workbook(tmp_path / "fee.xlsx", ("中间业务收入月报", period, "单位：元"))
    extraction = extract_file(path, load_spec("fee_income_monthly", SPECS), report_date="2026-11-30")
    assert extraction.report_date == "2026-11"
    assert any("A2" in note and "读作 2026-11 的月报" in note for note in extraction.notes)


@pytest.mark.parametrize("period", RANGES)
def test_a_month_range_is_not_its_first_day_or_month(tmp_path: Path, period: str) -> None:
    path = fee_workbook(tmp_path / "fee.xlsx", ("中间业务收入月报", period, "单位：元"))
    for asked in ("2026-01-11", "2026-01-31"):
        with pytest.raises(ExtractionError) as caught:
            extract_file(path, load_spec("fee_income_monthly", SPECS), report_date=asked)
        assert f"报表日期是 2026-11（A2），不是要的 {asked}" in str(caught.value)


def test_a_workbook_of_two_periods_gives_the_sheet_ending_in_the_month_asked(tmp_path: Path) -> None:
    path = fee_workbook(tmp_path / "fee.xlsx", ("中间业务收入月报", "报表期间：2026年1-10月", "单位：元"))
    other = fee_workbook(tmp_path / "other.xlsx", ("中间业务收入月报", "报表期间：2026年1-11月", "单位：元"))
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("中间业务收入月报（11月）")
    for row in openpyxl.load_workbook(other).active.iter_rows(values_only=True):  # type: ignore[union-attr]
        sheet.append(row)
    book.save(path)
    extraction = extract_file(path, load_spec("fee_income_monthly", SPECS), report_date="2026-11-30")
    assert extraction.report_date == "2026-11"
    assert "中间业务收入月报（11月）" in extraction.figures[0].provenance.describe()


def test_a_monthly_period_not_ending_a_month_refuses(tmp_path: Path) -> None:
    heading = ("中间业务收入月报", "报表期间：2026年11月1日至11月20日", "单位：元")
    path = fee_workbook(tmp_path / "fee.xlsx", heading)
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("fee_income_monthly", SPECS))
    assert "A2 印的“2026年11月1日至11月20日”（2026-11-01 至 2026-11-20）不是止于月末" in str(caught.value)


@pytest.mark.parametrize(("heading", "where"), [
    (("网点经营日报", "机构：110101 东城支行  报表日期：2026-12", "单位：万元"), "A2"),
    (("2026年12月网点经营日报", "机构：110101 东城支行", "单位：万元"), "A1")])
@pytest.mark.parametrize("asked", [None, "2026-12-03", "2026-12-28"])
def test_a_daily_report_printing_a_month_alone_refuses(tmp_path: Path, heading: tuple[str, ...],
                                                       where: str, asked: str | None) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", heading)
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS), report_date=asked)
    assert f"这是日报，报表上只印了月份 2026-12（{where}），没有印是哪一天" in str(caught.value)


def test_a_run_refuses_a_daily_report_printing_a_month_alone(tmp_path: Path) -> None:
    heading = ("网点经营日报", "机构：110101 东城支行  报表日期：2026-12", "单位：万元")
    path = daily_workbook(tmp_path / "d.xlsx", heading)
    cache = ExtractionCache(tmp_path / "cache")  # as the fetcher extracts each downloaded file
    with pytest.raises(ExtractionError, match="只印了月份 2026-12"):
        cache.extract(path, load_spec("branch_daily", SPECS), "2026-12-03", "110101")


def test_a_month_title_over_the_day_is_read_as_the_day(tmp_path: Path) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", ("2026年12月网点经营日报", *HEADING[1:]))
    extraction = extract_file(path, load_spec("branch_daily", SPECS), report_date="2026-12-04")
    assert extraction.report_date == "2026-12-04"


@pytest.mark.parametrize("dated", ["数据日期：2026年12月3日—4日", "数据日期：2026-12-03至2026-12-04"])
def test_a_daily_report_printing_two_days_refuses(tmp_path: Path, dated: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", (HEADING[0], f"机构：110101 东城支行  {dated}", HEADING[2]))
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "（2026-12-03 至 2026-12-04）是一段时期，不是一天" in str(caught.value)


@pytest.mark.parametrize("beside", ["本年累计期间：2026年1月1日至2026年12月4日", "累计：2026年1-11月份"])
def test_a_daily_report_printing_its_day_and_a_cumulative_period_is_read(tmp_path: Path, beside: str) -> None:
    heading = (HEADING[0], f"机构：110101 东城支行  数据日期：2026-12-04  {beside}", HEADING[2])
    path = daily_workbook(tmp_path / "d.xlsx", heading)
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == "2026-12-04"


def test_a_date_in_chinese_numerals_is_read(tmp_path: Path) -> None:
    heading = (HEADING[0], "机构：110101 东城支行  数据日期：二〇二六年十二月三日", HEADING[2])
    path = daily_workbook(tmp_path / "d.xlsx", heading)
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == "2026-12-03"
    with pytest.raises(ExtractionError, match="报表日期是 2026-12-03（A2），不是要的 2026-12-04"):
        extract_file(path, load_spec("branch_daily", SPECS), report_date="2026-12-04")


@pytest.mark.parametrize("below", ["数据日期：二〇二六年十二月三日", "注：本表数据截至十二月三日"])
def test_another_day_in_chinese_numerals_under_the_table_refuses(tmp_path: Path, below: str) -> None:
    path = daily_workbook(tmp_path / "d.xlsx", below=("", below))
    with pytest.raises(ExtractionError, match="A2 写 2026-12-04，A15 写 2026-12-03"):
        extract_file(path, load_spec("branch_daily", SPECS))


def test_a_date_label_with_a_value_that_cannot_be_read_refuses(tmp_path: Path) -> None:
    heading = (HEADING[0], "机构：110101 东城支行  数据日期：十二月", HEADING[2])
    path = daily_workbook(tmp_path / "d.xlsx", heading)
    with pytest.raises(ExtractionError, match="A2 写的“数据日期:十二月”认不出是哪一天"):
        extract_file(path, load_spec("branch_daily", SPECS))
