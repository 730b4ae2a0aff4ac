"""What `rpa` does around a command: settings first, then the workers' fork server before the engine's
imports, and no garbage collection last."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from rpa.cli import common as cli
from rpa.errors import ConfigError


def test_a_run_refused_for_its_settings_starts_no_worker_server(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def settings_refused() -> None:
        calls.append("settings")
        raise ConfigError("stop here")

    monkeypatch.setattr("rpa.run.worker_server.start_worker_server", lambda: calls.append("worker server"))
    monkeypatch.setattr(cli, "settings", settings_refused)
    with pytest.raises(ConfigError):
        cli.run_with_progress("report-extraction", {}, workers=None, resume=None)
    assert calls == ["settings"]


def test_a_run_starts_the_worker_server_before_the_engine_is_imported() -> None:
    # the fork server's imports overlap the engine's: it starts before rpa.run.orchestrate is loaded
    program = (
        "import sys\n"
        "import rpa.cli.common as cli\n"
        "import rpa.run.worker_server as server\n"
        "seen = []\n"
        "server.start_worker_server = lambda: seen.append('rpa.run.orchestrate' in sys.modules)\n"
        "try:\n"
        "    cli.run_with_progress('report-extraction', {}, workers=None, resume=None, cfg=object())\n"
        "except Exception:  # the made-up settings go no further\n"
        "    pass\n"
        "print('engine loaded first:', seen)\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert finished.stdout.strip() == "engine loaded first: [False]", finished.stdout + finished.stderr


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


def test_the_progress_bar_of_a_run_with_nothing_ended_yet_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tester AM: a run stopped with all 18 rows open read `0/18 没有事项`, as if there were none."""
    monkeypatch.setattr("rpa.run.worker_server.start_worker_server", lambda: None)

    def stops_with_all_open(*_: object, on_progress: Any, **__: object) -> None:
        on_progress({"pending": 18}, 0, {})
        raise ConfigError("stop here")

    monkeypatch.setattr("rpa.run.orchestrate.execute_run", stops_with_all_open)
    with pytest.raises(ConfigError):
        cli.run_with_progress("enterprise-check", {}, workers=None, resume=None, cfg=object())  # type: ignore[arg-type]
    shown = capsys.readouterr().err
    assert "0/18" in shown and "尚无办结的事项" in shown and "没有事项" not in shown, shown


@pytest.mark.parametrize(("counts", "advice"), [
    ({}, "可用 --resume 续跑"),
    ({"pending": 0, "done": 0, "held": 0}, "可用 --resume 续跑"),  # tester AP: none queued yet
    ({"pending": 1, "done": 2}, "可用 --resume 续跑"),
    ({"failed": 1, "done": 2}, "没有未完成的事项，--resume 不再办理"),
])
def test_a_stopped_run_is_told_to_resume_unless_every_item_ended(counts: dict[str, int], advice: str) -> None:
    """A run stopped before it queued anything (AMS's first login failed) has counts of zeros: its
    resume reads the input again and files the rows, so it is told to resume, not `cases retry`."""
    from pathlib import Path

    from rpa.cli.common import stopped_advice
    from rpa.run.runs import RunOutcome

    assert stopped_advice(RunOutcome("R1", 3, Path("."), counts)).startswith(advice)


def test_runs_counts_name_the_rows_put_aside_and_those_another_run_holds() -> None:
    """Tester BJ F7 (2026-12-07): `rpa runs show` counted 33 of a run's 34 rows; the row another
    run had filed was in no count. run.json's `elsewhere` is said beside the rows put aside."""
    from rpa.cli.main import _aside_counted

    run = {"aside": {"needs_person": 5, "invalid": 11}, "elsewhere": 1}
    assert _aside_counted(run) == "；校验时搁置：需人工处理 5 行，无效，未报备 11 行；另有 1 行由其他运行办理"
    assert _aside_counted({"elsewhere": 2}) == "；另有 2 行由其他运行办理"
    assert _aside_counted({}) == ""
