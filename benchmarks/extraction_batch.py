"""Report extraction in batch: `rpa run report-extraction` with 1 and 2 workers, at 100 ms and 0 ms.

    .venv/bin/python benchmarks/extraction_batch.py                    # 57 files, one run, median of 3
    .venv/bin/python benchmarks/extraction_batch.py --batch per-date   # 50 files in 3 runs, as before
    .venv/bin/python benchmarks/extraction_batch.py --latency-ms 0     # only the 0-ms platform
    .venv/bin/python benchmarks/extraction_batch.py --quick            # 19 files (one date), once each
    .venv/bin/python benchmarks/extraction_batch.py --keep-worker-server  # the scheduler's warm workers
    .venv/bin/python benchmarks/extraction_batch.py --no-bare          # without the bare batch

The default batch is one run for three dates (`--date` given three times), formats xlsx and pdf,
all 8 branches: 2026-11-26 (8 branch dailies and the summary in both formats, and the 25th's
summary: 19 files), 2026-11-27 (18: its day before's summary is the 26th's, fetched once) and
2026-11-30, a month end (20: the 29th's summary and the fee-income monthly too): 57 files.
`--batch per-date` is the batch measured until 2026-11-28: one run per date, 2026-11-26 and -27
with all 8 branches (19 files each) and 2026-11-30 with the first 4 (12 files), 50 files.
Every batch is measured twice per round: with the platform answering each page and download
100 ms late (the bank WAN, as the filing benchmark models it) and with no delay (the mock on this
machine); `--latency-ms` (repeatable) chooses others.
An untimed warm-up run comes first: the mock platform makes each report file on its first
download and keeps it (as a real platform serves stored files), so no measured run pays for it.
Each measurement has a fresh mock report platform (start_portals on free 127.0.0.1 ports, in this
process), a fresh runs folder (queue, audit and extraction cache start empty), a fresh fork server
for the workers (as a new `rpa run` process has; the scheduler would keep one) and real Chromium:
execute_run(settings, "report-extraction", ...) with workers=1 or 2, one operator per worker.
Measurements alternate 1,2 / 2,1 / 1,2 so that load from other processes falls on both alike.
From each run's audit.jsonl: start-up (run start to the first claim: worker processes, Chromium,
login), the item phase (first claim to last item done) and finish (consolidated.xlsx). CPU is
that of this process (the platform, the supervisor) and all under it (workers, their Playwright
drivers, Chromium), sampled from /proc; cores busy = CPU seconds / wall seconds. On a machine of
2 cores, a batch that keeps more than one core busy with 1 worker cannot double with 2. The
ceiling printed with the medians is what 2 workers would reach with no contention at all: one
worker's start-up and finish, and its item phase halved.
Beside each measurement of the bot, the bare batch (bare_batch.py) takes the same files with the
same number of worker processes and nothing but Playwright and the raw readers, its workers
imported before the clock starts: what this machine allows any bot that downloads through a
browser. Its speed-up with 2 workers is printed beside the bot's.
Not a test: it prints figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path

from bare_batch import BareMeasurement, bare_lists, run_bare

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ["xlsx", "pdf"]
TARGET_SPEEDUP = 1.7
TICK = os.sysconf("SC_CLK_TCK")
Run = tuple[list[date], int]  # the dates of one run, and how many branches (the first N)
DAYS = [date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)]
BATCHES: dict[str, list[Run]] = {
    "one-run": [(DAYS, 8)],  # 57 files
    "per-date": [([DAYS[0]], 8), ([DAYS[1]], 8), ([DAYS[2]], 4)],  # 50 files, as until 2026-11-28
    "quick": [([DAYS[1]], 8)],  # 19 files
}
# the platform's delay per request: 100 ms models the bank WAN as the filing benchmark does; 0 ms
# (the mock on this machine) is measured alongside so that no figure depends on the model alone
LATENCIES_MS = [100.0, 0.0]


@dataclass
class Measurement:
    """One batch with a given number of workers; phases summed over the batch's runs."""

    workers: int
    files: int
    seconds: float
    startup: float
    items: float
    finish: float
    cpu_by_kind: dict[str, float]  # CPU seconds by kind of process
    load: tuple[float, float]  # 1-minute load average before and after

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_kind.values())

    def line(self) -> str:
        return (f"{self.seconds:6.1f} s, {self.files / self.seconds * 60:5.1f} files/min (start-up "
                f"{self.startup:.1f} s, items {self.items:.1f} s, finish {self.finish:.1f} s), "
                f"CPU {self.cpu:.0f} s = {self.cpu / self.seconds:.2f} cores busy, "
                f"load {self.load[0]:.1f} -> {self.load[1]:.1f}")


def planned_files(batch: list[Run], branches: list[str]) -> int:
    from flows.report_extraction.work_items import plan_days

    return sum(len(plan_days(days, branches[:count], formats=FORMATS, monthly_formats=["pdf"]))
               for days, count in batch)


def describe(batch: list[Run]) -> str:
    return "; ".join(f"run {n}: {', '.join(str(day) for day in days)}, {count} branches"
                     for n, (days, count) in enumerate(batch, 1))


class TreeCpu:
    """CPU seconds of this process and every process under it, by kind, sampled from /proc each
    second: resource.getrusage misses the Chromium processes that no parent waits for. A process
    that ends between two samples loses its last second at most."""

    def __init__(self) -> None:
        self.descendants: dict[tuple[int, str], tuple[str, float]] = {}  # (pid, start) -> (kind, CPU s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._own = 0.0

    def __enter__(self) -> TreeCpu:
        self._own = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._own = time.process_time() - self._own

    def by_kind(self) -> dict[str, float]:
        kinds = {"this process (platform, supervisor)": self._own}
        for kind, cpu in self.descendants.values():
            kinds[kind] = kinds.get(kind, 0.0) + cpu
        return kinds

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        procs: dict[int, tuple[int, str, float]] = {}  # pid -> (parent, start time, CPU seconds)
        for entry in Path("/proc").iterdir():
            try:
                text = (entry / "stat").read_text() if entry.name.isdigit() else ""
            except OSError:
                continue
            fields = text[text.rfind(")") + 2:].split()
            if len(fields) > 19:
                cpu = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
                procs[int(entry.name)] = (int(fields[1]), fields[19], cpu)
        frontier = [os.getpid()]
        while frontier:
            parent = frontier.pop()
            for pid, (ppid, started, cpu) in procs.items():
                if ppid == parent:
                    known = self.descendants.get((pid, started))
                    self.descendants[(pid, started)] = (known[0] if known else _kind(pid), cpu)
                    frontier.append(pid)


def _kind(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    program = Path(command.split(" ", 1)[0]).name
    if "chrom" in program:
        match = re.search(r"--type=([a-z-]+)", command)
        return f"Chromium {match.group(1) if match else 'browser'}"
    return {"node": "Playwright driver (node)"}.get(program, "worker processes (Python)"
                                                     if program.startswith("python") else "other")


def phases(audit: Path) -> tuple[float, float, float]:
    """(start-up, item phase, finish) seconds of one run, from its audit log."""
    events = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    at = [(event["event"], datetime.fromisoformat(event["time"])) for event in events]
    started = next(t for name, t in at if name == "run.started")
    first_claim = min(t for name, t in at if name == "item.claimed")
    last_done = max(t for name, t in at if name == "item.done")
    finished = next(t for name, t in at if name == "run.finished")
    return ((first_claim - started).total_seconds(), (last_done - first_claim).total_seconds(),
            (finished - last_done).total_seconds())


def measure(
    batch: list[Run], branches: list[str], workers: int, scratch: Path, latency_ms: float,
    *, keep_worker_server: bool = False,
) -> Measurement:
    """Run the batch once with `workers` worker processes against a fresh platform (every page
    and download answered `latency_ms` late), a fresh runs folder and, unless
    `keep_worker_server`, a fresh fork server."""
    from pydantic import SecretStr

    from fixtures.portals.reports import load_operators
    from fixtures.portals.serve import start_portals
    from rpa.run.orchestrate import EXIT_OK, execute_run
    from rpa.settings import OperatorCredential, Settings

    operators = [OperatorCredential(code=op.code, password=SecretStr(op.password))
                 for op in load_operators() if op.status == "active"][:workers]
    folder = Path(tempfile.mkdtemp(prefix=f"batch-{workers}w-", dir=scratch))
    if not keep_worker_server:
        stop_worker_server()  # each measurement starts it afresh, as one `rpa run` does
    portals = start_portals(ams_port=0, reports_port=0, fault_overrides=[f"latency_ms={latency_ms}"])
    try:
        settings = Settings(runs_dir=folder / "runs", audit_key_file=folder / "audit.key",
                            reports_url=portals.urls["reports"], reports_operators=operators)
        load_before, started = os.getloadavg()[0], time.perf_counter()
        files, startup, items, finish = 0, 0.0, 0.0, 0.0
        with TreeCpu() as cpu:
            for days, count in batch:
                flow_params = {"date": [day.isoformat() for day in days], "branches": branches[:count],
                               "formats": FORMATS}
                params = {"flow_params": flow_params}
                outcome = execute_run(settings, "report-extraction", params, workers=workers)
                done = outcome.counts.get("done", 0)
                if outcome.exit_code != EXIT_OK or done != sum(outcome.counts.values()):
                    raise RuntimeError(f"run {outcome.run_id} ended {outcome.exit_code}: {outcome.counts}")
                files += done
                run_startup, run_items, run_finish = phases(outcome.folder / "audit.jsonl")
                startup, items, finish = startup + run_startup, items + run_items, finish + run_finish
            seconds = time.perf_counter() - started
        return Measurement(workers, files, seconds, startup, items, finish, cpu.by_kind(),
                           (load_before, os.getloadavg()[0]))
    finally:
        portals.stop()


def measure_bare(batch: list[Run], branches: list[str], workers: int, latency_ms: float) -> BareMeasurement:
    """The same files with nothing but Playwright and the raw readers (bare_batch.py), against a
    fresh platform answering `latency_ms` late."""
    from fixtures.portals.reports import load_operators
    from fixtures.portals.serve import start_portals

    operators = [(op.code, op.password) for op in load_operators() if op.status == "active"][:workers]
    lists = [listed for days, count in batch for listed in bare_lists(days, branches[:count], FORMATS)]
    portals = start_portals(ams_port=0, reports_port=0, fault_overrides=[f"latency_ms={latency_ms}"])
    try:
        return run_bare(portals.urls["reports"], operators, lists)
    finally:
        portals.stop()


def stop_worker_server() -> None:
    """Stop multiprocessing's fork server (rpa.run.supervisor starts workers from it), so that the
    next run pays its start-up as a fresh `rpa run` process does. A long-lived process (the
    scheduler) keeps it between runs; this benchmark does not."""
    import multiprocessing.forkserver

    multiprocessing.forkserver._forkserver._stop()  # type: ignore[attr-defined]  # no public API


def versions() -> str:
    from rpa.settings import Settings

    chromium = subprocess.run([str(Settings().chromium_executable()), "--version"], capture_output=True,
                              text=True, check=False).stdout.strip()
    return f"Playwright {version('playwright')}, {chromium or 'Chromium version unknown'}"


def ideal_speedup(one_worker_seconds: float, one_worker_items: float) -> float:
    """What 2 workers would reach if they halved the item phase exactly and started and finished
    as fast as one: everything but the item phase is paid once whatever the workers."""
    return one_worker_seconds / (one_worker_seconds - one_worker_items / 2)


def summarise(results: dict[int, list[Measurement]], runs: int, latency_ms: float) -> float:
    """Print the medians per worker count, the speed-up, and CPU per file by kind of process."""
    print(f"\n{latency_ms:.0f} ms latency, median of {runs}; load average now "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{'workers':>8}{'wall s':>9}{'files/min':>11}{'start-up s':>12}{'items s':>9}{'finish s':>10}"
          f"{'CPU s/file':>12}{'cores busy':>12}{'load':>12}")
    medians: dict[int, dict[str, float]] = {}
    for workers, measurements in results.items():
        medians[workers] = {field: statistics.median(getattr(m, field) for m in measurements)
                            for field in ("seconds", "startup", "items", "finish", "cpu", "files")}
        row = medians[workers]
        rate = row["files"] / row["seconds"] * 60
        loads = [value for m in measurements for value in m.load]
        print(f"{workers:>8}{row['seconds']:9.1f}{rate:11.1f}{row['startup']:12.1f}{row['items']:9.1f}"
              f"{row['finish']:10.1f}{row['cpu'] / row['files']:12.2f}{row['cpu'] / row['seconds']:12.2f}"
              f"{f'{min(loads):.1f}-{max(loads):.1f}':>12}")
    speedup = medians[1]["seconds"] / medians[2]["seconds"]
    print(f"speed-up with 2 workers at {latency_ms:.0f} ms: {speedup:.2f}x (target >= {TARGET_SPEEDUP}x: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'MISSED'}); item phase alone "
          f"{medians[1]['items'] / medians[2]['items']:.2f}x")
    one = medians[1]
    print(f"ceiling from one worker's phases (start-up and finish as one worker's, item phase halved "
          f"exactly): {ideal_speedup(one['seconds'], one['items']):.2f}x")
    for workers, measurements in results.items():
        kinds = sorted({kind for m in measurements for kind in m.cpu_by_kind})
        per_file = {kind: statistics.median(m.cpu_by_kind.get(kind, 0.0) / m.files for m in measurements)
                    for kind in kinds}
        print(f"CPU s/file by process, {workers} worker(s): " + ", ".join(
            f"{kind} {seconds:.2f}" for kind, seconds in sorted(per_file.items(), key=lambda kv: -kv[1])))
    return speedup


def summarise_bare(results: dict[int, list[BareMeasurement]], latency_ms: float) -> float:
    """Print the bare batch's medians per worker count and its speed-up."""
    print(f"\nbare batch (bare_batch.py: Playwright and the raw readers only), {latency_ms:.0f} ms, "
          f"median of {len(results[1])}")
    print(f"{'workers':>8}{'wall s':>9}{'files/min':>11}{'start-up s':>12}{'items s':>9}")
    medians: dict[int, dict[str, float]] = {}
    for workers, measurements in results.items():
        medians[workers] = {field: statistics.median(getattr(m, field) for m in measurements)
                            for field in ("seconds", "startup", "items", "files")}
        row = medians[workers]
        print(f"{workers:>8}{row['seconds']:9.1f}{row['files'] / row['seconds'] * 60:11.1f}"
              f"{row['startup']:12.1f}{row['items']:9.1f}")
    speedup = medians[1]["seconds"] / medians[2]["seconds"]
    print(f"bare speed-up with 2 workers at {latency_ms:.0f} ms: {speedup:.2f}x; item phase alone "
          f"{medians[1]['items'] / medians[2]['items']:.2f}x")
    return speedup


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="measurements per worker count (median kept)")
    parser.add_argument("--quick", action="store_true", help="one date (19 files), one measurement each")
    parser.add_argument("--batch", choices=sorted(BATCHES), default="one-run",
                        help="one-run: the three dates in one run (57 files, the default); per-date: one "
                        "run per date, the first 4 branches on the 30th (50 files)")
    parser.add_argument("--latency-ms", type=float, action="append", dest="latencies",
                        help="delay of every platform request, ms; repeat to measure several "
                        f"(default: {' and '.join(f'{v:g}' for v in LATENCIES_MS)})")
    parser.add_argument("--keep-worker-server", action="store_true",
                        help="keep the workers' fork server from one measurement to the next, as "
                        "the scheduler (one long-lived process) does; by default each measurement "
                        "starts it afresh, as a new `rpa run` process does")
    parser.add_argument("--no-bare", action="store_false", dest="bare",
                        help="leave out the bare batch (bare_batch.py), which is measured beside the "
                        "bot by default: the same files with Playwright and the raw readers only")
    args = parser.parse_args()
    # imported here, not at the top: worker processes are spawned and re-import this module
    from extract_pdf import machine  # the sibling benchmark's one-line description of the machine
    from loguru import logger

    from flows.report_extraction.flow import load_branches

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    batch, runs = (BATCHES["quick"], 1) if args.quick else (BATCHES[args.batch], args.runs)
    latencies = args.latencies or LATENCIES_MS
    branches = list(load_branches(ROOT / "config"))
    print(f"machine: {machine()}\n{versions()}", flush=True)
    print(f"batch: {planned_files(batch, branches)} files in {len(batch)} run(s) ({describe(batch)}), "
          f"formats {'+'.join(FORMATS)}; "
          f"platform latency {' and '.join(f'{v:g} ms' for v in latencies)}")
    results: dict[float, dict[int, list[Measurement]]] = {latency: {1: [], 2: []} for latency in latencies}
    bare: dict[float, dict[int, list[BareMeasurement]]] = {latency: {1: [], 2: []} for latency in latencies}
    with tempfile.TemporaryDirectory(prefix="rpa-bench-batch-") as scratch:
        # untimed: the mock platform makes each report file on its first download and keeps it
        # (a real platform serves stored files), so no measured run pays for making them
        warm_up = measure(batch, branches, 1, Path(scratch), 0.0)
        print(f"  warm-up (not counted): {warm_up.line()}", flush=True)
        for round_number in range(runs):
            for latency in latencies:
                for workers in (1, 2) if round_number % 2 == 0 else (2, 1):
                    measurement = measure(batch, branches, workers, Path(scratch), latency,
                                          keep_worker_server=args.keep_worker_server)
                    results[latency][workers].append(measurement)
                    print(f"  {latency:g} ms, {workers} worker(s), measurement {round_number + 1}: "
                          f"{measurement.line()}", flush=True)
                    if args.bare:
                        bare_measurement = measure_bare(batch, branches, workers, latency)
                        bare[latency][workers].append(bare_measurement)
                        print(f"  {latency:g} ms, {workers} bare worker(s), measurement {round_number + 1}: "
                              f"{bare_measurement.line()}", flush=True)
    speedups = {latency: summarise(by_workers, runs, latency) for latency, by_workers in results.items()}
    print("\nspeed-up with 2 workers: " + ", ".join(f"{speedup:.2f}x at {latency:g} ms"
                                                    for latency, speedup in speedups.items()))
    if args.bare:
        bare_speedups = {latency: summarise_bare(by_workers, latency) for latency, by_workers in bare.items()}
        print("bare batch, 2 workers: " + ", ".join(f"{speedup:.2f}x at {latency:g} ms"
                                                   for latency, speedup in bare_speedups.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
