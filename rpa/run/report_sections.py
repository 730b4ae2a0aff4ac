"""What a flow hands the run report besides its items: the rows of its input (`InputRow`) and
its reconciliations and scorecards (`FlowSections`), plus `shown_text` and `shown_reference`, the
ways any of it becomes page text (None as "", everything else through `scrub_text`).

    >>> entry = RankedEntry(1, "001", "城东支行", 91.5, ["95"])
    >>> FlowSections(rankings=[Ranking("网点评分", ["存款"], [entry], [])])

The flows mask accounts themselves; the report scrubs every text again before Jinja2 escapes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rpa.masking import scrub_text

# the words an item's result fields are shown under (report.html's 事项明细; tester AK read
# `already_filed 否` there): the shown ones, then the counted ones
RESULT_FIELD_WORDS = {
    "account": "账号", "already_filed": "查询时AMS已有", "deadline": "报备期限", "overdue": "已逾期",
    "due_today": "今日到期", "message": "信息", "figures": "数字个数", "checks": "核对项数",
    "checks_failed": "未通过的核对", "metrics": "指标个数", "rows": "行数",
}


def shown_text(value: Any) -> str:
    """The text the page shows for a value: "" for None, else the value scrubbed."""
    return "" if value is None else scrub_text(str(value))


# a filing number as AMS gives it (digits) or as AMS shows one filed at its screens or a clerk
# marks one filed by hand: a prefix of two letters or more, then digits (AMS2026112000020,
# HAND2026120501). A basic account permit (J + 13 digits), an ID number (its X last) or a credit
# code (digits first) never reads so, and an account number is digits alone
_FILING_NO = re.compile(r"(?:[A-Za-z]{2,8})?\d{1,24}")


def shown_reference(value: Any) -> str:
    """A filing number is the regulator's reference, not personal data: auditors need it whole,
    as result.xlsx has it. Only one that reads as a filing number (`_FILING_NO`) is shown as it
    is; anything else is scrubbed like free text."""
    text = "" if value is None else str(value)
    return text if _FILING_NO.fullmatch(text) else scrub_text(text)


@dataclass(frozen=True)
class InputRow:
    """One row of the flow's input, in input order, as the flow hands it to the report: the
    account already masked by the flow; `outcome` a row outcome code of rpa.outcomes;
    `evidence` a path inside the folder of the run `evidence_run` (another run that settled the
    row), or of this run when that is "" or this run. Every text is scrubbed again before it is
    shown."""

    sheet: str
    row: int
    account: str
    name: str
    action: str
    outcome: str
    filing_no: str = ""
    portal_message: str = ""
    note: str = ""
    attempts: int = 0
    evidence: str = ""
    evidence_run: str = ""
    due: str = ""  # the row's deadline as result.xlsx gives it: `2026-12-04（估算），已逾期`; "" when none


@dataclass(frozen=True)
class Comparison:
    """One figure as two sources show it (a branch's own file and the summary): the values
    already formatted with their unit, `difference` the second less the first ("" when one
    source lacks the figure), `note` why it is 不符 when not a difference alone. `word`: the
    line's own word when it is no finding and yet not 相符 (未逾期: a row AMS lacks, not yet due)."""

    group: str
    item: str
    first: str
    second: str
    difference: str
    ok: bool
    note: str = ""
    word: str = ""


@dataclass(frozen=True)
class Reconciliation:
    """Every comparison of one reconciliation (a date and a format), grouped on the page by
    `Comparison.group` (a branch), each group 相符 only when every one of its figures is."""

    title: str
    first_label: str
    second_label: str
    comparisons: list[Comparison]
    group_label: str = "网点"  # the headers of the groups' column, the items' and the differences'
    item_label: str = "指标"
    difference_label: str = ""  # "": 差额（second − first）
    scope: str = ""  # what was compared and what was not, shown under the title


@dataclass(frozen=True)
class RankedEntry:
    """A ranked branch: rank, code, name, total 0-100 and each indicator's score as shown."""

    rank: int
    code: str
    name: str
    total: float
    scores: list[str]


@dataclass(frozen=True)
class Ranking:
    """A scorecard: its indicators, the ranked entries best first, those left out and why
    (code, name, reason), and `withheld`: why nothing is ranked ("" when the ranking stands)."""

    title: str
    indicators: list[str]
    ranked: list[RankedEntry]
    unranked: list[tuple[str, str, str]]
    withheld: str = ""


@dataclass(frozen=True)
class FlowSections:
    """What a flow adds to its report.html beyond the items: reconciliations and rankings."""

    reconciliations: list[Reconciliation] = field(default_factory=list)
    rankings: list[Ranking] = field(default_factory=list)
