"""Write a file whole or not at all: a reader never sees half of it.

    with atomic_write(folder / "consolidated.xlsx") as handle:
        workbook.save(handle)
    write_private_text(folder / "run.json", text)        # rpa.run.runs, built on atomic_write

The content goes to `.<name>.tmp-<pid>` in the same folder (same file system, so the rename is
atomic), owner-only (0600), is flushed and fsynced, then renamed over the final name; the folder
is fsynced so the rename survives a power cut. If the writer raises, or the process is killed
mid-way, the final name keeps its previous content (or stays absent) and the temporary file is
removed (after a kill it is left under its dotted name, never under the final one).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PRIVATE = 0o600


def temporary_name(path: Path) -> Path:
    """Where `path`'s content is written before the rename: `.<name>.tmp-<pid>` beside it."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


@contextmanager
def atomic_write(path: Path, mode: str = "wb", *, encoding: str | None = None,
                 newline: str | None = None) -> Iterator[IO[Any]]:
    """A handle on a temporary file that becomes `path` when the block ends without error."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write writes whole files: mode 'w' or 'wb', not {mode!r}")
    temporary = temporary_name(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    try:
        os.fchmod(fd, PRIVATE)
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            fd = -1  # the handle owns it now
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):  # a folder turned read-only refuses this too
            temporary.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        return  # some file systems refuse fsync on a folder; the rename itself is still atomic
    finally:
        os.close(fd)
