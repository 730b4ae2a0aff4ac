"""How long `rpa --help` takes, beside the floor of starting Python itself.

    .venv/bin/python benchmarks/cli_help.py            # 15 runs of each
    .venv/bin/python benchmarks/cli_help.py --runs 40

Three contenders, each a fresh child process (the way a clerk types the command):

- `python`: `python -c pass` (the interpreter and site-packages, nothing of ours);
- `typer`: `python -c "import typer"` (the CLI library alone);
- `rpa --help`: `python -m rpa --help`.

Prints the best and the median wall time of each, and the best CPU time (user + system, read
with resource.getrusage: it hardly moves when other processes load the machine, the wall time
does). The target is `rpa --help` under 0.3 s on a quiet machine: the commands import the
engine, Playwright, SQLAlchemy, openpyxl and pdfplumber only when they run, and the help is
click's plain text, not rich's (tests/unit/test_cli_imports.py checks what `--help` imports).
Typer itself builds pydantic adapters for every option when it builds the command tree: that,
not our code, is most of what `rpa --help` adds to `import typer`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.3

CONTENDERS: dict[str, list[str]] = {
    "python": [sys.executable, "-c", "pass"],
    "typer": [sys.executable, "-c", "import typer"],
    "rpa --help": [sys.executable, "-m", "rpa", "--help"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        cpu_before, started = _children_cpu(), time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu_before)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(f"{'contender':<12} {'best s':>8} {'median s':>9} {'best CPU s':>11}")
    best_help = 0.0
    for name, command in CONTENDERS.items():
        walls, cpus = measure(command, args.runs)
        print(f"{name:<12} {min(walls):>8.3f} {statistics.median(walls):>9.3f} {min(cpus):>11.3f}")
        if name == "rpa --help":
            best_help = min(walls)
    verdict = "under" if best_help < TARGET_SECONDS else "OVER"
    print(f"rpa --help best {best_help:.3f} s wall: {verdict} the {TARGET_SECONDS} s target")


if __name__ == "__main__":
    main()
