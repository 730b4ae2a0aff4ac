"""The circuit breaker is one count per run in the database: system errors of every worker (on
any host) add up, a success anywhere ends the streak, and the failure that reaches the
threshold opens the circuit once, stops the run for every worker and leaves the rest pending."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from rpa.audit.log import AuditLog
from rpa.errors import PortalUnavailable
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue
from rpa.run.breaker import RunBreaker
from rpa.run.flow import WorkerContext
from rpa.run.worker import process_items
from rpa.settings import Settings

FLOW, RUN = "smoke", "run-breaker"


def test_errors_of_all_workers_add_up_and_a_success_ends_the_streak(db_url: str) -> None:
    host_a, host_b = RunBreaker(db_url, RUN, 4), RunBreaker(db_url, RUN, 4)  # two processes' views
    assert host_a.failed("500") is None and host_b.failed("500") is None
    assert host_a.errors_in_a_row() == 2
    host_b.succeeded()
    assert host_a.errors_in_a_row() == 0
    assert [host_a.failed("500"), host_b.failed("500"), host_a.failed("500")] == [None, None, None]
    assert host_b.failed("500") == 4  # the fourth in a row, whoever met it
    assert host_a.errors_in_a_row() == 0  # opened and closed again: a resume starts afresh
    other_run = RunBreaker(db_url, "another-run", 4)
    assert other_run.failed("500") is None and host_a.errors_in_a_row() == 0


@pytest.mark.timeout(60)
def test_concurrent_failures_are_each_counted_and_open_the_circuit_once(db_url: str) -> None:
    threshold, workers, each = 25, 4, 10  # 40 failures: the circuit opens once at 25
    opened: list[int] = []
    start = threading.Barrier(workers)

    def fail_many() -> None:
        breaker = RunBreaker(db_url, RUN, threshold)
        start.wait()
        for _ in range(each):
            tripped = breaker.failed("系统繁忙")
            if tripped is not None:
                opened.append(tripped)

    threads = [threading.Thread(target=fail_many) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert opened == [25]
    assert RunBreaker(db_url, RUN, threshold).errors_in_a_row() == workers * each - 25


def _worker(url: str, tmp_path: Path, owner: str, **settings: Any) -> tuple[WorkQueue, WorkerContext]:
    queue = WorkQueue(url, max_attempts=3, backoff_base_seconds=0.01, backoff_max_seconds=0.02)
    audit = AuditLog(url, b"k" * 32)
    wctx = WorkerContext(
        run_id=RUN, flow=FLOW, worker_index=0, owner=owner, settings=Settings(**settings),
        folder=tmp_path, audit=audit, log=logger.bind(), params={}, queue=queue,
    )  # fmt: skip
    return queue, wctx


def test_a_worker_opens_the_circuit_on_errors_another_worker_met(db_url: str, tmp_path: Path) -> None:
    queue, wctx = _worker(db_url, tmp_path, "host-b:41:w0", circuit_breaker_threshold=3)
    queue.create_schema()
    wctx.audit.create_schema()
    for key in ("110020260001", "110020260002", "110020260003"):
        queue.enqueue(FLOW, RUN, key, {})
    elsewhere = RunBreaker(db_url, RUN, 3)
    assert elsewhere.failed("host-a: 系统繁忙") is None and elsewhere.failed("host-a: 系统繁忙") is None
    tried: list[str] = []

    def portal_down(item: WorkItem) -> dict[str, Any]:
        tried.append(item.key)
        raise PortalUnavailable("系统繁忙，请稍后再试")

    summary = process_items(queue, wctx, portal_down, stop_event=threading.Event())

    assert len(tried) == 1  # one more error was enough: the two before were another host's
    assert summary.fatal is not None and "连续 3 项出现系统错误" in summary.fatal
    assert "--resume" not in summary.fatal  # what to type is the verdict's and the alert's (tester AS)
    stop = queue.stop_requested(RUN)
    assert stop is not None and stop[0] == "circuit_open"
    states = [i.state for i in queue.items(RUN)]
    assert states.count(ItemState.PENDING) == 3  # the failed one back under backoff, none lost
    # every other worker of the run, here or on another host, stops before its next claim
    _other_queue, other = _worker(db_url, tmp_path, "host-a:7:w1", circuit_breaker_threshold=3)
    untouched: list[str] = []
    process_items(queue, other, lambda item: untouched.append(item.key) or {}, stop_event=threading.Event())
    assert untouched == []
