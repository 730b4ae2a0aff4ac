"""One word per outcome across report.html, result.xlsx, the CLI and the logs (issue #19)."""

from __future__ import annotations

from pathlib import Path

from flows.account_filing.result_book import ResultRow
from rpa.outcomes import counts_text, outcome_label, state_label
from rpa.run.report import STATE_STYLE

ROOT = Path(__file__).resolve().parents[2]
# words that once meant "a person must handle this row" beside the one kept: 需人工处理
SYNONYMS = ("需人工办理", "待人工处理")


def test_a_row_for_a_person_and_a_held_item_read_the_same_everywhere() -> None:
    assert outcome_label("needs_person") == outcome_label("held") == state_label("held") == "需人工处理"
    held = ResultRow(sheet_row=7, action="开户", account_no="6222020200112233445", depositor_name="甲公司",
                     business_date="2026-01-05", status="held")
    assert held.values()[5] == "需人工处理"
    assert {label for label, _, _ in STATE_STYLE.values()} >= {"需人工处理", "未完成", "失败", "已完成"}


def test_an_unknown_outcome_is_named_not_dropped() -> None:
    assert outcome_label("mystery") == "未知结果（mystery）"
    assert state_label("odd") == "未知状态（odd）"


def test_the_cli_counts_line_is_chinese_in_a_fixed_order() -> None:
    assert counts_text({"held": 2, "done": 5, "failed": 0}) == "已完成 5，需人工处理 2"
    assert counts_text({}) == "没有事项"


def test_no_code_or_template_uses_a_second_word_for_needs_person() -> None:
    found = []
    for folder in ("rpa", "flows", "bots"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".j2", ".yaml") and path.is_file():
                text = path.read_text(encoding="utf-8")
                found += [f"{path.relative_to(ROOT)}: {word}" for word in SYNONYMS if word in text]
    assert not found, found


def test_every_scheduler_fire_outcome_has_chinese_words() -> None:
    from rpa.outcomes import fire_label
    from rpa.schedule.fire_rows import FireOutcome

    labels = {outcome.value: fire_label(outcome.value) for outcome in FireOutcome}
    assert not [code for code, label in labels.items() if label.startswith("未知结果")], labels
    assert labels["ok"] == "全部完成" and labels["skipped_window"] == "跳过：不在服务时段内"
    assert fire_label("odd") == "未知结果（odd）"
