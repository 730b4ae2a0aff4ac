"""The run report's reconciliations and scorecards as the page shows them: each reconciliation
grouped by branch (相符 / 不符 and what differs), each scorecard with the bars of its chart,
drawn by the page itself as inline SVG on a 0-100 scale.

    >>> shown_ranking(ranking).bars[0]
    ScoreBar(label='1. 城东支行', total='91.50', y=24, width=421)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rpa.outcomes import MATCH, MISMATCH
from rpa.run.report_sections import Comparison, RankedEntry, Ranking, Reconciliation
from rpa.run.report_sections import shown_text as _text

# the scorecard chart: a bar per ranked branch on a 0-100 scale, drawn by the page itself (SVG)
SCORE_LABEL_WIDTH, SCORE_BAR_WIDTH, SCORE_ROW = 150, 460, 26


@dataclass(frozen=True)
class ShownGroup:
    """One group of a reconciliation (a branch): 相符 or 不符, its comparisons, what differs."""

    name: str
    ok: bool
    word: str
    count: int
    mismatched: int
    summary: str
    comparisons: list[Comparison]


@dataclass(frozen=True)
class ShownReconciliation:
    title: str
    first_label: str
    second_label: str
    groups: list[ShownGroup]
    ok: bool
    word: str  # 不符, 相符, or 相符 with the lines of their own word counted: 相符（3 项未逾期）
    group_label: str = "网点"
    item_label: str = "指标"
    difference_label: str = ""
    scope: str = ""


@dataclass(frozen=True)
class ScoreBar:
    label: str
    total: str
    y: int
    width: int


@dataclass(frozen=True)
class ShownRanking:
    title: str
    indicators: list[str]
    ranked: list[RankedEntry]
    unranked: list[tuple[str, str, str]]
    withheld: str
    bars: list[ScoreBar]
    chart_height: int
    ticks: list[tuple[int, int]]  # (x, value) of the 0, 25, ... 100 grid lines


def shown_reconciliation(shown: Reconciliation) -> ShownReconciliation:
    """A reconciliation as the page shows it: grouped by branch, each group 相符 or 不符 (or its lines'
    own word, `Comparison.word`, when none is 不符), scrubbed."""
    grouped: dict[str, list[Comparison]] = {}
    for comparison in shown.comparisons:
        grouped.setdefault(comparison.group, []).append(comparison)
    groups = []
    for name, comparisons in grouped.items():
        clean = [_clean_comparison(c) for c in comparisons]
        bad = [c for c in clean if not c.ok]
        summary = "；".join(_mismatch(c) for c in bad[:3])
        if len(bad) > 3:
            summary += f"；另有 {len(bad) - 3} 项"
        words = _words(c for c in clean if c.ok)  # 相符, and the lines of their own word (未逾期)
        said = (f"{len(clean)} 项均{next(iter(words))}" if len(words) == 1
                else "，".join(f"{n} 项{w}" for w, n in words.items()))
        groups.append(ShownGroup(_text(name), not bad, MISMATCH if bad else "、".join(words), len(clean),
                                 len(bad), summary or said, clean))
    ok = all(g.ok for g in groups)
    own = {w: n for w, n in _words(c for g in groups for c in g.comparisons if c.ok).items() if w != MATCH}
    counted = "，".join(f"{n} 项{w}" for w, n in own.items())
    word = MISMATCH if not ok else MATCH + (f"（{counted}）" if own else "")
    return ShownReconciliation(_text(shown.title), _text(shown.first_label), _text(shown.second_label),
                               groups, ok, word, _text(shown.group_label),
                               _text(shown.item_label), _text(shown.difference_label), _text(shown.scope))


def _words(lines: Iterable[Comparison]) -> dict[str, int]:
    """How many lines read each word: 相符, or the line's own (`Comparison.word`)."""
    return dict(Counter(c.word or MATCH for c in lines))


def _mismatch(c: Comparison) -> str:
    """`储蓄存款余额 本日 相差 +100.00 元（超过容差 50.00 元）`; the item and why when a side lacks it."""
    if c.difference:
        return f"{c.item} 相差 {c.difference}" + (f"（{c.note}）" if c.note else "")
    return f"{c.item} {c.note or MISMATCH}"


def _clean_comparison(comparison: Comparison) -> Comparison:
    c = comparison
    return Comparison(_text(c.group), _text(c.item), _text(c.first), _text(c.second), _text(c.difference),
                      c.ok, _text(c.note), _text(c.word))


def shown_ranking(shown: Ranking) -> ShownRanking:
    """A scorecard as the page shows it: scrubbed, with its bar chart's bars and grid lines."""
    ranked = [RankedEntry(e.rank, _text(e.code), _text(e.name), e.total, [_text(s) for s in e.scores])
              for e in shown.ranked]
    bars = [ScoreBar(f"{e.rank}. {e.name or e.code}", f"{e.total:.2f}", n * SCORE_ROW + 24,
                     round(SCORE_BAR_WIDTH * min(max(e.total, 0.0), 100.0) / 100))
            for n, e in enumerate(ranked)]
    ticks = [(SCORE_LABEL_WIDTH + SCORE_BAR_WIDTH * v // 100, v) for v in (0, 25, 50, 75, 100)]
    return ShownRanking(_text(shown.title), [_text(i) for i in shown.indicators], ranked,
                        [(_text(c), _text(n), _text(r)) for c, n, r in shown.unranked], _text(shown.withheld),
                        bars, len(bars) * SCORE_ROW + 30, ticks)
