"""Long test files first, so that parallel workers end together instead of waiting on one.

`make test` hands whole files to its workers (`--dist loadfile`). Left to itself pytest-xdist
sends the files with the most tests first, which puts the e2e files (one to five tests of one to
four minutes each: the demo, the filing load run, the offline install) at the end of the queue,
and the run then waits minutes for the one worker that took the last of them. The Makefile turns
that order off (`--no-loadscope-reorder`) and this hook orders the files by their length as
`file_seconds.txt` records it (a file not listed there counts `UNLISTED_SLOW_SECONDS` for each
test marked slow), longest first. Quick files keep their collection order after them, and every
file keeps its own tests' order. Nothing is skipped or added: only the order changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FILE_SECONDS = Path(__file__).with_name("file_seconds.txt")
UNLISTED_SLOW_SECONDS = 30.0


def recorded_seconds(text: str) -> dict[str, float]:
    """`seconds path` lines (comments and blank lines skipped) as {path: seconds}."""
    seconds: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        value, path = line.split(maxsplit=1)
        seconds[path.strip()] = float(value)
    return seconds


def file_costs(items: list[pytest.Item], recorded: dict[str, float]) -> dict[str, float]:
    """Each test file's expected seconds: recorded, or 30 s per slow test when not recorded."""
    costs: dict[str, float] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in recorded:
            costs[path] = recorded[path]
        elif item.get_closest_marker("slow") is not None:
            costs[path] = costs.get(path, 0.0) + UNLISTED_SLOW_SECONDS
        else:
            costs.setdefault(path, 0.0)
    return costs


def order_by_length(items: list[pytest.Item], recorded: dict[str, float]) -> None:
    """Sort `items` in place, longest file first."""
    costs = file_costs(items, recorded)
    # a stable sort: files of equal cost (all the quick ones) keep the collection order
    items.sort(key=lambda item: -costs[item.nodeid.split("::", 1)[0]])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order_by_length(items, recorded_seconds(FILE_SECONDS.read_text(encoding="utf-8")))
