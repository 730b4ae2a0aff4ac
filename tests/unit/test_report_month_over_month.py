"""The monthly 中间业务收入月报 against last month's (tester AZ F3, 2026-12-07): last month's report
republished under this month, and one whose unit lines said 万元 over figures in 元, were
consolidated with exit 0, checked against their own totals only. This month's 较上月 must be its
本月 less last month's 本月, and its 本月 its 本年累计 less last month's (within a year).

The two months' workbooks are written here (tests/hand_reports: figures chosen by hand, October's
worked out from November's 较上月 and 本年累计), extracted by the real reader and collected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.report_extraction.collect import collect
from flows.report_extraction.extract import extract_file
from flows.report_extraction.specs import load_spec
from flows.report_extraction.work_items import MONTHLY_REPORT, PREVIOUS, ReportItem
from rpa.queue.models import ItemState, WorkItem
from rpa.settings import PROJECT_ROOT
from tests.hand_reports import FEE_FIGURES, fee_workbook

SPECS = {name: load_spec(name, PROJECT_ROOT / "config" / "specs")
         for name in ("branch_daily", "summary_daily", "fee_income_monthly")}
NOW = datetime(2026, 12, 1, tzinfo=UTC)
# October as November's figures say it was: 本月 = 本月 - 较上月, 本年累计 = 本年累计 - 本月; its own
# 较上月 any figure (September is not looked at)
OCTOBER = [[(month - change, 3, total - month) for month, change, total in rows] for rows in FEE_FIGURES]


def _done(number: int, item: ReportItem, path: Path | None) -> WorkItem:
    result: dict[str, Any] = {"status": "done", "figures": 0}
    if path is not None:
        extraction = extract_file(path, SPECS["fee_income_monthly"], report_date=item.date)
        result["extraction"] = extraction.to_json()
    return WorkItem(id=number, flow="report-extraction", run_id="r", key=f"k{number}",
                    payload=item.payload(), state=ItemState.DONE, attempts=1, lease_owner=None,
                    lease_expires_at=None, not_before=None, last_error_code=None, last_error_message=None,
                    result=result, created_at=NOW, updated_at=NOW)


def _month_checks(this: Path, last: Path | None) -> list[Any]:
    items = [_done(1, ReportItem(MONTHLY_REPORT, None, "2026-11-30", "xlsx"), this),
             _done(2, ReportItem(MONTHLY_REPORT, None, "2026-10-31", "xlsx", PREVIOUS), last)]
    collected = collect(items, report_date="2026-11-30", formats=["xlsx"], specs=SPECS)
    return [c for c in collected.checks if c.name == "month_change"]


@pytest.fixture
def october(tmp_path: Path) -> Path:
    return fee_workbook(tmp_path / "october.xlsx", ("中间业务收入月报", "报表期间：2026年10月  单位：元"),
                        figures_of=OCTOBER)


def test_a_month_that_follows_from_the_last_passes_both_checks(tmp_path: Path, october: Path) -> None:
    checks = _month_checks(fee_workbook(tmp_path / "november.xlsx"), october)
    assert [c.ok for c in checks] == [True, True]
    assert "较上月与本月减上月" in checks[0].message and "本月与本年累计减上月" in checks[1].message


def test_last_months_report_relabelled_as_this_month_fails(tmp_path: Path, october: Path) -> None:
    november = ("中间业务收入月报", "报表期间：2026年11月  单位：元")
    relabelled = fee_workbook(tmp_path / "relabelled.xlsx", november, figures_of=OCTOBER)
    checks = _month_checks(relabelled, october)
    assert checks and not any(c.ok for c in checks)
    said = " ".join(c.message for c in checks)
    assert "结算类（网点 110101）" in said and "报表平台可能仍是上月的数据" in said


def test_a_unit_line_saying_wan_over_figures_in_yuan_fails(tmp_path: Path, october: Path) -> None:
    drifted = fee_workbook(tmp_path / "wan.xlsx", ("中间业务收入月报", "报表期间：2026年11月  单位：万元"))
    checks = _month_checks(drifted, october)
    assert checks and not any(c.ok for c in checks)
    assert any("或单位有误" in c.message for c in checks)


def test_last_month_not_on_the_platform_is_no_pass(tmp_path: Path) -> None:
    (check,) = _month_checks(fee_workbook(tmp_path / "november.xlsx"), None)
    assert not check.ok and "未能比较，报表平台上没有上月的中间业务收入月报" in check.message
