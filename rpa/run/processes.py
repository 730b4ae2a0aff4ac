"""Which process a pid is: a pid alone is reused once its process is gone.

    started = start_time(os.getpid())   # "61378794" (clock ticks since boot), None when gone
    is_running(pid, started)            # that very process is still there (not a zombie)

Linux keeps as few as 32768 pids, and a robot host starts a browser's worth of processes per
worker per run, so a pid written down an hour ago may name another process now. Where a record
must tell whether its process still runs (a worker's scratch folder, a scheduler's running fire),
it keeps the pid and the process's start time from /proc, and both must match.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")
_HAS_PROC = (_PROC / "self" / "stat").exists()  # Linux; elsewhere only os.kill can tell


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None when it is gone or a zombie
    (or the system has no /proc)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def is_running(pid: int, started: str | None = None) -> bool:
    """The process `pid` runs and, with `started`, is the one that started then. Without /proc
    (not Linux) only whether some process has the pid."""
    if not _HAS_PROC:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    now = start_time(pid)
    return now is not None and (started is None or now == started)
