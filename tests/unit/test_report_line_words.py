"""report.html's words for a reconciliation's lines, groups and verdict (rpa.run.report_scorecards):
a line with a word of its own (未逾期: a row AMS lacks, not yet due) is no finding and yet never
called 相符, nor is its group or the reconciliation as a whole (tester AN, 2026-12-06)."""

from __future__ import annotations

from rpa.run.report_scorecards import shown_reconciliation
from rpa.run.report_sections import Comparison, Reconciliation


def _line(group: str, item: str, ok: bool, word: str = "") -> Comparison:
    return Comparison(group=group, item=item, first="导出 第2行", second="", difference="", ok=ok, word=word)


def _shown(*lines: Comparison) -> tuple[str, dict[str, tuple[str, str]]]:
    shown = shown_reconciliation(Reconciliation("核对", "本行", "AMS", list(lines)))
    return shown.word, {g.name: (g.word, g.summary) for g in shown.groups}


def test_lines_not_yet_due_are_named_so_in_their_group_and_the_verdict() -> None:
    word, groups = _shown(_line("已报备已确认", "开户 1", True), _line("应报未报", "开户 2", True, "未逾期"),
                          _line("应报未报", "开户 3", True, "未逾期"))
    assert groups == {"已报备已确认": ("相符", "1 项均相符"), "应报未报": ("未逾期", "2 项均未逾期")}
    assert word == "相符（2 项未逾期）"


def test_a_finding_beside_them_makes_the_group_and_the_verdict_mismatch() -> None:
    word, groups = _shown(_line("应报未报", "开户 2", True, "未逾期"), _line("应报未报", "开户 3", False))
    assert groups["应报未报"][0] == "不符" and word == "不符"


def test_a_group_of_plain_and_worded_lines_counts_each() -> None:
    word, groups = _shown(_line("甲", "1", True), _line("甲", "2", True, "未逾期"))
    assert groups == {"甲": ("相符、未逾期", "1 项相符，1 项未逾期")} and word == "相符（1 项未逾期）"


def test_plain_lines_read_as_before() -> None:
    assert _shown(_line("甲", "1", True), _line("甲", "2", True)) == ("相符", {"甲": ("相符", "2 项均相符")})
