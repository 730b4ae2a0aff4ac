"""`rpa extract`'s PDF path against raw pdfplumber on the same files.

    .venv/bin/python benchmarks/extract_pdf.py [--rounds 5]

Raw = open each PDF, `find_tables()` and `extract()` on every page: the least any extraction
with positions must do. The target is a ratio of at most 1.15.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pdfplumber

from fixtures.reports import BRANCHES, build_report
from flows.report_extraction import extract_file, load_spec

SPECS = Path(__file__).resolve().parents[1] / "config" / "specs"


def _files(folder: Path, report_date: date) -> list[tuple[Path, str]]:
    files = []
    for code, _ in BRANCHES:
        path = folder / f"branch_daily_{code}.pdf"
        path.write_bytes(build_report("branch_daily", report_date, code, "pdf"))
        files.append((path, "branch_daily"))
    for report_type in ("summary_daily", "fee_income_monthly"):
        path = folder / f"{report_type}.pdf"
        path.write_bytes(build_report(report_type, report_date, None, "pdf"))
        files.append((path, report_type))
    return files


def _best_of_interleaved(runs: list[Callable[[], None]], rounds: int) -> list[float]:
    """Best CPU time of each run (this process only, so other processes on a shared machine count
    less), the runs taking turns so that what load remains hits both alike."""
    timings: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, times in zip(runs, timings, strict=True):
            started = time.process_time()
            run()
            times.append(time.process_time() - started)
    return [min(times) for times in timings]


def main() -> None:
    """Print both timings (best of N) and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = _files(Path(folder), date(2026, 3, 5))
        specs = {name: load_spec(name, SPECS) for _, name in files}

        def raw() -> None:
            for path, _ in files:
                with pdfplumber.open(path) as pdf:
                    for page in pdf.pages:
                        for table in page.find_tables():
                            table.extract()

        def ours() -> None:
            for path, name in files:
                extract_file(path, specs[name])

        raw(), ours()  # warm up imports and caches
        raw_s, ours_s = _best_of_interleaved([raw, ours], args.rounds)
    print(f"{len(files)} PDFs, CPU seconds: raw pdfplumber {raw_s:.3f}, rpa extract {ours_s:.3f}, "
          f"ratio {ours_s / raw_s:.3f} (target <= 1.15)")


if __name__ == "__main__":
    main()
