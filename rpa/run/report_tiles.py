"""The run report's tiles and bar chart: how many items ended in each state, under the word a
clerk reads on their rows.

    >>> [(t.label, t.count) for t in state_tiles(items) if t.count]
    [('已完成', 3), ('门户拒绝', 1), ('待复核', 2)]

A business error whose row reads 门户拒绝 or 复核退回, and a held row waiting for a checker
(待复核), get a tile of their own beside their state's, as the terminal's verdict and `rpa runs
show` count them (`rpa.outcomes.counts_text`): an auditor matching the tiles against result.xlsx
finds each word on as many rows (testers AI's F2 and AK's F3 of 2026-12-06 met 业务错误 1 beside
a row reading 门户拒绝). The six states keep a tile each, zero or not, so the page's shape does
not change from run to run; a row word's tile is there only when a row has it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rpa.outcomes import item_label, state_label
from rpa.queue.work_queue import ItemState, WorkItem

# state -> (Chinese label, English label, colour)
STATE_STYLE: dict[ItemState, tuple[str, str, str]] = {
    ItemState.DONE: (state_label("done"), "done", "#2e7d32"),
    ItemState.BUSINESS_ERROR: (state_label("business_error"), "business error", "#d9730d"),
    ItemState.FAILED: (state_label("failed"), "failed", "#c62828"),
    ItemState.HELD: (state_label("held"), "held", "#6a1b9a"),
    ItemState.PENDING: (state_label("pending"), "pending", "#607d8b"),
    ItemState.LEASED: (state_label("leased"), "leased", "#1565c0"),
}
# the states whose rows may read another word than the state's, counted on a tile of that word
_SPLIT_STATES = (ItemState.BUSINESS_ERROR, ItemState.HELD)
CHART_BAR_WIDTH = 420


@dataclass(frozen=True)
class StateTile:
    """One state's (or row word's) count, label and colour, with its bar in the chart."""

    state: str
    label: str
    label_en: str
    colour: str
    count: int
    bar_width: int
    row_word: bool = False  # a row word's tile (门户拒绝, 复核退回, 待复核), not a state's


def state_tiles(items: Iterable[WorkItem]) -> list[StateTile]:
    """A tile per state in `STATE_STYLE`'s order, each followed by a tile per row word its items
    end as (门户拒绝, 复核退回 after 业务错误; 待复核 after 需人工处理), counted there and not
    under the state; the bars scaled to the largest count."""
    counts: Counter[tuple[ItemState, str]] = Counter()
    for item in items:
        state = ItemState(item.state)
        word = item_label(state.value, item.result) if state in _SPLIT_STATES else state_label(state.value)
        counts[state, word] += 1
    rows: list[tuple[ItemState, str, str, int]] = []
    for state, (zh, en, _) in STATE_STYLE.items():
        rows.append((state, zh, en, counts[state, zh]))
        words = sorted(word for (s, word) in counts if s is state and word != zh)
        rows += [(state, word, "", counts[state, word]) for word in words]
    largest = max((n for *_, n in rows), default=0) or 1
    return [
        StateTile(state.value, label, en, STATE_STYLE[state][2], n, round(CHART_BAR_WIDTH * n / largest),
                  row_word=not en)
        for state, label, en, n in rows
    ]
