"""A run's processes as the e2e tests see them in /proc, and waiting for a condition."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def proc_stat(pid: int) -> list[str]:
    """/proc/PID/stat after the command name: state, parent, ..., start time (index 19).
    OSError when the process is gone."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def forked_worker(pid: int) -> bool:
    """The process is one the workers' fork server forked (its command line is the server's):
    a pid seen in a lease may since have gone to any other process (pid_max can be 32768)."""
    try:
        return b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def process_tree(root: int) -> dict[int, str]:
    """`root` and all its descendants (workers, their Playwright drivers and Chromiums), root
    first, each pid with its start time: a pid alone may be reused once the process is gone."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = proc_stat(int(entry.name))
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    try:
        tree, todo = {}, [(root, proc_stat(root)[19])]
    except OSError:
        return {}
    while todo:
        pid, started = todo.pop()
        tree[pid] = started
        todo.extend(children.get(pid, []))
    return tree


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    """`condition()` once it is truthy, polled every 0.1 s; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
