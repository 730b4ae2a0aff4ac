"""Evidence on disk, without a browser: owner-only folders, names that never overwrite, and the
trace folder's retention.

    folder = private_dir(run / "evidence")                 # 0700, whatever the umask
    shot = unique_path(folder, item_ref, "-failure.png")   # item_ref-failure.png, then -2, -3...
    prune_traces(run / "traces", max_bytes=200_000_000, max_age_days=7)

The browser session (rpa.browser.session) and the item evidence (rpa.browser.evidence) both
stand on these; this module imports neither.
"""

from __future__ import annotations

import time
from pathlib import Path

TRACE_SUFFIX = ".trace.zip"


def private_dir(path: Path) -> Path:
    """Create a folder only its owner can read (0700), whatever the umask."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def unique_path(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem+suffix`, or `stem-2`, `stem-3`... when a retry already left one."""
    candidate, n = folder / f"{stem}{suffix}", 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate


def is_plain_stem(name: str) -> bool:
    return bool(name) and not name.startswith(".") and all(c.isalnum() or c in "-_." for c in name)


def prune_traces(trace_dir: Path, *, max_bytes: int, max_age_days: float) -> int:
    """Delete traces under `trace_dir` older than `max_age_days`, then the oldest while the rest
    exceed `max_bytes`. Returns how many were deleted. Safe with several workers pruning at once."""
    cutoff = time.time() - max_age_days * 86_400
    traces: list[tuple[float, int, Path]] = []
    for path in trace_dir.rglob(f"*{TRACE_SUFFIX}"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        traces.append((stat.st_mtime, stat.st_size, path))
    traces.sort(reverse=True)  # newest first
    deleted, total = 0, 0
    for newest, (mtime, size, path) in enumerate(traces):
        if mtime >= cutoff:
            total += size
            if total <= max_bytes or newest == 0:  # the latest failure's trace is always kept
                continue
        path.unlink(missing_ok=True)
        deleted += 1
    return deleted
