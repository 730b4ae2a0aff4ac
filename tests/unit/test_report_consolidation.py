"""The report flow's pieces without a browser: the scorecard's ranking rules, the extraction
cache, the download checks, the item plan and the consolidated workbook."""

from __future__ import annotations

import json
import stat
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from bots.report_files import safe_file_name, verify_report_file
from fixtures.reports.generate import build_report
from flows.report_extraction.cache import ExtractionCache
from flows.report_extraction.collect import Collected
from flows.report_extraction.consolidate import write_consolidated
from flows.report_extraction.flow import ReportExtractionFlow
from flows.report_extraction.models import CheckResult, Provenance
from flows.report_extraction.scorecard import ScorecardConfig, load_scorecard_config, score_branches
from flows.report_extraction.specs import load_spec
from flows.report_extraction.work_items import CURRENT, PREVIOUS, ReportItem, for_day, plan_days, plan_items
from rpa.errors import ConfigError, DownloadFailed, ExtractionError, UsageError
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
TWO = ScorecardConfig.model_validate({
    "tie_breaker": "储蓄",
    "indicators": [
        {"name": "储蓄", "metrics": ["储蓄存款余额"], "weight": "0.5"},
        {"name": "贷款", "metrics": ["个人贷款余额", "对公贷款余额"], "weight": "0.5"},
    ],
})


def figures(savings: int, personal: int, corporate: int) -> dict[str, Decimal]:
    values = {"储蓄存款余额": savings, "个人贷款余额": personal, "对公贷款余额": corporate}
    return {metric: Decimal(value) for metric, value in values.items()}


def test_min_max_scores_weighted_total_and_ties_by_savings_then_code() -> None:
    card = score_branches(
        {
            "110105": figures(100, 0, 0),  # savings best, loans worst: 50
            "110101": figures(0, 50, 50),  # savings worst, loans best: 50, lower savings
            "110102": figures(50, 25, 25),  # 50 + 50: 50, middle savings
            "110108": figures(100, 0, 0),  # the same as 110105: the code decides
        },
        TWO,
        names={"110105": "朝阳支行"},
    )
    assert [(s.branch, s.total) for s in card.ranked] == [
        ("110105", Decimal("50.00")), ("110108", Decimal("50.00")),
        ("110102", Decimal("50.00")), ("110101", Decimal("50.00")),
    ]
    top = card.ranked[0]
    assert top.rank == 1 and top.name == "朝阳支行"
    assert top.scores == {"储蓄": Decimal("100.00"), "贷款": Decimal("0.00")}
    assert card.ranked[2].values == {"储蓄": Decimal(50), "贷款": Decimal(50)}


def test_a_branch_missing_a_figure_is_listed_unranked_with_the_reason() -> None:
    card = score_branches(
        {"110101": figures(10, 1, 1), "110102": {"储蓄存款余额": Decimal(5)}, "110105": figures(20, 5, 5)},
        TWO,
        reasons={"110106": "网点经营日报 110106 2026-11-27 xlsx: failed: truncated"},
    )
    assert [s.branch for s in card.ranked] == ["110105", "110101"]
    assert card.ranked[0].total == Decimal("100.00") and card.ranked[1].total == Decimal("0.00")
    why = {u.branch: u.reason for u in card.unranked}
    assert "个人贷款余额" in why["110102"] and "对公贷款余额" in why["110102"]
    assert "truncated" in why["110106"]


def test_equal_values_score_100_each() -> None:
    card = score_branches({"110101": figures(7, 1, 1), "110102": figures(7, 1, 1)}, TWO)
    assert [s.total for s in card.ranked] == [Decimal("100.00"), Decimal("100.00")]


@pytest.mark.parametrize(
    ("change", "problem"),
    [("weight: 0.30", "权重之和"), ("tie_breaker: 储蓄", "不是指标之一")],
)
def test_scorecard_configuration_is_validated(tmp_path: Path, change: str, problem: str) -> None:
    text = (CONFIG / "scorecard.yaml").read_text(encoding="utf-8")
    broken = text.replace(change, "weight: 0.40" if "weight" in change else "tie_breaker: 存款", 1)
    path = tmp_path / "scorecard.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_scorecard_config(path)
    assert load_scorecard_config(CONFIG / "scorecard.yaml").tie_breaker == "储蓄"


def test_an_unchanged_file_is_extracted_once(tmp_path: Path) -> None:
    report = tmp_path / "网点经营日报_东城支行_20261127.xlsx"
    report.write_bytes(build_report("branch_daily", date(2026, 11, 27), "110101", "xlsx"))
    cache = ExtractionCache(tmp_path / "runs" / "_cache" / "extractions")
    spec = load_spec("branch_daily", CONFIG / "specs")
    first, cached_first = cache.extract(report, spec)
    again = tmp_path / "again.xlsx"
    again.write_bytes(report.read_bytes())
    second, cached_second = cache.extract(again, spec)
    assert (cached_first, cached_second) == (False, True)
    assert second.figures[0].value_yuan == first.figures[0].value_yuan and len(second.figures) == 27
    assert second.file == "again.xlsx" and second.figures[0].provenance.file == "again.xlsx"
    (entry,) = cache.folder.glob("*.json")
    assert entry.stem == first.sha256 and stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.folder.parent.stat().st_mode) == 0o700
    _, cached_other_spec = cache.extract(report, spec.model_copy(update={"title": "网点经营日报(新)"}))
    assert not cached_other_spec  # a changed spec reads the file again


def test_an_extraction_cached_by_another_reader_is_not_used(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Tester BK F14 (2026-12-07): a run took a file's reading from the cache an older reader had
    made (a 红字 read positive) though the reader it ran refused that file."""
    from flows.report_extraction import cache as cache_module

    report = tmp_path / "网点经营日报_东城支行_20261127.xlsx"
    report.write_bytes(build_report("branch_daily", date(2026, 11, 27), "110101", "xlsx"))
    cache = ExtractionCache(tmp_path / "runs" / "_cache" / "extractions")
    spec = load_spec("branch_daily", CONFIG / "specs")
    monkeypatch.setattr(cache_module, "reader_version", lambda: "an older reader")
    cache.extract(report, spec)
    (entry,) = cache.folder.glob("*.json")
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["extraction"]["figures"][0]["value_yuan"] = "1"  # what the older reader read
    entry.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    assert cache.extract(report, spec)[1]  # the same reader: its entry is used
    monkeypatch.undo()
    extraction, cached = cache.extract(report, spec)
    assert not cached and extraction.figures[0].value_yuan != 1


def test_whole_files_pass_and_truncated_empty_or_html_ones_fail(tmp_path: Path) -> None:
    for fmt in ("xlsx", "pdf"):
        content = build_report("summary_daily", date(2026, 11, 27), None, fmt)
        whole = tmp_path / f"whole.{fmt}"
        whole.write_bytes(content)
        verify_report_file(whole, fmt)
        cut = tmp_path / f"cut.{fmt}"
        cut.write_bytes(content[: len(content) // 2])  # starts right, ends too soon
        with pytest.raises(DownloadFailed, match="不完整"):
            verify_report_file(cut, fmt)
    page = tmp_path / "page.xlsx"
    page.write_bytes("<html><body><td>报表文件生成异常</td></body></html>".encode("gbk"))
    with pytest.raises(DownloadFailed) as failed:
        verify_report_file(page, "xlsx")
    assert failed.value.portal_message == "报表文件生成异常"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(DownloadFailed, match="是空的"):
        verify_report_file(empty, "pdf")
    # tester BO F11 (2026-12-08): an encrypted workbook (an OLE2 file) was a download failure shown
    # as a Python bytes literal and retried; it is refused (拒收), as every download brings it again
    sealed = tmp_path / "sealed.xlsx"
    sealed.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ExtractionError, match=r"加密的 Excel 工作簿或旧版 \.xls"):
        verify_report_file(sealed, "xlsx")
    text = tmp_path / "text.xlsx"
    text.write_bytes("\ufeff项目,本日\n".encode())
    with pytest.raises(DownloadFailed, match="文件开头的字节：ef bb bf") as failed_text:
        verify_report_file(text, "xlsx")
    assert "b'" not in str(failed_text.value)
    assert safe_file_name("a/b:c.xlsx", "xlsx", "D0101") == "a_b_c.xlsx"


def test_plan_has_each_branch_the_summary_the_day_before_and_the_monthly_on_month_ends() -> None:
    month_end = plan_items(date(2026, 11, 30), ["110101", "110102"], formats=["xlsx", "pdf"],
                           monthly_formats=["pdf"])
    described = [item.describe() for item in month_end]
    assert described == [  # a report's formats together: one list query serves them all
        *(f"{name} 2026-11-30 {fmt}"
          for name in ("网点经营日报 110101", "网点经营日报 110102", "分行汇总日报")
          for fmt in ("xlsx", "pdf")),
        "分行汇总日报 2026-11-29 xlsx", "中间业务收入月报 2026-11-30 pdf", "中间业务收入月报 2026-10-31 pdf",
    ]  # last month's monthly report for the 较上月 check
    assert month_end[6].role == PREVIOUS and month_end[8].role == PREVIOUS
    assert len({item.key("run-1") for item in month_end}) == len(month_end)
    assert month_end[0].key("run-1") != month_end[0].key("run-2")
    ordinary = plan_items(date(2026, 11, 27), ["110101"], formats=["xlsx"], monthly_formats=["pdf"],
                          day_over_day=False)
    assert [i.report for i in ordinary] == ["branch_daily", "summary_daily"]


def test_several_days_fetch_a_summary_two_days_need_once_as_the_days_own() -> None:
    days = [date(2026, 11, 27), date(2026, 11, 26)]  # any order: planned day after day
    planned = plan_days(days, ["110101"], formats=["pdf", "xlsx"], monthly_formats=["pdf"])
    described = [(item.describe(), item.role) for item in planned]
    assert described == [
        ("网点经营日报 110101 2026-11-26 pdf", CURRENT), ("网点经营日报 110101 2026-11-26 xlsx", CURRENT),
        ("分行汇总日报 2026-11-26 pdf", CURRENT), ("分行汇总日报 2026-11-26 xlsx", CURRENT),
        ("分行汇总日报 2026-11-25 pdf", PREVIOUS),
        ("网点经营日报 110101 2026-11-27 pdf", CURRENT), ("网点经营日报 110101 2026-11-27 xlsx", CURRENT),
        ("分行汇总日报 2026-11-27 pdf", CURRENT), ("分行汇总日报 2026-11-27 xlsx", CURRENT),
    ]  # the 27th's day-before summary is the 26th's pdf, fetched once, as the 26th's own
    assert len({item.key("run-1") for item in planned}) == len(planned)
    single = plan_items(date(2026, 11, 27), ["110101"], formats=["xlsx"], monthly_formats=["pdf"])
    assert plan_days([date(2026, 11, 27)], ["110101"], formats=["xlsx"], monthly_formats=["pdf"]) == single


def _work_item(number: int, item: ReportItem) -> WorkItem:
    moment = datetime(2026, 11, 28, 7, 30)
    return WorkItem(id=number, flow="report-extraction", run_id="run-1", key=item.key("run-1"),
                    payload=item.payload(), state=ItemState.DONE, attempts=1, lease_owner=None,
                    lease_expires_at=None, not_before=None, last_error_code=None, last_error_message=None,
                    result=None, created_at=moment, updated_at=moment)


@pytest.mark.parametrize("days", [[date(2026, 11, 26), date(2026, 11, 27)],
                                  [date(2026, 10, 31), date(2026, 11, 30)]], ids=["days", "month-ends"])
def test_each_day_of_a_run_gets_the_items_a_run_for_that_day_alone_has(days: list[date]) -> None:
    """Two month ends in one run: October's monthly report is fetched once, as the 31st's own,
    and is the 30th's last month's report."""
    planned = plan_days(days, ["110101"], formats=["xlsx", "pdf"], monthly_formats=["pdf"])
    items = [_work_item(n, item) for n, item in enumerate(planned)]
    for day in days:
        alone = plan_items(day, ["110101"], formats=["xlsx", "pdf"], monthly_formats=["pdf"])
        chosen = [ReportItem.from_payload(w.payload) for w in for_day(items, day, ["xlsx", "pdf"], ["pdf"])]
        assert sorted(chosen, key=str) == sorted(alone, key=str)


@pytest.mark.parametrize(("given", "days"), [
    ("2026-11-27", [27]), (["2026-11-27"], [27]), (["2026-11-27,2026-11-26", "2026-11-27"], [26, 27]),
])
def test_the_flow_takes_one_date_or_several(given: str | list[str], days: list[int]) -> None:
    assert ReportExtractionFlow(date=given).report_dates == [date(2026, 11, day) for day in days]
    with pytest.raises(UsageError, match="不是日期"):
        ReportExtractionFlow(date=["2026-11-27", "yesterday"])
    with pytest.raises(UsageError, match="请用 --date"):
        ReportExtractionFlow(date=[])


def test_a_branch_given_twice_is_fetched_and_listed_once() -> None:
    flow = ReportExtractionFlow(date="2026-11-16", branches=["110101", "110101,110105", "110101"])
    assert flow.branches == ["110101", "110105"]


def test_workbook_lists_failed_checks_unranked_branches_and_has_a_chart(tmp_path: Path) -> None:
    collected = Collected("2026-11-27", ["xlsx"])
    collected.branch_figures = {"110101": figures(300, 10, 10), "110102": figures(100, 30, 30)}
    collected.units = {"储蓄存款余额": "元", "个人贷款余额": "元", "对公贷款余额": "元"}
    collected.branch_reasons = {"110105": "网点经营日报 110105 2026-11-27 xlsx: failed: truncated"}
    collected.checks = [
        CheckResult("reconcile", False, "储蓄存款余额 本日 of branch 110101 differs by 100 元",
                    [Provenance("a.xlsx", sheet="网点经营日报", cell="C6")]),
        CheckResult("totals", True, "ok"),
    ]
    card = score_branches(collected.branch_figures, TWO, reasons=collected.branch_reasons)
    path = write_consolidated(tmp_path / "consolidated.xlsx", collected, card,
                              branches=["110101", "110102", "110105"], names={"110101": "东城支行"},
                              metrics=["储蓄存款余额", "个人贷款余额", "对公贷款余额"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["数据", "校验", "评分"]
    data = workbook["数据"]
    assert data["C3"].value == 300 and data["C3"].number_format == "#,##0.00"
    assert data["A5"].value == "110105" and "truncated" in data["F5"].value
    checks = workbook["校验"]
    assert checks["B3"].value == "未通过" and "未通过 1 项" in checks["A1"].value
    assert [c.value for c in checks[4]] == [1, "网点与汇总核对", "不通过", collected.checks[0].message,
                                             "a.xlsx, 网点经营日报!C6"]
    assert [c.value for c in checks[5]][1:3] == ["合计核对", "通过"]  # passed checks are listed too
    scores = workbook["评分"]
    assert [scores.cell(r, 2).value for r in (3, 4, 5)] == ["110101", "110102", "110105"]
    assert scores["A5"].value == "未排名" and "truncated" in scores.cell(5, 9).value
    assert len(scores._charts) == 1 and scores.freeze_panes == "D3"


def test_the_totals_row_names_the_monthly_report_its_monthly_figure_comes_from(tmp_path: Path) -> None:
    collected = Collected("2026-11-30", ["xlsx"])
    collected.branch_figures = {"110101": figures(300, 10, 10)}
    collected.units = {"储蓄存款余额": "元", "个人贷款余额": "元", "对公贷款余额": "元"}
    collected.totals = {"储蓄存款余额": Decimal(300), "个人贷款余额": Decimal(10),
                        "对公贷款余额": Decimal(10)}
    collected.monthly_fee = {"110101": Decimal("12.50"), "合计": Decimal("12.50")}
    card = score_branches(collected.branch_figures, TWO)
    path = write_consolidated(tmp_path / "consolidated.xlsx", collected, card, branches=["110101"],
                              names={"110101": "东城支行"},
                              metrics=["储蓄存款余额", "个人贷款余额", "对公贷款余额"])
    rows = list(openpyxl.load_workbook(path)["数据"].iter_rows(values_only=True))
    (total,) = [row for row in rows if row[0] == "合计"]
    assert float(total[-2]) == 12.5
    assert "分行汇总日报" in total[-1] and "月报本月小计取自中间业务收入月报" in total[-1]


def test_a_run_of_some_branches_says_its_totals_row_is_not_the_sum_of_the_rows_above(tmp_path: Path) -> None:
    collected = Collected("2026-12-04", ["xlsx"])
    collected.branch_figures = {"110101": figures(300, 10, 10), "110105": figures(200, 10, 10)}
    collected.units = {"储蓄存款余额": "元", "个人贷款余额": "元", "对公贷款余额": "元"}
    collected.totals = {"储蓄存款余额": Decimal(1800), "个人贷款余额": Decimal(80),
                        "对公贷款余额": Decimal(80)}  # the whole bank's, eight branches
    names = {code: f"支行{code}" for code in ("110101", "110102", "110103", "110105")}
    card = score_branches(collected.branch_figures, TWO)
    path = write_consolidated(tmp_path / "consolidated.xlsx", collected, card, branches=["110101", "110105"],
                              names=names, metrics=["储蓄存款余额", "个人贷款余额", "对公贷款余额"])
    (total,) = [row for row in openpyxl.load_workbook(path)["数据"].iter_rows(values_only=True)
                if row[0] == "合计"]
    assert "含本表未列的 2 个机构，不是上列各行之和" in total[-1]


def test_a_figure_in_dispute_with_the_summary_is_marked_on_its_row(tmp_path: Path) -> None:
    """Tester R's R5: a branch file read ten thousand times too small (its unit column said 元)
    failed the reconciliation, yet its row in 数据, the sheet the bank copies on, said nothing."""
    from flows.report_extraction.checks import SummaryPair
    from flows.report_extraction.models import Figure

    def figure(file: str, value: str) -> Figure:
        return Figure("110105", "储蓄存款余额", "本日", Decimal(value), value, "元", Provenance(file))

    collected = Collected("2026-12-03", ["xlsx"])
    collected.branch_figures = {"110101": figures(300, 10, 10), "110105": figures(98137, 10, 10)}
    collected.units = {"储蓄存款余额": "元", "个人贷款余额": "元", "对公贷款余额": "元"}
    collected.pairs = {"xlsx": [
        SummaryPair("110105", "储蓄存款余额", "本日", figure("b.xlsx", "98137.38"),
                    figure("s.xlsx", "981373800"), Decimal(50)),
        SummaryPair("110105", "个人贷款余额", "本日", None, None, Decimal(50)),  # one side missing
    ]}
    card = score_branches(collected.branch_figures, TWO)
    path = write_consolidated(tmp_path / "consolidated_不完整.xlsx", collected, card,
                              branches=["110101", "110105"], names={},
                              metrics=["储蓄存款余额", "个人贷款余额", "对公贷款余额"])
    rows = {row[0]: row for row in openpyxl.load_workbook(path)["数据"].iter_rows(values_only=True)}
    said = "储蓄存款余额、个人贷款余额与分行汇总日报对不上（数不同或一方没有），见校验表"
    assert rows["110105"][-1] == said
    assert rows["110101"][-1] in (None, "")
