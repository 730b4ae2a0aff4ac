"""The machine's busy CPU time, for benchmarks that count every process (Chromium, drivers,
workers, servers). Standard library only: `suite_cpu.py` runs before the project's venv exists."""

from __future__ import annotations

import os
from pathlib import Path


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has been busy since boot (user, nice, system, irq, softirq,
    steal), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = sum(int(x) for x in fields[:3]) + sum(int(x) for x in fields[5:8])
    return ticks / os.sysconf("SC_CLK_TCK")
