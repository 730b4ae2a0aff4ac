"""Checks across extractions: reconciliation with the summary and day-over-day changes."""

from __future__ import annotations

from decimal import Decimal

from flows.report_extraction import CheckResult, Extraction, Figure, Provenance, check_day_over_day, reconcile


def _figure(file: str, branch: str | None, metric: str, value: str, raw: str, unit: str = "万元",
            column: str = "本日") -> Figure:
    return Figure(branch=branch, metric=metric, column=column, value_yuan=Decimal(value), raw=raw, unit=unit,
                  provenance=Provenance(file=file, sheet="S", cell="C6"))


def _extraction(file: str, figures: list[Figure], branch: str | None = None) -> Extraction:
    return Extraction(spec="x", file=file, sha256="0" * 64, figures=figures, checks=[], branch=branch)


def _failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if not r.ok]


def test_reconcile_tolerance_follows_the_units_shown() -> None:
    savings = _figure("b.xlsx", "110101", "储蓄存款余额", "1234567.89", "1,234,567.89", "元")
    branch = _extraction("b.xlsx", [savings], branch="110101")
    near = _extraction("s.xlsx", [_figure("s.xlsx", "110101", "储蓄存款余额", "1234600", "123.46")])
    assert _failed(reconcile([branch], near)) == [], "32.11 元 apart: within 0.01 万元 rounding"
    far = _extraction("s.xlsx", [_figure("s.xlsx", "110101", "储蓄存款余额", "1234700", "123.47")])
    failed = _failed(reconcile([branch], far))
    assert len(failed) == 1 and "b.xlsx" in failed[0].message and "s.xlsx" in failed[0].message
    assert _failed(reconcile([branch], far, tolerance_yuan=Decimal(200))) == []
    # which side is larger is said in words, not left to the sign of a difference no one defined
    assert "相差 132.11 元（汇总比网点文件多）" in failed[0].message
    below = _extraction("s.xlsx", [_figure("s.xlsx", "110101", "储蓄存款余额", "1234400", "123.44")])
    assert "相差 167.89 元（汇总比网点文件少）" in _failed(reconcile([branch], below))[0].message


def test_a_branch_missing_from_the_summary_fails() -> None:
    branch = _extraction("b.pdf", [_figure("b.pdf", "110199", "客户数", "10", "10", "户")], branch="110199")
    summary = _extraction("s.pdf", [_figure("s.pdf", "110101", "客户数", "10", "10", "户")])
    failed = _failed(reconcile([branch], summary, tolerance_yuan=Decimal(0)))
    assert len(failed) == 1 and "110199 在汇总表 s.pdf 中没有对应行" in failed[0].message


def test_a_metric_only_the_summary_has_fails() -> None:
    branch = _extraction("b.pdf", [_figure("b.pdf", "110101", "客户数", "10", "10", "户")], branch="110101")
    summary = _extraction("s.pdf", [_figure("s.pdf", "110101", "客户数", "10", "10", "户"),
                                    _figure("s.pdf", "110101", "新增客户数", "1", "1", "户")])
    failed = _failed(reconcile([branch], summary))
    assert len(failed) == 1 and "新增客户数" in failed[0].message


def test_day_over_day_flags_a_change_above_the_share() -> None:
    before = _extraction("d1.xlsx", [_figure("d1.xlsx", "110101", "储蓄存款余额", "1000000", "100.00"),
                                     _figure("d1.xlsx", "110101", "新增客户数", "2", "2", "户")])
    after = _extraction("d2.xlsx", [_figure("d2.xlsx", "110101", "储蓄存款余额", "1300000", "130.00"),
                                    _figure("d2.xlsx", "110101", "新增客户数", "9", "9", "户")])
    flagged = _failed(check_day_over_day(after, before, max_share=Decimal("0.2")))
    assert [f.message.split(" ")[0] for f in flagged] == ["储蓄存款余额", "新增客户数"]
    assert "30.0%" in flagged[0].message and "d1.xlsx" in flagged[0].message
    assert {p.file for p in flagged[0].provenance} == {"d1.xlsx", "d2.xlsx"}
    limited = check_day_over_day(after, before, max_share=Decimal("0.2"),
                                 metrics=["新增客户数"], columns=["本日"])
    assert [r.ok for r in limited] == [False]
    calm = check_day_over_day(after, before, max_share=Decimal("0.5"), metrics=["储蓄存款余额"])
    assert [r.ok for r in calm] == [True]


def test_each_branch_figure_is_paired_with_the_summarys_and_the_report_says_which_differ() -> None:
    from flows.report_extraction.checks import pair_with_summary
    from flows.report_extraction.collect import Collected
    from flows.report_extraction.report_page import add_date
    from flows.report_extraction.scorecard import Indicator, Scorecard, ScorecardConfig
    from rpa.run.report_sections import FlowSections

    savings = _figure("b1.xlsx", "110101", "储蓄存款余额", "1234567.89", "1,234,567.89", "元")
    east = _extraction("b1.xlsx", [savings, _figure("b1.xlsx", "110101", "客户数", "49", "49", "户")],
                       branch="110101")
    west = _extraction("b2.xlsx", [_figure("b2.xlsx", "110199", "客户数", "7", "7", "户")], branch="110199")
    summary = _extraction("s.xlsx", [_figure("s.xlsx", "110101", "储蓄存款余额", "1234800", "123.48"),
                                     _figure("s.xlsx", "110101", "客户数", "49", "49", "户"),
                                     _figure("s.xlsx", "110101", "新增客户数", "2", "2", "户")])
    pairs = pair_with_summary([east, west], summary)
    assert [(p.branch, p.metric, p.ok) for p in pairs] == [
        ("110101", "储蓄存款余额", False), ("110101", "客户数", True), ("110101", "新增客户数", False),
        ("110199", "客户数", False),
    ]
    assert pairs[0].difference == Decimal("232.11") and pairs[0].tolerance == Decimal(50)

    collected = Collected("2026-11-27", ["xlsx"], pairs={"xlsx": pairs})
    config = ScorecardConfig(tie_breaker="客户",
                             indicators=[Indicator(name="客户", metrics=["客户数"], weight=Decimal(1))])
    sections = FlowSections()
    card = Scorecard(config, incomplete=["1 项校验未通过"])
    add_date(sections, collected, card, names={"110101": "东城支行"})
    (recon,) = sections.reconciliations
    shown = [(c.group, c.item, c.first, c.second, c.difference, c.ok, c.note) for c in recon.comparisons]
    assert shown == [
        ("110101 东城支行", "储蓄存款余额 本日", "1,234,567.89 元", "1,234,800.00 元", "+232.11 元", False,
         "超过容差 50.00 元"),
        ("110101 东城支行", "客户数 本日", "49 户", "49 户", "0 户", True, ""),
        ("110101 东城支行", "新增客户数 本日", "无", "2 户", "", False, "网点文件中没有该项"),
        ("110199", "客户数 本日", "7 户", "无", "", False, "分行汇总日报中没有该网点"),
    ]
    assert sections.rankings[0].withheld == "1 项校验未通过" and sections.rankings[0].ranked == []


def test_a_branch_file_whose_change_column_its_figures_do_not_bear_out_fails() -> None:
    """Tester R's R1: a platform republishing the day before's data under today's date was
    written with exit 0. The figures (83,630.87 万元) equal the day before's summary while the
    file prints 较上日 20.78 万元; a true file's 较上日 is its 本日 less that figure, within rounding."""
    from flows.report_extraction.period_checks import check_change_column

    before = _extraction("s1203.xlsx", [
        _figure("s1203.xlsx", "110101", "储蓄存款余额", "836308700", "83,630.87"),
        _figure("s1203.xlsx", "110101", "客户数", "5120", "5,120", "户")])

    def branch(savings: str, change: str, customers: str, gained: str) -> Extraction:
        return _extraction("b1204.xlsx", [
            _figure("b1204.xlsx", "110101", "储蓄存款余额", str(Decimal(savings) * 10000), savings),
            _figure("b1204.xlsx", "110101", "储蓄存款余额", str(Decimal(change) * 10000), change,
                    column="较上日"),
            _figure("b1204.xlsx", "110101", "客户数", customers, customers, "户"),
            _figure("b1204.xlsx", "110101", "客户数", gained, gained, "户", column="较上日"),
        ], branch="110101")

    stale = _failed(check_change_column([branch("83630.87", "20.78", "5120", "3")], before))
    assert [f.message.split("（")[0] for f in stale] == ["储蓄存款余额", "客户数"]
    assert "印的较上日为 207800.00 元" in stale[0].message
    assert "请确认当日数据已更新后重跑" in stale[0].message
    fresh = check_change_column([branch("83651.65", "20.78", "5123", "3")], before)
    assert [r.ok for r in fresh] == [True] and fresh[0].message.startswith("2 项较上日")
    rounded = check_change_column([branch("83651.66", "20.78", "5123", "3")], before)  # 0.01 万元 off
    assert [r.ok for r in rounded] == [True]
    off_by_one = check_change_column([branch("83651.65", "20.78", "5124", "3")], before)
    assert off_by_one[0].ok is False  # counts are exact
    assert check_change_column([branch("83651.65", "20.78", "5124", "3")], before,
                               metrics=["储蓄存款余额"])[0].ok  # a metric left out is not compared
    finer = _extraction("s1203.xlsx", [  # the summary to 0.0001 万元, the branch file to 0.01
        _figure("s1203.xlsx", "110101", "储蓄存款余额", "836308712", "83,630.8712")])
    assert check_change_column([branch("83651.66", "20.78", "5123", "3")], finer,
                               metrics=["储蓄存款余额"])[0].ok


def test_a_change_that_cannot_be_compared_fails_never_left_out() -> None:
    """Tester BF F14, F7 (2026-12-07): the day before's data republished under today's date passed,
    exit 0, when the branch file printed its 较上日 as `-` (no figure), and so did a branch the day
    before's summary lacked: the check was quietly left out. Each is now a failed check naming
    what could not be compared; a metric left out on purpose is still not compared."""
    from flows.report_extraction.period_checks import check_change_column

    before = _extraction("s1202.xlsx", [
        _figure("s1202.xlsx", "110101", "储蓄存款余额", "836308700", "83,630.87"),
        _figure("s1202.xlsx", "110101", "客户数", "5120", "5,120", "户")])
    today = [_figure("b1203.xlsx", "110101", "储蓄存款余额", "836308700", "83,630.87"),  # 较上日 `-`
             _figure("b1203.xlsx", "110101", "客户数", "5120", "5,120", "户"),
             _figure("b1203.xlsx", "110101", "客户数", "0", "0", "户", column="较上日")]
    results = check_change_column([_extraction("b1203.xlsx", today, branch="110101")], before)
    (unread,) = _failed(results)
    assert "未能比较 1 项（b1203.xlsx 未印较上日）：储蓄存款余额（网点 110101）" in unread.message
    other = [_figure("b1203.xlsx", "110105", "储蓄存款余额", "981373800", "98,137.38"),
             _figure("b1203.xlsx", "110105", "储蓄存款余额", "2000", "0.20", column="较上日")]
    (gone,) = check_change_column([_extraction("b1203.xlsx", other, branch="110105")], before)
    assert not gone.ok and "s1202.xlsx 没有此项）：储蓄存款余额（网点 110105）" in gone.message
    assert check_change_column([_extraction("b1203.xlsx", today, branch="110101")], before,
                               metrics=["客户数"])[0].ok


def test_a_total_row_without_a_figure_the_rows_have_fails() -> None:
    """Tester BF F15: a 合计 row printing `-` for 储蓄存款余额 passed 合计核对 on fewer items and left the
    consolidated 合计 empty, exit 0."""
    from flows.report_extraction.checks import totals_checks
    from flows.report_extraction.specs import load_spec
    from rpa.settings import PROJECT_ROOT

    spec = load_spec("summary_daily", PROJECT_ROOT / "config" / "specs")
    rows = [_figure("s.xlsx", branch, metric, value, raw) for branch, metric, value, raw in (
        ("110101", "储蓄存款余额", "10000", "1.00"), ("110102", "储蓄存款余额", "20000", "2.00"),
        ("110101", "个人贷款余额", "30000", "3.00"), ("110102", "个人贷款余额", "40000", "4.00"),
        ("合计", "个人贷款余额", "70000", "7.00"))]
    (failed,) = totals_checks(rows, spec, "s.xlsx")
    assert not failed.ok and "合计行没有 储蓄存款余额 本日 的数字" in failed.message


def test_a_branch_figure_its_summary_row_prints_blank_fails_the_reconciliation() -> None:
    """Tester BG F8 (2026-12-07): the day's summary printing `-` for a branch's 中间业务收入 (its
    合计 without it) passed 网点与汇总核对 on 17 of 18 figures, exit 0. The figure the summary's
    column has for other branches but not for this one fails, naming both files."""
    summary = _extraction("s.xlsx", [
        _figure("s.xlsx", "110101", "储蓄存款余额", "10000", "1.00"),
        _figure("s.xlsx", "110102", "储蓄存款余额", "20000", "2.00"),
        _figure("s.xlsx", "110102", "中间业务收入", "3000", "0.30")])  # 110101's printed `-`
    branch = _extraction("b.xlsx", [
        _figure("b.xlsx", "110101", "储蓄存款余额", "10000", "1.00"),
        _figure("b.xlsx", "110101", "中间业务收入", "4000", "0.40"),
        _figure("b.xlsx", "110101", "中间业务收入", "100", "0.01", column="较上日")], branch="110101")
    (failed,) = _failed(reconcile([branch], summary))
    assert "b.xlsx 有网点 110101 的 中间业务收入 本日，s.xlsx 的该网点行没有" in failed.message
