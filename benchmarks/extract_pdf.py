"""`rpa extract` over the PDF reports against raw pdfplumber on the same files, side by side.

    .venv/bin/python benchmarks/extract_pdf.py             # 28 PDFs, median of 15 rounds, + the CLI
    .venv/bin/python benchmarks/extract_pdf.py --rounds 3 --no-cli
    .venv/bin/python benchmarks/extract_pdf.py --profile   # where the time goes, by package

The files: for 2026-11-26, 2026-11-27 and 2026-11-30, the 8 branch dailies and the branch
summary, and the month end's fee-income monthly (fixtures.reports.build_report).
  raw      pdfplumber: open each PDF, find_tables() and extract() on every page: the least any
           extraction that keeps cell positions must do
  extract  `rpa extract`'s code path in this process: extract_file(path, spec) for every file
           (read, locate header and labels, figures in 元 with provenance, totals checks); the
           specs are loaded once beforehand, as a run's worker does
In each round the two take turns file by file, alternating which goes first, so what load other
processes put on a shared machine falls on both alike. Each is timed in CPU seconds of this
process (less disturbed by other processes) and in wall seconds; the ratio is that of the two
CPU medians. Also shown, as less load-sensitive: the sum over files of each file's best CPU time.
For information only, the real CLI: one `rpa extract FILE --spec NAME --json` process per file
against one `python -c <raw>` process per file, where start-up and imports dominate.
Not a test: it prints figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pdfplumber

from fixtures.reports import BRANCHES, build_report
from flows.report_extraction import ExtractionSpec, extract_file, load_spec

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "config" / "specs"
DATES = (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30))
TARGET_RATIO = 1.15
Files = list[tuple[Path, str]]  # each PDF with the name of its spec
Timings = dict[str, list[list[tuple[float, float]]]]  # run -> rounds -> files -> (CPU s, wall s)
PACKAGES = ("flows", "rpa", "pdfplumber", "pdfminer")
RAW_SCRIPT = """import sys, pdfplumber
with pdfplumber.open(sys.argv[1]) as pdf:
    tables = [t.extract() for page in pdf.pages for t in page.find_tables()]
"""


def write_reports(folder: Path) -> Files:
    """The PDFs to read and the spec of each: branch dailies, summaries, one monthly."""
    files: Files = []
    for day in DATES:
        wanted = [("branch_daily", code) for code, _ in BRANCHES] + [("summary_daily", None)]
        if day == DATES[-1]:
            wanted.append(("fee_income_monthly", None))
        for report, branch in wanted:
            path = folder / f"{report}_{branch or 'all'}_{day.isoformat()}.pdf"
            path.write_bytes(build_report(report, day, branch, "pdf"))
            files.append((path, report))
    return files


def raw_pdfplumber(files: Files) -> None:
    for path, _ in files:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                for table in page.find_tables():
                    table.extract()


def our_extract(files: Files, specs: dict[str, ExtractionSpec]) -> None:
    for path, name in files:
        extraction = extract_file(path, specs[name])
        if not extraction.figures or not extraction.ok:
            raise RuntimeError(f"{path.name}: {len(extraction.figures)} figures, checks ok {extraction.ok}")


def interleaved(runs: dict[str, Callable[[Files], None]], files: Files, rounds: int) -> Timings:
    """(CPU seconds, wall seconds) of each run on each file, round by round. The runs take turns
    file by file, the first alternating, so both see the same load from other processes."""
    timings: Timings = {name: [] for name in runs}
    names = list(runs)
    for round_number in range(rounds):
        for rows in timings.values():
            rows.append([])
        for index, one in enumerate(files):
            for name in names if (round_number + index) % 2 == 0 else reversed(names):
                cpu, wall = time.process_time(), time.perf_counter()
                runs[name]([one])
                timings[name][-1].append((time.process_time() - cpu, time.perf_counter() - wall))
    return timings


def cli_seconds(files: Files, rounds: int) -> tuple[float, float]:
    """Median wall seconds for one process per file: (rpa extract, raw pdfplumber)."""
    rpa = Path(sys.executable).with_name("rpa")
    command = [str(rpa)] if rpa.exists() else [sys.executable, "-m", "rpa"]
    ours, raw = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        for path, name in files:
            subprocess.run([*command, "extract", str(path), "--spec", name, "--json"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for path, _ in files:
            subprocess.run([sys.executable, "-c", RAW_SCRIPT, str(path)], cwd=ROOT, check=True)
        raw.append(time.perf_counter() - started)
    return statistics.median(ours), statistics.median(raw)


def profile(files: Files, specs: dict[str, ExtractionSpec]) -> None:
    """Self time of extract_file by package, and our own functions that take the most."""
    profiler = cProfile.Profile()
    profiler.runcall(our_extract, files, specs)
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    ours: list[tuple[float, str]] = []
    for (filename, line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        self_seconds = row[2]
        package = next((p for p in PACKAGES if f"/{p}/" in filename), "stdlib and built-ins")
        by_package[package] = by_package.get(package, 0.0) + self_seconds
        if package in ("flows", "rpa"):
            ours.append((self_seconds, f"{Path(filename).name}:{line} {function}"))
    total = sum(by_package.values())
    shares = sorted(by_package.items(), key=lambda kv: -kv[1])
    print("self time under cProfile: " + ", ".join(f"{name} {share / total:.1%}" for name, share in shares))
    for seconds, where in sorted(ours, reverse=True)[:8]:
        print(f"  {seconds / total:6.2%}  {where}")


def summarise(timings: Timings, n_files: int, rounds: int) -> None:
    """Print the medians of the round totals, the per-file bests and the ratios."""
    totals = {name: [(sum(c for c, _ in r), sum(w for _, w in r)) for r in rows]
              for name, rows in timings.items()}
    medians = {name: (statistics.median(c for c, _ in rows), statistics.median(w for _, w in rows))
               for name, rows in totals.items()}
    bests = {name: sum(min(r[i][0] for r in rows) for i in range(n_files)) for name, rows in timings.items()}
    ratio = medians["extract"][0] / medians["raw"][0]
    paired = [ours[0] / raw[0] for ours, raw in zip(totals["extract"], totals["raw"], strict=True)]
    print(f"{n_files} PDFs, median of {rounds} rounds, interleaved file by file; load average now "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'':26}{'CPU s':>8}{'wall s':>8}{'CPU ms/file':>13}{'best CPU s':>12}")
    for name, label in (("raw", "raw pdfplumber"), ("extract", "rpa extract (in-process)")):
        cpu, wall = medians[name]
        print(f"{label:26}{cpu:8.3f}{wall:8.3f}{cpu / n_files * 1000:13.1f}{bests[name]:12.3f}")
    print(f"ratio extract/raw: {ratio:.3f} on the CPU medians (target <= {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}); wall medians "
          f"{medians['extract'][1] / medians['raw'][1]:.3f}; per-file bests "
          f"{bests['extract'] / bests['raw']:.3f}; per-round CPU ratios {min(paired):.3f}..{max(paired):.3f}")


def machine() -> str:
    """One line: cores, CPU model, RAM, Python, load average now."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    ram_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"nproc {os.cpu_count()}, {cpu}, {ram_kb / 1024 ** 2:.1f} GiB RAM, "
            f"Python {platform.python_version()}, load average {load}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (the median is kept)")
    parser.add_argument("--cli-rounds", type=int, default=3)
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI-per-file comparison")
    parser.add_argument("--profile", action="store_true", help="also profile extract_file (cProfile)")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="rpa-bench-pdf-") as folder:
        files = write_reports(Path(folder))
        specs = {name: load_spec(name, SPECS) for _, name in files}  # once, as a worker does
        runs: dict[str, Callable[[Files], None]] = {
            "raw": raw_pdfplumber, "extract": lambda some: our_extract(some, specs)}
        for run in runs.values():
            run(files)  # warm up: imports, caches
        timings = interleaved(runs, files, args.rounds)
        if args.profile:
            profile(files, specs)
        cli = None if args.no_cli else cli_seconds(files[:10], args.cli_rounds)
    summarise(timings, len(files), args.rounds)
    if cli is not None:
        ours_s, raw_s = cli
        print(f"for information, one process per file over {min(10, len(files))} PDFs (wall, median of "
              f"{args.cli_rounds}): rpa extract CLI {ours_s:.2f} s, python + raw pdfplumber {raw_s:.2f} s, "
              f"ratio {ours_s / raw_s:.2f} (start-up and imports dominate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
