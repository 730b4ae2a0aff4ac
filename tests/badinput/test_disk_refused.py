"""When the disk says no mid-run: the run stops with exit 3 and a Chinese reason, is recorded as
stopped (never left "running"), and resumes to the end once space is back (issue #18).

The runs folder is a real 1 MB tmpfs (this needs root, which the test container has; elsewhere
the test is skipped); the database lives outside it, as with RPA_DATABASE_URL on a server.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rpa.audit import AuditLog
from rpa.flow import FLOWS, Flow, ItemHandler, Prepared, WorkerContext
from rpa.orchestrate import execute_run
from rpa.runs import RunContext, list_runs, run_state
from rpa.settings import Settings

pytestmark = pytest.mark.timeout(120)
FILLED: list[Path] = []


class FillingFlow(Flow):
    """Prepares nothing to do; its first prepare fills the disk the run folder is on."""

    name = "fill-disk"

    def __init__(self, **_params: Any) -> None:
        pass

    def prepare(self, ctx: RunContext) -> Prepared:
        if not FILLED:
            filler = ctx.folder.parent / "filler.bin"
            FILLED.append(filler)
            with filler.open("wb") as handle:
                try:
                    while True:
                        handle.write(b"\0" * 4096)
                        handle.flush()
                except OSError:
                    pass  # the disk is full now, which is the point
        return Prepared(enqueued=0)

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        yield lambda item: {}

    def finish(self, ctx: RunContext) -> list[Path]:
        return []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_run_and_it_resumes_once_space_is_back(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(FLOWS, "fill-disk", f"{__name__}:FillingFlow")
    FILLED.clear()
    settings = Settings(
        runs_dir=small_disk / "runs",
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
        audit_key_file=tmp_path / "keys" / "audit.key",
    )

    stopped = execute_run(settings, "fill-disk", {})

    assert stopped.exit_code == 3
    assert stopped.stop_reason is not None and "磁盘空间不足" in stopped.stop_reason
    finished = [
        e for e in AuditLog.from_settings(settings).events(stopped.run_id) if e.event == "run.finished"
    ]
    assert finished[-1].details["exit_code"] == 3
    run = json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))  # whole, not truncated
    assert "exit_code" not in run  # the full disk refused it: the database says how the run ended
    recorded = AuditLog.from_settings(settings).recorded_exit(stopped.run_id)
    assert run_state(run, recorded) == "3"  # not "running", though this process still runs

    FILLED[0].unlink()  # space is back
    resumed = execute_run(settings, "fill-disk", {}, resume=stopped.run_id)

    assert resumed.exit_code == 0, resumed.stop_reason
    assert [run_state(r) for r in list_runs(settings)] == ["0"]
