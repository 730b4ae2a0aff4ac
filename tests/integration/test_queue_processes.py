"""Several worker processes share one queue: every item is done once, even when one is killed.

The workers are real processes (the "spawn" context, as the worker pool uses) on a real
SQLite file or PostgreSQL database. What counts as "done once" is the work table's UNIQUE key,
not the queue's own word.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rpa.queue.work_queue import ItemState, Outcome, WorkQueue
from tests.integration.queue_worker import BLOCKED_SIGNAL, create_work_table, run_worker, work_rows

FLOW = "queue_test"
RUN = "run-processes"
JOIN_TIMEOUT_SECONDS = 120


class WorkerProcesses:
    """Starts worker processes, and kills any still running at the end of the test."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.barrier: Any = None

    def start(self, count: int, url: str, lease_seconds: float, signals: Path) -> None:
        # kept on self: a spawned child rebuilds it from its name, which dies with the parent's object
        self.barrier = self.context.Barrier(count)
        for n in range(count):
            process = self.context.Process(
                target=run_worker,
                args=(url, RUN, f"w{n}", lease_seconds, str(signals), self.barrier),
                name=f"queue-worker-{n}",
            )
            process.start()
            self.processes.append(process)

    def join(self) -> dict[int, int | None]:
        """Wait for every worker; exit code by pid."""
        deadline = time.monotonic() + JOIN_TIMEOUT_SECONDS
        for process in self.processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        return {process.pid: process.exitcode for process in self.processes}

    def kill_leftovers(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=10)


@pytest.fixture
def workers() -> Iterator[WorkerProcesses]:
    pool = WorkerProcesses()
    yield pool
    pool.kill_leftovers()


def _prepared_queue(url: str, count: int, blocking_index: int | None = None) -> tuple[WorkQueue, list[str]]:
    queue = WorkQueue(url)
    queue.create_schema()
    create_work_table(url)
    keys = [f"item-{n:05d}" for n in range(count)]
    entries = [(key, {"n": n, "block": n == blocking_index}) for n, key in enumerate(keys)]
    assert all(result.created for result in queue.enqueue_many(FLOW, RUN, entries))
    return queue, keys


def _wait_for_file(path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path.name} did not appear within {timeout} s")


def test_every_item_is_done_exactly_once_by_many_processes(
    db_url: str, test_config: Any, tmp_path: Path, workers: WorkerProcesses
) -> None:
    count, worker_count = test_config.queue_items, test_config.queue_workers
    queue, keys = _prepared_queue(db_url, count)

    workers.start(worker_count, db_url, lease_seconds=30, signals=tmp_path)
    exit_codes = workers.join()

    assert set(exit_codes.values()) == {0}, f"a worker failed: {exit_codes}"
    rows = work_rows(db_url)
    assert len(rows) == count and sorted(key for key, _, _ in rows) == keys
    assert queue.counts(RUN)[ItemState.DONE] == count
    assert sum(queue.counts(RUN).values()) == count
    assert {item.attempts for item in queue.items(RUN)} == {1}
    done_by = Counter(owner for _, owner, _ in rows)
    reported = {f"w{n}": int((tmp_path / f"w{n}.done").read_text()) for n in range(worker_count)}
    assert {owner: n for owner, n in reported.items() if n} == dict(done_by)
    assert len(done_by) >= 2, f"the workers did not share the work: {dict(done_by)}"


def test_a_killed_workers_item_is_taken_back_and_done_once(
    db_url: str, test_config: Any, tmp_path: Path, workers: WorkerProcesses
) -> None:
    count, worker_count = 40, max(2, min(test_config.queue_workers, 3))
    queue, keys = _prepared_queue(db_url, count, blocking_index=3)
    blocked_key = keys[3]

    workers.start(worker_count, db_url, lease_seconds=2.0, signals=tmp_path)
    killed_owner, pid = _wait_for_file(tmp_path / BLOCKED_SIGNAL, timeout=60).split()
    os.kill(int(pid), signal.SIGKILL)
    exit_codes = workers.join()

    assert exit_codes.pop(int(pid)) == -signal.SIGKILL
    assert set(exit_codes.values()) == {0}, f"a worker failed: {exit_codes}"
    rows = work_rows(db_url)
    assert len(rows) == count and sorted(key for key, _, _ in rows) == keys
    [(_, owner, attempt)] = [row for row in rows if row[0] == blocked_key]
    assert owner != killed_owner and attempt == 2  # the killed attempt's row never committed
    item = queue.find_by_key(FLOW, blocked_key)
    assert item is not None and item.state is ItemState.DONE and item.attempts == 2
    history = queue.history(item.id)
    assert [(a.owner, a.outcome) for a in history] == [
        (killed_owner, Outcome.LEASE_EXPIRED),
        (owner, Outcome.DONE),
    ]
    assert queue.counts(RUN)[ItemState.DONE] == count
