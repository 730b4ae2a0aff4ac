"""Reports of another day, of no stated day or of two days, and counts whose total is a little
off: each was read as if nothing were wrong (found 2026-12-04 by a tester who had not read the
code). Every workbook here is written cell by cell from the layout described in DOMAIN.md: a
title, an information line with the branch, a 报表日期 line, a unit line, then the table."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fixtures.reports import build_report
from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from rpa.errors import ExtractionError

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
DAILY_ROWS = [("储蓄存款余额", "8,812.40"), ("个人金融资产余额", "15,230.00"), ("个人贷款余额", "6,120.55"),
              ("对公贷款余额", "9,004.10"), ("普惠贷款余额", "1,350.00"), ("中间业务收入", "42.18"),
              ("客户数", "2,311"), ("新增客户数", "7"), ("对公账户开户数", "3")]


def _spec(name: str) -> ExtractionSpec:
    return load_spec(name, SPECS)


def _daily(tmp_path: Path, title: str = "网点经营日报",
           date_line: str | None = "报表日期：2026-12-03") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    ws.append([title])
    ws.append(["机构：110102 西城支行"])
    if date_line is not None:
        ws.append([date_line])
    ws.append(["单位：万元"])
    ws.append(["项目", "本日", "较上日", "较年初"])
    for label, value in DAILY_ROWS:
        ws.append([label, value, "1.00", "2.00"])
    path = tmp_path / "daily.xlsx"
    book.save(path)
    return path


def test_a_report_of_another_day_than_asked_is_refused_naming_both_days(tmp_path: Path) -> None:
    path = _daily(tmp_path)
    assert extract_file(path, _spec("branch_daily"), report_date="2026-12-03").report_date == "2026-12-03"
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, _spec("branch_daily"), report_date="2026-12-02")
    assert "报表日期是 2026-12-03（A3），不是要的 2026-12-02" in caught.value.message
    assert caught.value.code == "report_date"


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_downloaded_report_of_another_day_is_refused_in_either_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"summary.{fmt}"
    path.write_bytes(build_report("summary_daily", date(2026, 3, 5), None, fmt, variant="standard"))
    assert extract_file(path, _spec("summary_daily"), report_date="2026-03-05").figures
    with pytest.raises(ExtractionError, match=r"报表日期是 2026-03-05.*不是要的 2025-01-01"):
        extract_file(path, _spec("summary_daily"), report_date="2025-01-01")


def test_a_monthly_report_covers_each_day_of_its_month_only(tmp_path: Path) -> None:
    path = tmp_path / "fee.xlsx"
    path.write_bytes(build_report("fee_income_monthly", date(2026, 3, 5), None, "xlsx", variant="standard"))
    assert extract_file(path, _spec("fee_income_monthly"), report_date="2026-03-31").report_date == "2026-03"
    with pytest.raises(ExtractionError, match=r"报表日期是 2026-03.*不是要的 2026-04-30"):
        extract_file(path, _spec("fee_income_monthly"), report_date="2026-04-30")


def test_a_report_that_prints_no_day_is_read_but_refused_when_a_day_is_asked(tmp_path: Path) -> None:
    path = _daily(tmp_path, date_line=None)
    assert extract_file(path, _spec("branch_daily")).report_date is None
    with pytest.raises(ExtractionError, match=r"没有印报表日期.*无法核对是不是 2026-12-05 的报表"):
        extract_file(path, _spec("branch_daily"), report_date="2026-12-05")


@pytest.mark.timeout(120)
def test_rpa_extract_of_a_report_that_prints_no_day_says_so_and_exits_1(tmp_path: Path) -> None:
    """Tester AE F6: `rpa extract` without --date read an undated daily report with exit 0."""
    command = [sys.executable, "-m", "rpa", "extract", str(_daily(tmp_path, date_line=None)),
               "--spec", "branch_daily"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1, run.stderr
    assert run.stdout.splitlines()[0] == "报表日期 未印，机构 110102"
    assert run.stderr.strip() == ("注意：daily.xlsx：报表上没有印报表日期，读出的数字不知是哪一天的；"
                                  "请核对文件（加 --date 时这样的报表会被拒收）")
    as_json = subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                             check=False)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["ok"] is False  # tester AJ: said ok


def test_two_different_days_printed_refuse_the_file_naming_both_places(tmp_path: Path) -> None:
    path = _daily(tmp_path, title="网点经营日报（2026-12-02）")
    for asked in (None, "2026-12-03", "2026-12-02"):
        with pytest.raises(ExtractionError) as caught:
            extract_file(path, _spec("branch_daily"), report_date=asked)
        assert "两个不同的日期：A1 写 2026-12-02，A3 写 2026-12-03" in caught.value.message
    same = _daily(tmp_path, title="网点经营日报（2026年12月3日）")
    assert extract_file(same, _spec("branch_daily"), report_date="2026-12-03").report_date == "2026-12-03"


def _summary(tmp_path: Path, accounts_total: int, customers_total: int) -> Path:
    """Two branches and a 合计 row; money in 万元 (rounded), counts as counted."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "分行汇总日报"
    ws.append(["分行汇总日报"])
    ws.append(["报表日期：2026-12-03"])
    ws.append(["机构代码", "机构名称", "存款与资产（万元）", None, "贷款（万元）", None, None,
               "客户（户）", None, "收入（万元）", "对公账户（个）"])
    ws.append([None, None, "储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额",
               "客户数", "新增客户数", "中间业务收入", "对公账户开户数"])
    for merged in ("A3:A4", "B3:B4", "C3:D3", "E3:G3", "H3:I3"):  # the group headers span their columns
        ws.merge_cells(merged)
    ws.append(["110101", "东城支行", "100.01", "200.00", "50.00", "60.00", "7.00", "20,000", "11", "3.00",
               "19"])
    ws.append(["110102", "西城支行", "100.01", "300.00", "50.00", "40.00", "3.00", "30,000", "9", "2.00",
               "18"])
    # 200.02 would be exact: 200.03 is 100 元 off, within three figures' rounding (3 x 50 元)
    ws.append(["合计", None, "200.03", "500.00", "100.00", "100.00", "10.00", f"{customers_total:,}", "20",
               "5.00", str(accounts_total)])
    path = tmp_path / "summary.xlsx"
    book.save(path)
    return path


def test_counts_must_add_up_exactly_while_money_may_differ_by_its_rounding(tmp_path: Path) -> None:
    exact = extract_file(_summary(tmp_path, 37, 50_000), _spec("summary_daily"))
    assert exact.ok, [c.message for c in exact.checks if not c.ok]
    accounts = extract_file(_summary(tmp_path, 41, 50_000), _spec("summary_daily"))
    failed = [c.message for c in accounts.checks if not c.ok]
    assert len(failed) == 1 and "对公账户开户数" in failed[0] and "37" in failed[0] and "41" in failed[0]
    assert "容差 0 个" in failed[0]
    customers = extract_file(_summary(tmp_path, 37, 50_001), _spec("summary_daily"))
    failed = [c.message for c in customers.checks if not c.ok]
    assert len(failed) == 1 and "客户数" in failed[0]
    savings = next(f for f in exact.figures if f.branch == "合计" and f.metric == "储蓄存款余额")
    assert savings.value_yuan == Decimal("2000300")


@pytest.mark.timeout(120)
def test_rpa_extract_prints_counts_in_their_own_unit_and_the_report_s_day(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "rpa", "extract", str(_daily(tmp_path)), "--spec", "branch_daily"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "报表日期 2026-12-03，机构 110102"
    customers = next(line for line in lines if "客户数" in line and "新增" not in line and "本日" in line)
    assert customers.split()[-2:] == ["户", "(网点经营日报!B12)"] and "2311" in customers  # header in row 5
    savings = next(line for line in lines if "储蓄存款余额" in line and "本日" in line)
    assert " 元  (" in savings and "88124000" in savings
    wrong_day = subprocess.run([*command, "--date", "2026-12-02"],
                               cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert wrong_day.returncode == 1 and "不是要的 2026-12-02" in wrong_day.stderr
    assert "Traceback" not in wrong_day.stderr


def test_a_count_with_a_fraction_is_refused_naming_its_cell(tmp_path: Path) -> None:
    path = _daily(tmp_path)
    book = openpyxl.load_workbook(path)
    book.active["B12"] = "2,311.5"  # 客户数 本日 (the header is row 5)
    book.save(path)
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, _spec("branch_daily"))
    assert "网点经营日报!B12" in caught.value.message and "有小数" in caught.value.message


def test_a_branch_asked_of_a_summary_must_be_in_it(tmp_path: Path) -> None:
    path = _summary(tmp_path, 37, 50_000)
    assert extract_file(path, _spec("summary_daily"), branch="110102").figures
    with pytest.raises(ExtractionError, match="报表中没有机构 110199 的数字"):
        extract_file(path, _spec("summary_daily"), branch="110199")
