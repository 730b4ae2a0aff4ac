"""Which of this process's file descriptors point at a file (Linux /proc)."""

from __future__ import annotations

import os
from pathlib import Path


def open_descriptors_on(path: Path) -> list[str]:
    """This process's file descriptors that point at `path`."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the descriptor listdir itself used, closed by now
        if target == str(path.resolve()):
            found.append(fd)
    return found
