"""Each worker's temporary folder, inside the runs folder instead of /tmp.

    scratch = worker_scratch(settings.runs_dir)   # runs/_scratch/<host>-<pid>-<start>, 0700, TMPDIR
    ...
    remove_scratch(scratch)                       # at the worker's end
    sweep_scratch(settings.runs_dir)              # when a run starts: the folders of dead workers

Playwright's driver keeps its artifacts (downloads not yet saved, the trace being recorded) and
Chromium its profile (the HTTP cache of the pages seen) in the system's temporary folder, and
removes them when the browser closes. A killed worker never closes it: they stayed in /tmp,
outside the restricted run folder and the traces' retention, holding unmasked page content.
A worker's TMPDIR is therefore a folder of its own under the runs folder, named by its host, its
pid and the kernel's start time of the process (a pid alone is reused), and the next run removes
the folders whose process is gone. Only this host's: robot hosts may share one runs folder, and a
pid says nothing about another host's processes (their own runs sweep them). A folder named by
pid and start time alone (before the host was part of the name) counts as this host's.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from rpa.run.processes import is_running, start_time
from rpa.run.runs import make_private_dir

SCRATCH = "_scratch"


def worker_scratch(runs_dir: Path) -> Path:
    """A new private folder for this process's temporary files, made its TMPDIR (what the
    Playwright driver and Chromium it starts use, and Python's tempfile)."""
    import tempfile

    name = f"{socket.gethostname()}-{os.getpid()}-{start_time(os.getpid())}"
    folder = make_private_dir(make_private_dir(runs_dir / SCRATCH) / name)
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # tempfile caches the folder it found first
    return folder


def remove_scratch(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sweep_scratch(runs_dir: Path) -> list[Path]:
    """Remove this host's scratch folders whose process is gone, and anything else in the
    scratch folder that no worker names so; returns what it removed."""
    removed = []
    parent = runs_dir / SCRATCH
    here = socket.gethostname()
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        host, pid, started = _owner(folder.name)
        if host not in (here, None):
            continue  # another host's worker: its runs judge it
        if pid is None or not is_running(pid, started):
            remove_scratch(folder)
            removed.append(folder)
    return removed


def _owner(name: str) -> tuple[str | None, int | None, str | None]:
    """(host, pid, start time) of a scratch folder's name; host None for a name without one,
    pid None for a name no worker gives."""
    parts = name.rsplit("-", 2)
    if len(parts) == 3 and parts[0] and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), parts[2]
    if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
        return None, int(parts[0]), parts[1]
    return None, None, None
