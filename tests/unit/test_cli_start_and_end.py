"""What `rpa` does around a command: the workers' fork server first, no garbage collection last."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rpa.cli import common as cli
from rpa.errors import ConfigError


def test_a_run_starts_the_worker_server_before_it_reads_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def settings_refused() -> None:
        calls.append("settings")
        raise ConfigError("stop here")

    monkeypatch.setattr("rpa.run.supervisor.start_worker_server", lambda: calls.append("worker server"))
    monkeypatch.setattr(cli, "settings", settings_refused)
    with pytest.raises(ConfigError):
        cli.run_with_progress("report-extraction", {}, workers=None, resume=None)
    assert calls == ["worker server", "settings"]


def test_the_command_skips_the_final_garbage_collection() -> None:
    # atexit runs the first registered last: this handler runs after the one rpa.cli.common registers
    program = (
        "import atexit, gc\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "import rpa.cli.main\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "frozen at exit: True"
