"""What report.html shows of an extraction run: the reconciliation and the scorecard of each date.

    sections = FlowSections()
    add_date(sections, collected, card, names={"110101": "东城支行"})
    write_run_report(folder, info, items, events, sections=sections)

Built from what finish() has already computed (`Collected.pairs`, the scorecard): the page and
consolidated.xlsx show the same figures. Nothing of filings (no 账号, no 备案编号) is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from flows.report_extraction.checks import SummaryPair
from flows.report_extraction.collect import MONEY_UNITS, Collected
from flows.report_extraction.scorecard import Scorecard
from rpa.run.report_sections import Comparison, FlowSections, RankedEntry, Ranking, Reconciliation

BRANCH_FILE, SUMMARY_FILE = "网点文件", "分行汇总日报"


def add_date(sections: FlowSections, collected: Collected, card: Scorecard, *,
             names: Mapping[str, str]) -> None:
    """Append one date's reconciliations (one per format) and its scorecard to `sections`."""
    day = collected.report_date
    for fmt, pairs in collected.pairs.items():
        sections.reconciliations.append(Reconciliation(
            f"{day} {BRANCH_FILE}与{SUMMARY_FILE}（{fmt}）", BRANCH_FILE, SUMMARY_FILE,
            [_comparison(pair, names) for pair in pairs]))
    sections.rankings.append(_ranking(day, card))


def _comparison(pair: SummaryPair, names: Mapping[str, str]) -> Comparison:
    group = f"{pair.branch} {names.get(pair.branch or '', '')}".strip()
    item = f"{pair.metric} {pair.column}"
    first = _amount(pair.ours.value_yuan, pair.ours.unit) if pair.ours else "无"
    second = _amount(pair.theirs.value_yuan, pair.theirs.unit) if pair.theirs else "无"
    difference = pair.difference
    either = pair.ours or pair.theirs
    unit = either.unit if either is not None else "元"
    shown = "" if difference is None else _amount(difference, unit, signed=True)
    note = ""
    if pair.theirs is None:
        note = f"{SUMMARY_FILE}中该项为空" if pair.empty else f"{SUMMARY_FILE}中没有该网点"
    elif pair.ours is None:
        note = f"{BRANCH_FILE}中没有该项"
    elif not pair.ok:
        note = f"超过容差 {_amount(pair.tolerance, unit)}"
    return Comparison(group, item, first, second, shown, pair.ok, note)


def _amount(value: Decimal, unit: str, *, signed: bool = False) -> str:
    """`868,189,300.00 元` for money (already in 元), `49 户` for counts; `+100.00 元` signed."""
    sign = "+" if signed and value != 0 else ""
    if unit in MONEY_UNITS:
        return f"{value:{sign},.2f} 元"
    return f"{value:{sign},f} {unit}"


def _ranking(day: str, card: Scorecard) -> Ranking:
    indicators = [indicator.name for indicator in card.config.indicators]
    ranked = [RankedEntry(score.rank, score.branch, score.name, float(score.total),
                          [f"{score.scores[name]:.2f}" for name in indicators]) for score in card.ranked]
    unranked = [(left.branch, left.name, left.reason) for left in card.unranked]
    title = f"{day} 网点竞争力评分（各指标按最小-最大法折算为 0–100 分后加权求和）"
    return Ranking(title, indicators, ranked, unranked, withheld="；".join(card.incomplete))
