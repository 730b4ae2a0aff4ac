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
from pathlib import Path
from typing import Any

import pytest

from rpa.queue.work_queue import WorkQueue
from rpa.run.processes import is_running
from tests.e2e.cli_helpers import RPA, make_cli_env
from tests.e2e.processes import process_tree, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _counts(runs: Path) -> dict[str, int]:
    queue = WorkQueue(f"sqlite:///{runs / 'queue.db'}")
    counts: dict[str, int] = {}
    for run in runs.iterdir() if runs.exists() else []:
        if run.is_dir():
            for state, n in queue.counts(run.name).items():
                counts[str(state)] = counts.get(str(state), 0) + n
    return counts


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
    tree: dict[int, str] = {}
    try:
        wait_for(lambda: _counts(cli.runs).get("done", 0) >= 1, 120, "the first file done")
        tree = process_tree(supervisor.pid)  # and the fork server, the worker, its driver, Chromium
        workers = {pid: started for pid, started in tree.items()
                   if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()}
        assert len(workers) == 2, "expected the fork server and one worker"
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait(timeout=30)

        wait_for(lambda: not any(is_running(*p) for p in workers.items()), 60, "the workers to stop")
    finally:
        supervisor.kill()
        for pid, started in tree.items():  # whatever is left of the run, should the test fail
            if is_running(pid, started):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    counts = _counts(cli.runs)
    assert counts.get("pending", 0) > 0, f"the workers went on to the end: {counts}"
    assert counts.get("leased", 0) == 0  # the item in hand was finished, not dropped
    log = next(cli.runs.glob("*/run.log")).read_text(encoding="utf-8")
    assert "结束：已完成" in log  # stopped as a worker stops, after logging out
