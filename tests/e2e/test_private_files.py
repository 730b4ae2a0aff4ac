"""What `rpa` writes is owner-only (files 0600, folders 0700) even when started with umask 000."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.cli_helpers import RPA, make_cli_env, run_id_from


def _open_umask() -> None:
    os.umask(0o000)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.browser
@pytest.mark.timeout(240)
def _modes_under(root: Path) -> dict[str, int]:
    """The modes of everything under `root` as it is now (a folder's with the directory bit).
    Chromium removes folders of its profile while it runs: one that goes while it is walked is
    skipped, not an error."""
    seen: dict[str, int] = {}
    for folder, dirs, files in os.walk(root, onerror=lambda _error: None):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            with contextlib.suppress(FileNotFoundError):
                seen[str(path)] = _mode(path) | (0o40000 if path.is_dir() else 0)
    return seen


def test_a_smoke_run_started_with_umask_000_leaves_only_private_files(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    repo = Path(__file__).resolve().parents[2]
    wal_seen: dict[str, int] = {}
    scratch_seen: dict[str, int] = {}
    with subprocess.Popen(
        [*RPA, "run", "smoke", "--items", "3", "--workers", "1"],
        env=cli.env, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_open_umask,
    ) as proc:
        deadline = time.monotonic() + 200
        while proc.poll() is None and time.monotonic() < deadline:
            for suffix in ("-wal", "-shm"):  # SQLite removes them when the last connection closes
                side = cli.runs / f"queue.db{suffix}"
                with contextlib.suppress(FileNotFoundError):
                    wal_seen[suffix] = _mode(side)
            # a worker's scratch (its browser's profile, downloads): what a killed worker leaves
            scratch_seen.update(_modes_under(cli.runs / "_scratch"))
            time.sleep(0.05)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, out + err
    run_id = run_id_from(out)

    assert wal_seen.keys() == {"-wal", "-shm"}, wal_seen
    assert set(wal_seen.values()) == {0o600}, wal_seen
    assert _mode(cli.runs) == 0o700
    assert len(scratch_seen) > 3, scratch_seen
    loose = {p: oct(m) for p, m in scratch_seen.items() if m not in (0o600, 0o40700)}
    assert not loose, loose
    assert _mode(cli.runs / "queue.db") == 0o600
    everything = [cli.runs / run_id, *(cli.runs / run_id).rglob("*"), *(cli.runs / "_scratch").rglob("*")]
    if (cli.runs / "_scratch").exists():
        everything.append(cli.runs / "_scratch")
    assert len(everything) > 5
    wrong = {str(p): oct(_mode(p)) for p in everything if _mode(p) != (0o700 if p.is_dir() else 0o600)}
    assert not wrong, wrong


@pytest.mark.timeout(120)
def test_the_mock_portals_started_with_umask_000_keep_their_state_and_log_private(tmp_path: Path) -> None:
    state = tmp_path / "portal-state"
    log_path = tmp_path / "logs" / "portals.log"
    cli = make_cli_env(tmp_path)
    repo = Path(__file__).resolve().parents[2]
    # the log is opened by the portals' own process, as `rpa demo` opens demo-portals.log
    script = (
        "import sys, runpy; import rpa.cli.main; from pathlib import Path; "
        "p = Path(sys.argv[1]); p.parent.mkdir(parents=True, exist_ok=True); "
        "f = p.open('w'); sys.stdout = f; sys.stderr = f; sys.argv = ['rpa'] + sys.argv[2:]; "
        "rpa.cli.main.app()"
    )
    proc = subprocess.Popen(
        [RPA[0], "-c", script, str(log_path), "portals", "serve", "--ams-port", "0",
         "--reports-port", "0", "--check-port", "0", "--state-dir", str(state)],
        env=cli.env, cwd=repo, preexec_fn=_open_umask,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "模拟门户运行中" not in (
            log_path.read_text() if log_path.exists() else ""
        ):
            assert proc.poll() is None, log_path.read_text() if log_path.exists() else "no log"
            time.sleep(0.1)
        assert "模拟门户运行中" in log_path.read_text()
        assert _mode(log_path) == 0o600 and _mode(log_path.parent) == 0o700
        assert _mode(state) == 0o700
        files = [p for p in state.rglob("*") if p.is_file()]
        assert files and all(_mode(p) == 0o600 for p in files), {str(p): oct(_mode(p)) for p in files}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
