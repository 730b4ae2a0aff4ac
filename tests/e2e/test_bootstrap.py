"""The bootstrap script is idempotent: with everything in place it installs nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bootstrap() -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh"), "--test"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_bootstrap_twice_installs_nothing_the_second_time() -> None:
    _bootstrap()  # whatever the machine's state, after this everything is in place
    second = _bootstrap()
    assert "installing" not in second and "creating" not in second, second
    assert "system packages present" in second
    assert "python packages up to date" in second
    assert "starts under playwright" in second and "ready" in second
