"""Each worker's temporary folder, inside the runs folder instead of /tmp.

    scratch = worker_scratch(settings.runs_dir)   # runs/_scratch/<pid>-<start>, 0700, TMPDIR
    ...
    remove_scratch(scratch)                       # at the worker's end
    sweep_scratch(settings.runs_dir)              # when a run starts: the folders of dead workers

Playwright's driver keeps its artifacts (downloads not yet saved, the trace being recorded) and
Chromium its profile (the HTTP cache of the pages seen) in the system's temporary folder, and
removes them when the browser closes. A killed worker never closes it: they stayed in /tmp,
outside the restricted run folder and the traces' retention, holding unmasked page content.
A worker's TMPDIR is therefore a folder of its own under the runs folder, named by its pid and
the kernel's start time of the process (a pid alone is reused), and the next run removes the
folders whose process is gone.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from rpa.runs import make_private_dir

SCRATCH = "_scratch"


def worker_scratch(runs_dir: Path) -> Path:
    """A new private folder for this process's temporary files, made its TMPDIR (what the
    Playwright driver and Chromium it starts use, and Python's tempfile)."""
    import tempfile

    folder = make_private_dir(make_private_dir(runs_dir / SCRATCH) / f"{os.getpid()}-{_started(os.getpid())}")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # tempfile caches the folder it found first
    return folder


def remove_scratch(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def sweep_scratch(runs_dir: Path) -> list[Path]:
    """Remove the scratch folders of processes that are gone; returns them."""
    removed = []
    parent = runs_dir / SCRATCH
    for folder in sorted(parent.iterdir()) if parent.is_dir() else []:
        pid, _, started = folder.name.partition("-")
        if not pid.isdigit() or _started(int(pid)) != started:
            remove_scratch(folder)
            removed.append(folder)
    return removed


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]
