"""One word per outcome across report.html, result.xlsx, the CLI and the logs (issue #19)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger

from flows.account_filing.result_book import ResultRow
from rpa.audit.log import AuditLog
from rpa.errors import AwaitingApproval, BusinessError
from rpa.logs import add_run_log, configure_logging
from rpa.outcomes import awaiting_recorded, counts_text, item_label, outcome_label, state_label
from rpa.queue.work_queue import WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.report_tiles import STATE_STYLE
from rpa.run.worker import process_items
from rpa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
# words that once meant "a person must handle this row" beside the one kept: 需人工处理
SYNONYMS = ("需人工办理", "待人工处理")


def test_a_row_for_a_person_and_a_held_item_read_the_same_everywhere() -> None:
    assert outcome_label("needs_person") == outcome_label("held") == state_label("held") == "需人工处理"
    held = ResultRow(sheet_row=7, action="开户", account_no="6222020200112233445", depositor_name="甲公司",
                     business_date="2026-01-05", status="held")
    assert held.values()[5] == "需人工处理"
    assert {label for label, _, _ in STATE_STYLE.values()} >= {"需人工处理", "未完成", "失败", "已完成"}


def test_one_item_reads_as_its_row_does_in_result_xlsx() -> None:
    """The filing flow's, the enterprise check's and report extraction's results: the row's word
    where the result carries a row outcome code, the state's word otherwise."""
    assert item_label("business_error", {"status": "refused"}) == "门户拒绝"
    assert item_label("business_error", {"status": "rejected_by_checker"}) == "复核退回"
    assert item_label("business_error", None) == "业务错误"
    assert item_label("done", {"status": "filed"}) == "已报备"
    assert item_label("done", {"status": "already_filed"}) == "此前已报备"
    assert item_label("done", {"status": "filed_by_hand"}) == "人工报备"
    assert item_label("held", {"status": "awaiting_approval"}) == "待复核"
    assert item_label("done", {"status": "passed"}) == "通过"  # enterprise check
    assert item_label("held", {"note": "核查系统无此统一社会信用代码的登记信息"}) == "需人工处理"
    assert item_label("done", {"status": "done", "figures": 3}) == "已完成"  # report extraction, smoke
    # a result an earlier attempt left (retried, released, then failed on system errors): the state
    assert item_label("pending", {"status": "refused"}) == "未完成"
    assert item_label("failed", {"status": "refused"}) == "失败"
    assert item_label("leased", {"status": "awaiting_approval"}) == "处理中"


def test_an_unknown_outcome_is_named_not_dropped() -> None:
    assert outcome_label("mystery") == "未知结果（mystery）"
    assert state_label("odd") == "未知状态（odd）"


def test_the_cli_counts_line_is_chinese_in_a_fixed_order() -> None:
    assert counts_text({"held": 2, "done": 5, "failed": 0}) == "已完成 5，需人工处理 2"
    assert counts_text({}) == "没有事项"


def test_held_items_waiting_for_a_checker_are_counted_as_their_rows_read() -> None:
    """Tester AG: an approval run's terminal and `rpa runs list` said 需人工处理 3 of three rows
    that result.xlsx and `rpa approvals list` call 待复核."""
    assert counts_text({"held": 3, "done": 1}, awaiting=3) == "已完成 1，待复核 3"
    assert counts_text({"held": 3, "done": 1}, awaiting=1) == "已完成 1，需人工处理 2，待复核 1"
    assert counts_text({"held": 1}, awaiting=4) == "待复核 1"  # never more than are held
    assert awaiting_recorded({"awaiting_approval": 2}) == 2
    odd: list[dict[str, object]] = [{}, {"awaiting_approval": "2"}, {"awaiting_approval": True}]
    assert [awaiting_recorded(run) for run in odd] == [0] * 3


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


def test_run_log_ends_each_item_with_the_word_its_row_has(tmp_path: Path) -> None:
    """The worker's line when an item ends: 门户拒绝 for AMS's refusal, 待复核 for a row that
    waits for a checker, 已报备 for a filed row (not 业务错误 / 需人工处理 / nothing)."""
    run_id, url = "20260106-093000-account-filing-ab12cd", f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    for key in ("refused", "awaiting", "filed"):
        queue.enqueue("account-filing", run_id, key, {"row": 8} if key == "filed" else {})

    def handle(item: WorkItem) -> dict[str, Any]:
        if item.key == "refused":
            raise BusinessError("AMS refused", code="basic_account_missing",
                                details={"status": "refused", "portal_message": "基本存款账户不存在"})
        if item.key == "awaiting":
            raise AwaitingApproval("待复核", details={"status": "awaiting_approval"})
        return {"status": "filed", "filing_no": "100020260106000001"}

    wctx = WorkerContext(run_id=run_id, flow="account-filing", worker_index=0, owner="w1",
                         settings=Settings(), folder=tmp_path, audit=audit, log=logger.bind(run_id=run_id),
                         params={})
    configure_logging(console=False, run_id=run_id)  # as a worker process has it: scrubbed
    sink = add_run_log(tmp_path / "run.log", run_id=run_id)
    try:
        process_items(queue, wctx, handle, stop_event=threading.Event())
    finally:
        logger.remove(sink)
    text = (tmp_path / "run.log").read_text(encoding="utf-8")
    names = {item.key: f"事项 {item.id}（第 8 行）：" if item.key == "filed" else f"事项 {item.id}："
             for item in queue.items(run_id)}  # an item is named by its sheet row too (tester BJ F9)
    ended = {key: [line.split(name, 1)[1] for line in text.splitlines() if name in line]
             for key, name in names.items()}
    assert [line.split("：")[0] for line in ended["refused"]] == ["门户拒绝 basic_account_missing"], text
    assert [line.split("：")[0] for line in ended["awaiting"]] == ["待复核"], text
    assert ended["filed"] == ["已报备"], text  # its number is result.xlsx's: run.log masks digit runs


def test_business_errors_are_counted_by_their_rows_words_where_recorded() -> None:
    from rpa.outcomes import ended_as_recorded

    counts = {"done": 2, "business_error": 3, "held": 1}
    run = {"ended_as": {"门户拒绝": 1, "复核退回": 1}, "awaiting_approval": 1}
    said = counts_text(counts, 1, ended_as_recorded(run))
    assert said == "已完成 2，业务错误 1，复核退回 1，门户拒绝 1，待复核 1", said
    # words of another moment than the counts (more than the business errors): not used
    assert counts_text({"business_error": 1}, 0, {"门户拒绝": 2}) == "业务错误 1"
    assert ended_as_recorded({"ended_as": {"门户拒绝": "x", "复核退回": True}}) == {}
