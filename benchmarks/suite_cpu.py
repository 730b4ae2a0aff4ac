"""Where the test suite's time goes: run a command (by default the README's `make test`) and
report its wall time beside the machine's CPU time and the bound that CPU time sets.

    python benchmarks/suite_cpu.py                           # make test
    python benchmarks/suite_cpu.py -- make test PYTEST_ARGS="tests/unit"
    python benchmarks/suite_cpu.py --files-at a41b926        # only the test files of a commit

The machine's busy CPU time comes from /proc/stat (every process, those too short to sample
included), so run it on a quiet machine. Every `--interval` seconds the script also reads
/proc/<pid>/stat of the processes started after it and adds their CPU up by kind (Chromium,
Playwright's Node driver, bot workers, `rpa` commands, test processes, PostgreSQL): a process
that lives less than one interval is missed there, which the line "not sampled" shows.

The bound: on C cores a suite that needs T CPU-seconds cannot end before T / C seconds.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.machine_cpu import machine_busy_seconds  # noqa: E402

HZ = os.sysconf("SC_CLK_TCK")


def kind(comm: str, cmd: str) -> str:
    """What a process is, from its name and command line."""
    if "chromium" in cmd or "chrome" in comm or "headless_shell" in cmd or "--type=" in cmd:
        return "Chromium"
    if comm.startswith("node") or "playwright/driver" in cmd:
        return "Playwright driver (node)"
    if "postgres" in comm or "postgres" in cmd:
        return "PostgreSQL"
    if "multiprocessing.forkserver" in cmd or "multiprocessing.spawn" in cmd:
        return "bot workers (fork server, workers)"
    if "-m rpa" in cmd or "/bin/rpa " in cmd:
        return "rpa commands"
    if "pytest" in cmd or "exec(eval(sys.stdin" in cmd:
        return "test processes (tests, mock portals)"
    if "python" in comm or "python" in cmd:
        return "other Python"
    return "other"


@dataclass
class Sampler:
    """The last CPU ticks seen of every process started after the sampler."""

    ignore: set[tuple[str, str]] = field(default_factory=set)
    ticks: dict[tuple[str, str], int] = field(default_factory=dict)
    kinds: dict[tuple[str, str], str] = field(default_factory=dict)

    def scan(self, *, initial: bool = False) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            end = stat.rfind(")")
            comm, rest = stat[stat.find("(") + 1 : end], stat[end + 2 :].split()
            key = (pid, rest[19])  # pid and start time: a pid is used again
            if initial:
                self.ignore.add(key)
                continue
            if key in self.ignore:
                continue
            self.ticks[key] = int(rest[11]) + int(rest[12])
            if key not in self.kinds:
                try:
                    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
                    cmd = raw.replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    cmd = ""
                self.kinds[key] = kind(comm, cmd)

    def by_kind(self) -> dict[str, float]:
        """CPU-seconds by kind of process, most first."""
        seconds: dict[str, float] = {}
        for key, ticks in self.ticks.items():
            seconds[self.kinds[key]] = seconds.get(self.kinds[key], 0.0) + ticks / HZ
        return dict(sorted(seconds.items(), key=lambda pair: -pair[1]))


def files_at(commit: str) -> list[str]:
    """The test files a commit had that still exist (a like-for-like set of the suite)."""
    listed = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "tests"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [p for p in listed
            if Path(p).name.startswith("test_") and p.endswith(".py") and (ROOT / p).exists()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between process samples")
    parser.add_argument("--log", type=Path, default=Path(tempfile.gettempdir()) / "suite_cpu.log",
                        help="the command's output (default: suite_cpu.log in the temporary folder)")
    parser.add_argument("--files-at", help="run only the test files this commit had (make test)")
    parser.add_argument("command", nargs="*", help="the command to measure (default: make test)")
    args = parser.parse_args()
    command = args.command or ["make", "test"]
    if args.files_at:
        command = ["make", "test", "PYTEST_ARGS=" + " ".join(files_at(args.files_at))]
    cores = os.cpu_count() or 1
    sampler = Sampler()
    sampler.scan(initial=True)
    busy0, started = machine_busy_seconds(), time.monotonic()
    with args.log.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        while process.poll() is None:
            sampler.scan()
            time.sleep(args.interval)
    sampler.scan()
    tail = args.log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
    wall, busy = time.monotonic() - started, machine_busy_seconds() - busy0
    seconds = sampler.by_kind()
    sampled = sum(seconds.values())
    print(f"command: {shlex.join(command)}  (exit {process.returncode}; output in {args.log})")
    print("\n".join(f"  | {line}" for line in tail))
    print(f"wall {wall:.0f} s; machine busy {busy:.0f} CPU-s on {cores} cores "
          f"({100 * busy / (wall * cores):.0f} % of what the cores could give)")
    print(f"bound: {busy:.0f} CPU-s / {cores} cores = {busy / cores:.0f} s; "
          f"wall / bound = {wall * cores / busy:.2f}")
    for name, value in seconds.items():
        print(f"  {value:8.0f} CPU-s  {100 * value / busy:5.1f} %  {name}")
    print(f"  {busy - sampled:8.0f} CPU-s  {100 * (busy - sampled) / busy:5.1f} %  not sampled "
          "(processes shorter than the interval, the kernel, this script)")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
