"""Account filings per minute with 1, 2 and 4 workers on PostgreSQL at 100 ms portal latency,
each beside its CPU seconds per filing and the bound the machine's cores set.

    .venv/bin/python benchmarks/filing_workers_postgres.py                 # 100 accounts, 1/2/4 workers
    .venv/bin/python benchmarks/filing_workers_postgres.py --accounts 40 --workers 1 2

Each contender is a whole `rpa run account-filing` (execute_run: reading the file, the workers,
their Chromium and login, result.xlsx) with its queue, audit chain and ledger on a fresh
database of one throwaway PostgreSQL cluster (Debian's, started as tests/plugins/postgres.py
starts it: 127.0.0.1, fsync off), against a fresh mock AMS whose every request is delayed by
--latency-ms, on the same fresh accounts (filing_throughput.write_accounts).

Printed per worker count, side by side:
  filings/min       accounts filed ÷ the run's wall time
  machine CPU s     the machine's busy seconds (/proc/stat: every process, so the workers,
                    Chromium, the portal, PostgreSQL and anything else running) ÷ accounts
  own CPU s         the run's own CPU seconds ÷ accounts: this process (the run's supervisor
                    and the mock AMS's thread), every process below it (the fork server, the
                    workers, their Playwright drivers and Chromium; read from /proc every 0.2 s,
                    with this process as their subreaper so none leaves the tree: a process's
                    last 0.2 s are missed) and the PostgreSQL server's; other jobs on the
                    machine do not count here
  CPU bound/min     cores × 60 ÷ (own CPU s per filing): no run doing this work can file
                    faster on this machine, however many workers
  portal bound/min  workers × 60 ÷ (4 requests × latency): each worker waits at least that
                    long per account for AMS
Other load on the machine inflates wall time much more than CPU seconds: compare CPU seconds.
Not a test: it prints figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import resource
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.filing_throughput import (  # noqa: E402
    cpu_model,
    filings_count,
    machine_busy_seconds,
    portal,
    write_accounts,
)
from benchmarks.queue_postgres import BenchCluster  # noqa: E402

# the mock AMS's active operators (fixtures/portals/ams/operators.yaml): one per worker
OPERATORS = [("OP0001", "Ams0001!"), ("OP0002", "Ams0002!"), ("OP0003", "Ams0003!"), ("OP0004", "Ams0004!")]
FLOOR_REQUESTS = 4  # log-in aside, a filing is 4 page loads: look-up, form, 信息核对, 确认提交


def run_once(
    cluster: BenchCluster, source: Path, accounts: int, workers: int, latency_ms: float, scratch: Path
) -> dict[str, float]:
    from rpa.db import engine_for
    from rpa.run.orchestrate import execute_run
    from rpa.settings import OperatorCredential, Settings

    name = f"bench_filing_{workers}w_{uuid.uuid4().hex[:8]}"
    url = cluster.create_database(name)
    server = portal(latency_ms)
    try:
        settings = Settings(
            runs_dir=scratch / "runs",
            audit_key_file=scratch / "audit.key",
            database_url=url,
            ams_url=server.url,
            ams_service_window="always",  # the mock AMS has no service hours
            ams_operators=[
                OperatorCredential.model_validate({"code": c, "password": p}) for c, p in OPERATORS[:workers]
            ],
        )
        own_before = own_cpu_seconds() + cluster.server_cpu_seconds()
        busy, load, started = machine_busy_seconds(), os.getloadavg()[0], time.perf_counter()
        with DescendantsCpu() as descendants:
            outcome = execute_run(
                settings, "account-filing", {"flow_params": {"input": str(source)}}, workers=workers
            )
        elapsed = time.perf_counter() - started
        cpu = machine_busy_seconds() - busy
        engine_for(url).dispose()  # the server's backends end, so their CPU counts below
        own = own_cpu_seconds() + cluster.server_cpu_seconds() - own_before + descendants.seconds
        if outcome.exit_code != 0:
            raise RuntimeError(f"{workers} worker(s): the run ended {outcome.exit_code}: {outcome.counts}")
        filed = filings_count(server)
        if filed != accounts:
            raise RuntimeError(f"{workers} worker(s): {filed} of {accounts} accounts filed")
    finally:
        server.stop()
        engine_for(url).dispose()
        cluster.drop_database(name)
    return {
        "seconds": elapsed,
        "cpu": cpu / accounts,
        "own": own / accounts,
        "load": load,
        "load_after": os.getloadavg()[0],
    }


def own_cpu_seconds() -> float:
    """CPU seconds of this process (every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


PR_SET_CHILD_SUBREAPER = 36


class DescendantsCpu:
    """CPU seconds of every process below this one while the block runs: /proc read every 0.2 s,
    each process's own utime + stime as last seen (not its children's, which are counted as
    processes of their own). This process is made their subreaper, so a process whose parent
    ended (Chromium under its driver) stays in the tree, and a zombie still shows its CPU."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self.tick = os.sysconf("SC_CLK_TCK")

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())

    def __enter__(self) -> DescendantsCpu:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        stats: dict[int, list[str]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    text = Path(f"/proc/{entry.name}/stat").read_text()
                    stats[int(entry.name)] = text.rsplit(")", 1)[1].split()
                except OSError:
                    continue
        children: dict[int, list[int]] = {}
        for pid, fields in stats.items():
            children.setdefault(int(fields[1]), []).append(pid)
        todo = list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            fields = stats[pid]
            self.seen[(pid, fields[19])] = (int(fields[11]) + int(fields[12])) / self.tick
            todo.extend(children.get(pid, []))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], choices=[1, 2, 3, 4])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    cores = os.cpu_count() or 1
    cluster = BenchCluster(durable=False)
    cluster.init()
    cluster.start()
    results: dict[int, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="rpa-bench-pg-") as scratch_dir:
            scratch = Path(scratch_dir)
            source = scratch / "accounts.xlsx"
            write_accounts(source, args.accounts)
            print(
                f"{args.accounts} accounts, {args.latency_ms:.0f} ms latency, PostgreSQL (fsync off), "
                f"machine {platform.node()}: {cores} cores, {cpu_model()}",
                flush=True,
            )
            for workers in args.workers:
                with tempfile.TemporaryDirectory(dir=scratch) as run_dir:
                    results[workers] = run_once(
                        cluster, source, args.accounts, workers, args.latency_ms, Path(run_dir)
                    )
                print(f"  {workers} worker(s): {results[workers]['seconds']:.1f} s", flush=True)
    finally:
        cluster.stop()
    floor = FLOOR_REQUESTS * args.latency_ms / 1000
    print()
    print(
        f"{'workers':>7} {'wall s':>7} {'filings/min':>11} {'machine CPU s':>13} {'own CPU s':>9} "
        f"{'CPU bound/min':>13} {'portal bound/min':>16} {'load before-after':>17}"
    )
    for workers, r in results.items():
        rate = args.accounts / r["seconds"] * 60
        cpu_bound = cores * 60 / r["own"]
        portal_bound = workers * 60 / floor
        print(
            f"{workers:>7} {r['seconds']:>7.1f} {rate:>11.1f} {r['cpu']:>13.2f} {r['own']:>9.2f} "
            f"{cpu_bound:>13.1f} {portal_bound:>16.1f} {r['load']:>8.1f}-{r['load_after']:.1f}"
        )
    print(
        f"CPU s are per filing. CPU bound = {cores} cores x 60 / own CPU s per filing; "
        f"portal bound = workers x 60 / ({FLOOR_REQUESTS} x {args.latency_ms:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
