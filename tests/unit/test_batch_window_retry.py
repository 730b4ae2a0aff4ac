"""A portal's batch window is a system error the queue retries, the only retry loop: it waits the
longest backoff at once (a window lasts minutes) and never opens the circuit breaker, which a run
of ordinary system errors (500s) still does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bots.ams.messages import load_message_catalogue
from bots.report_states import raise_for_page_state
from rpa.audit.log import AuditLog
from rpa.errors import BatchWindow, ConfigError, PortalUnavailable, outcome_for
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.worker import process_items
from rpa.settings import Settings, load_settings

FLOW, RUN = "smoke", "run-batch"
BATCH_WORDS = "当前系统正在运行后台批处理，请稍等再进行业务"


def _worker(tmp_path: Path, keys: list[str], **settings: Any) -> tuple[WorkQueue, WorkerContext]:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue = WorkQueue(url, max_attempts=3, backoff_base_seconds=0.01, backoff_max_seconds=0.02)
    audit = AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    for key in keys:
        queue.enqueue(FLOW, RUN, key, {})
    wctx = WorkerContext(
        run_id=RUN, flow=FLOW, worker_index=0, owner="w1", settings=Settings(**settings),
        folder=tmp_path, audit=audit, log=logger.bind(), params={}, queue=queue,
    )  # fmt: skip
    return queue, wctx


def test_amss_batch_window_words_are_a_batch_window_retried_as_busy(isolated_settings: Path) -> None:
    catalogue = load_message_catalogue(Settings().config_dir)
    error = catalogue.error_for(f"提示信息\n{BATCH_WORDS}", context="查询 ****5678")
    assert isinstance(error, BatchWindow) and error.code == "batch_window"
    disposition = outcome_for(error)
    assert disposition.retry and disposition.busy and disposition.state == "pending"
    assert not outcome_for(PortalUnavailable("HTTP 500")).busy
    # the same words at login are the portal's state too, never a refusal of the password
    assert isinstance(catalogue.error_for(BATCH_WORDS, context="登录", at_login=True), BatchWindow)


def test_the_report_platforms_batch_window_is_one_too() -> None:
    with pytest.raises(BatchWindow):
        raise_for_page_state(f"<html><body><p>{BATCH_WORDS}</p></body></html>")
    with pytest.raises(PortalUnavailable) as down:
        raise_for_page_state("<html>系统繁忙</html>", 503)
    assert not isinstance(down.value, BatchWindow)


def test_a_batch_window_waits_the_longest_backoff_a_500_a_growing_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue = WorkQueue(url, max_attempts=4, backoff_base_seconds=1.0, backoff_max_seconds=300.0)
    queue.create_schema()
    queue.enqueue(FLOW, RUN, "busy", {})
    queue.enqueue(FLOW, RUN, "down", {})
    waits = {}
    for longest in (True, False):
        item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
        assert item is not None
        before = datetime.now(UTC)
        assert queue.fail_system(item.id, "w1", "x", "x", longest=longest) == ItemState.PENDING
        not_before = queue.get(item.id).not_before
        assert not_before is not None
        waits[item.key] = (not_before.replace(tzinfo=not_before.tzinfo or UTC) - before).total_seconds()
    assert 299 <= waits["busy"] <= 300 * 1.3  # the ceiling at once (plus jitter)
    assert waits["down"] <= 2  # base * 2**0, plus jitter


def _always(error: Exception) -> Any:
    def handler(item: WorkItem) -> dict[str, Any]:
        raise error

    return handler


@pytest.mark.timeout(30)
def test_a_batch_window_on_every_item_never_opens_the_circuit(tmp_path: Path) -> None:
    queue, wctx = _worker(tmp_path, ["a", "b", "c"], circuit_breaker_threshold=2)
    summary = process_items(queue, wctx, _always(BatchWindow("批处理", code="batch_window")),
                            stop_event=threading.Event())

    assert summary.fatal is None and queue.stop_requested(RUN) is None
    items = queue.items(RUN)
    assert all(i.state == ItemState.FAILED and i.attempts == 3 for i in items)  # retried, then failed
    assert summary.retried == 6 and summary.failed == 3


@pytest.mark.timeout(30)
def test_ordinary_system_errors_in_a_row_still_open_the_circuit(tmp_path: Path) -> None:
    queue, wctx = _worker(tmp_path, ["a", "b", "c"], circuit_breaker_threshold=2)
    summary = process_items(queue, wctx, _always(PortalUnavailable("HTTP 500", code="http_500")),
                            stop_event=threading.Event())

    assert summary.fatal is not None and "连续 2 项出现系统错误" in summary.fatal
    stop = queue.stop_requested(RUN)
    assert stop is not None and stop[0] == "circuit_open"


def test_the_retired_patience_setting_is_refused_naming_what_replaced_it(
    isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPA_BATCH_WINDOW_PATIENCE_SECONDS", "600")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert "RPA_BATCH_WINDOW_PATIENCE_SECONDS 已取消" in str(refused.value)
    assert "RPA_BACKOFF_MAX_SECONDS" in str(refused.value) and "RPA_MAX_ATTEMPTS" in str(refused.value)
