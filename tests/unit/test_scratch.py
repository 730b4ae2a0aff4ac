"""Workers' temporary folders: made private under the runs folder, swept once their process is gone."""

from __future__ import annotations

import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.run.scratch import SCRATCH, remove_scratch, sweep_scratch, worker_scratch


@pytest.fixture
def restored_tmpdir() -> Iterator[None]:
    before = os.environ.get("TMPDIR")
    yield
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before
    tempfile.tempdir = None


def test_a_workers_scratch_is_its_private_tmpdir(tmp_path: Path, restored_tmpdir: None) -> None:
    folder = worker_scratch(tmp_path / "runs")
    assert folder.parent == tmp_path / "runs" / SCRATCH
    assert folder.name.startswith(f"{socket.gethostname()}-{os.getpid()}-")
    assert stat.S_IMODE(folder.stat().st_mode) == stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert os.environ["TMPDIR"] == str(folder) and tempfile.gettempdir() == str(folder)
    assert sweep_scratch(tmp_path / "runs") == []  # this process is alive: kept
    remove_scratch(folder)
    assert not folder.exists()


def test_the_sweep_removes_the_folders_of_processes_that_are_gone(
    tmp_path: Path, restored_tmpdir: None
) -> None:
    live = worker_scratch(tmp_path / "runs")
    host, pid, started = live.name.rsplit("-", 2)
    gone = [live.parent / f"{host}-{pid}-{int(started) - 1}",  # the same pid, an earlier process
            live.parent / f"{host}-4194999-12345",
            live.parent / "4194999-12345",  # named before the host was part of the name
            live.parent / "not-a-worker"]
    for folder in gone:
        (folder / "playwright-artifacts-x").mkdir(parents=True)
    assert sorted(sweep_scratch(tmp_path / "runs")) == sorted(gone)
    assert [p.name for p in live.parent.iterdir()] == [live.name]


def test_the_sweep_leaves_other_hosts_folders_to_their_own_runs(
    tmp_path: Path, restored_tmpdir: None
) -> None:
    # robot hosts sharing one runs folder: a pid dead here may be a live worker there
    live = worker_scratch(tmp_path / "runs")
    _, pid, started = live.name.rsplit("-", 2)
    elsewhere = [live.parent / "other-host-01-4194999-12345", live.parent / f"other-{pid}-{started}"]
    for folder in elsewhere:
        (folder / "playwright_chromiumdev_profile-x").mkdir(parents=True)
    assert sweep_scratch(tmp_path / "runs") == []
    assert sorted(p.name for p in live.parent.iterdir()) == sorted([live.name, *(f.name for f in elsewhere)])
