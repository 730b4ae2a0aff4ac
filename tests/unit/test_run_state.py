"""`rpa runs list` never calls a run "running" when nothing works on it (issue #18)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from rpa.run.processes import start_time
from rpa.run.runs import process_owner, run_state


def _gone_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(child.stdout)


def test_a_run_whose_process_still_runs_is_running() -> None:
    assert run_state({"owner": process_owner()}) == "running"


def test_a_run_whose_process_is_gone_is_interrupted() -> None:
    owner = {"host": socket.gethostname(), "pid": _gone_pid(), "started": "12345"}
    assert run_state({"owner": owner}) == "interrupted"


def test_a_reused_pid_does_not_make_a_run_running() -> None:
    owner = {"host": socket.gethostname(), "pid": os.getpid(), "started": f"{start_time(os.getpid())}0"}
    assert run_state({"owner": owner}) == "interrupted"


def test_a_run_json_without_owner_or_exit_code_is_interrupted() -> None:
    assert run_state({"run_id": "20261127-083000-account-filing-1a2b3c"}) == "interrupted"


def test_the_exit_code_wins_then_the_one_the_database_recorded() -> None:
    assert run_state({"exit_code": 1, "owner": process_owner()}) == "1"
    assert run_state({"owner": process_owner()}, recorded_exit=3) == "3"


def test_a_run_whose_finishing_step_failed_says_so_beside_its_exit_code() -> None:
    failed = {"exit_code": 1, "finish_failed": "写出结果文件失败：无法写入 result.xlsx（Is a directory）"}
    assert run_state(failed) == "1（收尾失败）"
    assert run_state({"exit_code": 0, "finish_failed": None}) == "0"


def test_another_hosts_run_is_not_judged_from_here() -> None:
    owner = {"host": "robot-02.branch.internal", "pid": 4242, "started": "1"}
    assert run_state({"owner": owner}) == "running? (robot-02.branch.internal)"


def test_the_cli_and_the_console_word_a_run_state_from_one_table() -> None:
    """`rpa runs list` and the console read a run's state in the same words; only the CLI's 退出码
    column keeps a closed run's code a number."""
    from rpa.cli.main import _state_words
    from rpa.console.run_pages import state_words

    for run, state in (({"exit_code": 1}, "1"), ({"waiting_for_workers": True}, "waiting"),
                       ({"waiting_for_workers": False}, "nothing_queued"), ({}, "interrupted")):
        assert run_state(run) == state, run
        console = state_words(run)
        assert "未知" not in console and console != state, console
        assert _state_words(state) == (state if state.isdigit() else console)
    assert _state_words("running? (robot-02)") == "运行中？（在 robot-02）"
