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
