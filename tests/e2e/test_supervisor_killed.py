"""A killed supervisor's workers stop after the item in hand: `rpa run report-extraction` in a
subprocess, its supervisor alone killed with SIGKILL once a file is done. Workers are forked from
a fork server that outlives the supervisor while they live, so a worker must watch the process
that started it, not its parent (a killed run must not go on unseen). The mock report platform
runs in the test process and outlives the kill."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from rpa.queue import WorkQueue
from tests.e2e.cli_helpers import RPA, make_cli_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, parent, ..., start time (field 19)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(root: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process under `root`: a pid alone may be reused later."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found: set[tuple[int, str]] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def _alive(process: tuple[int, str]) -> bool:
    """Still the same process, and running (not a zombie waiting to be reaped)."""
    try:
        fields = _stat(process[0])
    except OSError:
        return False
    return fields[19] == process[1] and fields[0] != "Z"


def _counts(runs: Path) -> dict[str, int]:
    queue = WorkQueue(f"sqlite:///{runs / 'queue.db'}")
    counts: dict[str, int] = {}
    for run in runs.iterdir() if runs.exists() else []:
        if run.is_dir():
            for state, n in queue.counts(run.name).items():
                counts[str(state)] = counts.get(str(state), 0) + n
    return counts


def _wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


def test_the_workers_of_a_killed_supervisor_stop_after_the_item_in_hand(
    report_portal: Any, tmp_path: Path
) -> None:
    report_portal.set_faults(latency_ms=300)  # some 1 s per file: the kill lands mid-batch
    operator = report_portal.operators[0]
    cli = make_cli_env(tmp_path, RPA_REPORTS_URL=report_portal.url, RPA_REPORTS_OPERATORS=json.dumps(
        [{"code": operator.code, "password": operator.password}]))
    with open(tmp_path / "out.txt", "wb") as out:
        supervisor = subprocess.Popen([*RPA, "run", "report-extraction", "--date", "2026-11-27",
                                       "--workers", "1"], env=cli.env, stdout=out, stderr=out, cwd=ROOT)
    tree: set[tuple[int, str]] = set()
    try:
        _wait_for(lambda: _counts(cli.runs).get("done", 0) >= 1, 120, "the first file done")
        tree = _descendants(supervisor.pid)  # the fork server, the worker, its driver and Chromium
        workers = {p for p in tree if b"forkserver" in Path(f"/proc/{p[0]}/cmdline").read_bytes()}
        assert len(workers) == 2, "expected the fork server and one worker"
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(timeout=30)

        _wait_for(lambda: not any(_alive(p) for p in workers), 60, "the workers to stop")
    finally:
        supervisor.kill()
        for process in tree:  # whatever is left of the run, should the test fail
            if _alive(process):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process[0], signal.SIGKILL)
    counts = _counts(cli.runs)
    assert counts.get("pending", 0) > 0, f"the workers went on to the end: {counts}"
    assert counts.get("leased", 0) == 0  # the item in hand was finished, not dropped
    log = next(cli.runs.glob("*/run.log")).read_text(encoding="utf-8")
    assert "finished: LoopSummary" in log  # stopped as a worker stops, after logging out
