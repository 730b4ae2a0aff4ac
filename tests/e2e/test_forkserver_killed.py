"""The fork server killed mid-run: `rpa run smoke --workers 2` in a subprocess, the process that
forks its workers killed with SIGKILL once an item is done. multiprocessing then reports both
live workers as ended; the supervisor must see by pid and start time that they still run, stop
them after the item in hand and only then start their replacements, so that no more than two
workers (two operators' sessions) ever work at once, and the run still finishes."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from rpa.queue.work_queue import WorkQueue
from rpa.run.processes import is_running
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.e2e.processes import proc_stat, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORKERS = 2


def _run_processes(runs: Path) -> dict[int, tuple[int, str]]:
    """Every forkserver process of this test's run (fork servers and the workers they forked,
    orphans included: a worker whose fork server died is init's child, out of the supervisor's
    tree), found by its command line and the runs folder in its environment: pid -> (parent,
    start time)."""
    marker = f"RPA_RUNS_DIR={runs}".encode()
    found: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"multiprocessing.forkserver" not in (entry / "cmdline").read_bytes():
                continue
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            fields = proc_stat(int(entry.name))
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), fields[19])
    return found


class _Sampler:
    """Counts, every 0.1 s until stopped, the live worker processes and the distinct lease
    owners of the run; keeps the highest of each."""

    def __init__(self, runs: Path, supervisor: int) -> None:
        self.runs, self.supervisor = runs, supervisor
        self.most_workers = self.most_owners = 0
        self.worst: dict[int, tuple[int, str]] = {}  # the sample with the most workers
        self.seen: dict[int, str] = {}  # every process seen, to clean up after a failure
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        queue = WorkQueue(f"sqlite:///{self.runs / 'queue.db'}")
        while not self._stop.wait(0.1):
            processes = _run_processes(self.runs)
            self.seen.update({pid: started for pid, (_, started) in processes.items()})
            workers = _workers(processes, self.supervisor)
            if len(workers) > self.most_workers:
                self.most_workers, self.worst = len(workers), workers
            with contextlib.suppress(Exception):  # the database may be busy or not made yet
                owners = {i.lease_owner for r in _run_ids(self.runs) for i in queue.items(r)
                          if i.state == "leased"}
                self.most_owners = max(self.most_owners, len(owners))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _workers(processes: dict[int, tuple[int, str]], supervisor: int) -> dict[int, tuple[int, str]]:
    """The workers among one scan's processes that all still run once the scan is over.

    A fork server is the supervisor's child; a worker is forked by a fork server, or is an
    orphan (its fork server dead). A process whose parent is a worker is not one: it is a worker
    forking its Playwright driver, seen between fork and exec with the worker's command line.
    A scan of /proc is not one instant: an orphan read early may have ended, and its
    replacement started, before the scan reached the replacement's pid; so every worker is
    looked at again after the scan, and only those still running count."""
    servers = {pid for pid, (parent, _) in processes.items() if parent == supervisor}
    workers = {
        pid: (parent, started) for pid, (parent, started) in processes.items()
        if pid not in servers and (parent in servers or parent not in processes)
    }
    return {pid: seen for pid, seen in workers.items() if is_running(pid, seen[1])}


def _run_ids(runs: Path) -> list[str]:
    return [p.name for p in runs.iterdir() if (p / "run.json").exists()] if runs.exists() else []


def _done(runs: Path) -> int:
    queue = WorkQueue(f"sqlite:///{runs / 'queue.db'}")
    return sum(queue.counts(r).get("done", 0) for r in _run_ids(runs)) if (runs / "queue.db").exists() else 0


@pytest.mark.timeout(240)
def test_a_killed_fork_server_never_leaves_more_workers_than_asked_for(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    proc = cli.popen("run", "smoke", "--modes", "slow", "--items", "10", "--workers", str(WORKERS))
    sampler = _Sampler(cli.runs, proc.pid)
    try:
        wait_for(lambda: _done(cli.runs) >= 1, 120, "the first item done")
        servers = [pid for pid, (parent, _) in _run_processes(cli.runs).items() if parent == proc.pid]
        assert len(servers) == 1, f"expected one fork server: {_run_processes(cli.runs)}"
        os.kill(servers[0], signal.SIGKILL)
        out, err = proc.communicate(timeout=180)
    finally:
        sampler.stop()
        proc.kill()
        time.sleep(0.5)
        for pid, started in sampler.seen.items():  # whatever is left, should the test fail
            if is_running(pid, started):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 0, out + err
    run_id = run_id_from(out)
    counts = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}").counts(run_id)
    assert counts.get("done") == 10, counts
    assert sampler.most_workers <= WORKERS, f"{sampler.most_workers} workers at once: {sampler.worst}"
    assert sampler.most_owners <= WORKERS
    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "派生工作进程的服务进程已退出" in log  # the orphans were seen as such, not as crashes
    assert log.count(" 已启动") > WORKERS  # replacements did start, after the orphans stopped
