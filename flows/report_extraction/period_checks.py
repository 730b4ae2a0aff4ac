"""Checks of a report against the period before: each figure's move against the day before's
summary (日变动), and a printed change column against the figures of both periods (较上日核对,
较上月核对 for the monthly report).

    check_day_over_day(today, before, max_share=Decimal("0.2"))   # [CheckResult, ...]
    check_change_column(branch_files, before)                     # 较上日 = 本日 - 前一日
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal

from flows.report_extraction.checks import amount_words
from flows.report_extraction.models import CheckResult, Extraction, Figure
from flows.report_extraction.numbers import places_of, rounding_tolerance

_DAY_ADVICE = "报表平台可能仍是前一日的数据，请确认当日数据已更新后重跑"


def check_day_over_day(today: Extraction, previous: Extraction, *, max_share: Decimal,
                       metrics: Collection[str] | None = None,
                       columns: Collection[str] | None = None) -> list[CheckResult]:
    """Flag each figure that moved by more than `max_share` (0.2 = 20 %) of the previous date's value.
    `metrics` / `columns` limit the check (e.g. balances only: flows swing by nature)."""
    before: dict[tuple[str | None, str, str], Figure] = {
        (f.branch, f.metric, f.column): f for f in previous.figures}
    flagged: list[CheckResult] = []
    compared = 0
    skipped: dict[str, int] = defaultdict(int)
    for figure in today.figures:
        if metrics is not None and figure.metric not in metrics:
            continue
        if columns is not None and figure.column not in columns:
            continue
        old = before.get((figure.branch, figure.metric, figure.column))
        if old is None or old.value_yuan == 0:
            skipped["前一日没有" if old is None else "前一日为零"] += 1
            continue
        compared += 1
        share = abs(figure.value_yuan - old.value_yuan) / abs(old.value_yuan)
        if share > max_share:
            flagged.append(CheckResult(
                "day_over_day", False,
                f"{figure.metric} {figure.column}{f'（网点 {figure.branch}）' if figure.branch else ''} "
                f"变动 {share:.1%}：由 {amount_words(old.value_yuan, old.unit)}（{previous.file}）变为 "
                f"{amount_words(figure.value_yuan, figure.unit)}（{today.file}），超过 {max_share:.0%}",
                [old.provenance, figure.provenance]))
    shown = {(f.branch, f.metric, f.column) for f in today.figures}
    gone = [f"{f.metric}（{_branch_words(f.branch)}）" for f in previous.figures
            if (f.branch, f.metric, f.column) not in shown
            and (metrics is None or f.metric in metrics) and (columns is None or f.column in columns)]
    if gone:  # tester BF F6 (2026-12-07): a branch left out of the day's summary passed, unsaid
        flagged.append(CheckResult("day_over_day", False, f"{today.file} 没有 {previous.file} 有的 "
                                   f"{len(gone)} 项：{_listed(gone)}：请核实汇总表是否完整"))
    if flagged:
        return flagged
    not_compared = "".join(f"；{n} 项未比较（{why}）" for why, n in skipped.items())
    return [CheckResult("day_over_day", True,
                        f"{compared} 项与 {previous.file} 相比变动均在 {max_share:.0%} 以内{not_compared}")]


def check_change_column(branches: Sequence[Extraction], previous: Extraction, *, change: str = "较上日",
                        base: str = "本日", metrics: Collection[str] | None = None,
                        name: str = "change_column", before_word: str = "前一日",
                        advice: str = _DAY_ADVICE) -> list[CheckResult]:
    """Each file's own 较上日 against its 本日 less the branch's figure in the day before's
    summary: a platform that republished the day before's data under today's date (its overnight
    load did not run) prints figures that equal the day before's beside a 较上日 they do not bear
    out. Figures a file or the summary lacks are not compared, nor `metrics` left out (flows such
    as 中间业务收入 may be printed as a month's or year's running total, whose 较上日 is not this).
    Figures are matched by their own branch, so a file of several branches (the monthly report,
    its 较上月 against last month's 本月: `name` month_change, `before_word` 上月) is read alike."""
    before = {(f.branch, f.metric): f for f in previous.figures if f.column == base}
    flagged: list[CheckResult] = []
    unread: dict[str, list[str]] = defaultdict(list)  # why -> "metric（网点 …）" not compared
    compared = 0
    for extraction in branches:
        own = {(f.branch, f.metric, f.column): f for f in extraction.figures}
        for (branch, metric, column), now in own.items():
            if column != base or (metrics is not None and metric not in metrics):
                continue
            printed, old = own.get((branch, metric, change)), before.get((branch, metric))
            if printed is None or old is None:  # tester BF F7, F14: never a check quietly left out
                why = f"{extraction.file} 未印{change}" if printed is None else f"{previous.file} 没有此项"
                unread[why].append(f"{metric}（{_branch_words(branch)}）")
                continue
            compared += 1
            moved = now.value_yuan - old.value_yuan
            three = (now, old, printed)  # each rounded as printed: the two reports' places may differ
            tolerance = sum((rounding_tolerance(f.unit, places_of(f.raw)) for f in three), Decimal(0))
            if abs(moved - printed.value_yuan) > tolerance:
                flagged.append(CheckResult(
                    name, False,
                    f"{metric}（{_branch_words(branch)}）：{extraction.file} 印的{change}为 "
                    f"{amount_words(printed.value_yuan, printed.unit)}，"
                    f"但{base} {amount_words(now.value_yuan, now.unit)} 比{before_word}的 "
                    f"{amount_words(old.value_yuan, old.unit)}（{previous.file}）变动 "
                    f"{amount_words(moved, now.unit)}：{advice}",
                    [printed.provenance, now.provenance, old.provenance]))
    flagged += [CheckResult(name, False, f"未能比较 {len(which)} 项（{why}）：{_listed(which)}；{before_word}"
                            "以来数据是否已更新无从确认，请核实后重跑") for why, which in unread.items()]
    if flagged or not compared:
        return flagged
    return [CheckResult(name, True, f"{compared} 项{change}与{base}减{before_word}（{previous.file}）一致")]


def _branch_words(branch: str | None) -> str:
    return "合计" if branch == "合计" else f"网点 {branch}"


def _listed(what: list[str]) -> str:
    return "、".join(what[:6]) + (" 等" if len(what) > 6 else "")
