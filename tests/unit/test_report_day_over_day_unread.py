"""The day-over-day check of a run whose day-before summary was downloaded and then refused: it
never ran, so it is not 通过 (a tester's finding: it said 通过, "未下载或平台上没有"). Nor is one
the platform does not have (tester AZ, 2026-12-07: with the day before's summary unlisted, a day
republished from the day before passed, exit 0, though README says 较上日核对 catches it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flows.report_extraction import Extraction, Figure, Provenance
from flows.report_extraction.collect import collect
from flows.report_extraction.specs import load_spec
from flows.report_extraction.work_items import PREVIOUS, SUMMARY_REPORT, ReportItem
from rpa.queue.models import ItemState, WorkItem
from rpa.settings import PROJECT_ROOT

SPECS = {name: load_spec(name, PROJECT_ROOT / "config" / "specs")
         for name in ("branch_daily", "summary_daily", "fee_income_monthly")}
NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _item(number: int, item: ReportItem, state: ItemState, result: dict[str, Any] | None,
          error: str | None = None) -> WorkItem:
    return WorkItem(id=number, flow="report-extraction", run_id="r", key=f"k{number}", payload=item.payload(),
                    state=state, attempts=1, lease_owner=None, lease_expires_at=None, not_before=None,
                    last_error_code="label_not_found" if error else None, last_error_message=error,
                    result=result, created_at=NOW, updated_at=NOW)


def _summary() -> dict[str, Any]:
    figure = Figure(branch="110101", metric="储蓄存款余额", column="本日", value_yuan=Decimal("1000000"),
                    raw="100.00", unit="万元", provenance=Provenance(file="s.xlsx", sheet="S", cell="C6"))
    extraction = Extraction(spec="summary_daily", file="s.xlsx", sha256="0" * 64, figures=[figure], checks=[])
    return {"status": "done", "extraction": extraction.to_json()}


def _day_over_day(previous_state: ItemState, previous_result: dict[str, Any] | None,
                  error: str | None) -> Any:
    today = ReportItem(SUMMARY_REPORT, None, "2026-12-03", "xlsx")
    before = ReportItem(SUMMARY_REPORT, None, "2026-12-02", "xlsx", PREVIOUS)
    items = [_item(1, today, ItemState.DONE, _summary()),
             _item(2, before, previous_state, previous_result, error)]
    collected = collect(items, report_date="2026-12-03", formats=["xlsx"], specs=SPECS)
    (check,) = [c for c in collected.checks if c.name == "day_over_day"]
    return check


def test_a_refused_day_before_summary_is_not_a_passed_comparison() -> None:
    check = _day_over_day(ItemState.BUSINESS_ERROR, None, "找不到“合计”行")
    assert not check.ok and "未能比较" in check.message and "2026-12-02" in check.message


def test_a_day_before_summary_the_platform_lacks_is_not_a_passed_comparison_either() -> None:
    absent = {"status": "done", "note": "分行汇总日报 2026-12-02 xlsx：平台上没有", "figures": 0}
    check = _day_over_day(ItemState.DONE, absent, None)
    assert not check.ok and "未能比较，报表平台上没有前一日的分行汇总日报" in check.message
    assert "较上日核对无从做起" in check.message and "重跑" in check.message


def test_a_refused_summary_is_said_refused_not_missing_beside_the_branch_files() -> None:
    """Tester AZ's F6: a summary the run refused read `没有 xlsx 格式的分行汇总日报`: there was one."""
    from flows.report_extraction.work_items import BRANCH_REPORT

    figure = Figure(branch="110101", metric="储蓄存款余额", column="本日", value_yuan=Decimal("1000000"),
                    raw="100.00", unit="万元", provenance=Provenance(file="b.xlsx", sheet="S", cell="C6"))
    branch = Extraction(spec="branch_daily", file="b.xlsx", sha256="0" * 64, figures=[figure], checks=[],
                        branch="110101", report_date="2026-12-03")
    items = [_item(1, ReportItem(BRANCH_REPORT, "110101", "2026-12-03", "xlsx"), ItemState.DONE,
                   {"status": "done", "extraction": branch.to_json()}),
             _item(2, ReportItem(SUMMARY_REPORT, None, "2026-12-03", "xlsx"), ItemState.BUSINESS_ERROR, None,
                   "行标签 A6 的代码是东城支行，名称却是西城支行")]
    collected = collect(items, report_date="2026-12-03", formats=["xlsx"], specs=SPECS)
    (check,) = [c for c in collected.checks if c.name == "reconcile"]
    assert not check.ok and check.message.startswith("xlsx 格式的分行汇总日报未能读出（原因见该文件的校验）")
