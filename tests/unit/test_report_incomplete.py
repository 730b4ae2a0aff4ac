"""A partial picture is never published as a whole one: a run whose files are not all in, or
whose checks did not all pass, writes a workbook that says 不完整 and why, and ranks nothing.
Units in the headers come from the metric (户, 个, 元), an empty workbook's too."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

from flows.report_extraction.collect import collect
from flows.report_extraction.consolidate import write_consolidated
from flows.report_extraction.flow import check_lines, incomplete_name
from flows.report_extraction.scorecard import ScorecardConfig, score_branches, withhold
from flows.report_extraction.specs import load_spec
from flows.report_extraction.work_items import ReportItem
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.settings import PROJECT_ROOT

SPECS = {name: load_spec(name, PROJECT_ROOT / "config" / "specs")
         for name in ("branch_daily", "summary_daily", "fee_income_monthly")}
METRICS = [row.name for row in SPECS["branch_daily"].rows]
CARD = ScorecardConfig.model_validate({
    "tie_breaker": "储蓄",
    "indicators": [{"name": "储蓄", "metrics": ["储蓄存款余额"], "weight": "0.5"},
                   {"name": "客户", "metrics": ["客户数"], "weight": "0.5"}],
})
REFUSED = "网点经营日报_110102.xlsx: row label(s) '普惠贷款余额' not found; nearest labels seen: 普惠金融"


def _item(number: int, item: ReportItem, state: ItemState, message: str | None = None) -> WorkItem:
    moment = datetime(2026, 11, 28, 7, 30)
    return WorkItem(id=number, flow="report-extraction", run_id="run-1", key=item.key("run-1"),
                    payload=item.payload(), state=state, attempts=1, lease_owner=None, lease_expires_at=None,
                    not_before=None, last_error_code=None, last_error_message=message, result=None,
                    created_at=moment, updated_at=moment)


def _stopped_run() -> list[WorkItem]:
    """110102's file refused, 110101's never fetched (the run stopped), the summary failed."""
    day = "2026-11-27"
    return [
        _item(1, ReportItem("branch_daily", "110101", day, "xlsx"), ItemState.PENDING),
        _item(2, ReportItem("branch_daily", "110102", day, "xlsx"), ItemState.BUSINESS_ERROR, REFUSED),
        _item(3, ReportItem("summary_daily", None, day, "xlsx"), ItemState.FAILED, "download truncated"),
    ]


def test_refused_and_missing_files_make_the_picture_incomplete_and_say_why() -> None:
    collected = collect(_stopped_run(), report_date="2026-11-27", formats=["xlsx"], specs=SPECS)
    assert collected.refused == [("网点经营日报 110102 2026-11-27 xlsx", REFUSED)]
    assert collected.incomplete(["110101", "110102"]) == [
        "1 个文件被拒收", "2 个文件未取得（下载失败或运行提前停止）", "2 个网点未得到数据（110101、110102）"]
    lines = check_lines(collected, "2026-11-27")
    assert {"date": "2026-11-27", "check": "拒收文件", "result": "拒收",
            "message": f"网点经营日报 110102 2026-11-27 xlsx: {REFUSED}"} in lines
    assert sum(1 for line in lines if line["result"] == "不通过") == 2  # the two files not fetched


def test_a_withheld_scorecard_ranks_nothing_and_the_workbook_says_so_first(tmp_path: Path) -> None:
    collected = collect(_stopped_run(), report_date="2026-11-27", formats=["xlsx"], specs=SPECS)
    collected.branch_figures = {"110101": {"储蓄存款余额": Decimal(5), "客户数": Decimal(40)}}  # one in
    why = collected.incomplete(["110101", "110102"])
    full = score_branches(collected.branch_figures, CARD, reasons={"110102": "网点经营日报 110102: 拒收"})
    assert [s.total for s in full.ranked] == [Decimal("100.00")]  # alone, it would top every indicator
    card = withhold(full, why)
    assert card.ranked == [] and card.incomplete == why
    assert [(u.branch, u.reason) for u in card.unranked] == [
        ("110101", "评分不完整，未排名"), ("110102", "网点经营日报 110102: 拒收")]

    path = write_consolidated(tmp_path / incomplete_name("consolidated.xlsx"), collected, card,
                              branches=["110101", "110102"], names={}, metrics=METRICS)
    assert path.name == "consolidated_不完整.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["不完整", "数据", "校验", "评分"]
    reasons = [row[1] for row in workbook["不完整"].iter_rows(min_row=3, values_only=True)]
    assert reasons[:len(why)] == why
    assert "rpa run report-extraction --resume <运行编号>" in str(reasons[-1])  # a command that exists
    scores = workbook["评分"]
    assert scores["A1"].value.startswith("不完整：1 个文件被拒收；2 个文件未取得")
    ranks = [scores.cell(r, 1).value for r in (3, 4)]
    assert ranks == ["未排名", "未排名"] and not scores._charts
    checks = workbook["校验"]
    texts = [[c for c in row if c is not None] for row in checks.iter_rows(values_only=True)]
    at = texts.index(["拒收文件"])
    assert texts[at + 2] == [1, "网点经营日报 110102 2026-11-27 xlsx", REFUSED]


def test_a_branch_whose_report_prints_no_figure_for_a_metric_is_an_incomplete_picture() -> None:
    """Tester BO F2 (2026-12-08): 中间业务收入 printed `—` in the branch's file and in the summary
    passed every check (比较 17 项, 合计 as the sum of the others); the run was 全部完成 with a blank
    in 数据 and a scorecard ranking the other branch alone with full marks."""
    collected = collect([], report_date="2026-12-03", formats=["xlsx"], specs=SPECS)
    whole = dict.fromkeys(METRICS, Decimal(1))
    collected.branch_figures = {"110101": {m: v for m, v in whole.items() if m != "中间业务收入"},
                                "110102": whole}
    assert collected.incomplete(["110101", "110102"]) == [
        "网点 110101 的中间业务收入没有数字（报表印为“—”或空白，见读取说明）"]
    collected.branch_figures["110101"] = whole  # `dash_means_zero: true` reads the dash as 0
    assert collected.incomplete(["110101", "110102"]) == []


def test_an_empty_workbook_labels_counts_by_their_own_unit(tmp_path: Path) -> None:
    collected = collect([], report_date="2026-11-27", formats=["xlsx"], specs=SPECS)
    card = withhold(score_branches({}, CARD, reasons={"110101": "无数据"}), ["1 个网点没有数据（110101）"])
    path = write_consolidated(tmp_path / "c.xlsx", collected, card, branches=["110101"], names={},
                              metrics=METRICS)
    workbook = openpyxl.load_workbook(path)
    headers = [c.value for c in workbook["数据"][2]]
    assert "客户数（户）" in headers and "新增客户数（户）" in headers
    assert "对公账户开户数（个）" in headers and "储蓄存款余额（元）" in headers
    assert "客户数（元）" not in headers
    assert "客户（户）" in [c.value for c in workbook["评分"][2]]
