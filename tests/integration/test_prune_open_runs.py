"""`rpa runs prune` keeps a run a person still has to finish, however old: its rows waiting in
异常处理 (here, a row put aside as invalid) would vanish from `rpa cases list` with its folder.
A real run (no row reaches AMS), the real CLI, a real SQLite queue and audit chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import end_long_ago, make_cli_env

pytestmark = pytest.mark.timeout(120)


def test_an_old_run_with_a_row_waiting_for_a_person_is_kept_and_said_so(tmp_path: Path) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_operators=[OperatorCredential(code="A10001", password="x")])
    code = uscc("91110105MA02XYKW7")
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    row = open_row("6228480055550000333", "北京壬科技有限公司", wrong, "赵六", "2026-12-03")
    export = write_export(tmp_path / "export.xlsx", [row])
    params = {"flow_params": {"input": str(export), "today": "2026-12-04"}}
    outcome = execute_run(settings, "account-filing", params, trigger="test")
    assert outcome.exit_code == 1
    folder = settings.runs_dir / outcome.run_id
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["ended_at"] = "2026-01-05T17:30:00+08:00"  # as if it had ended long ago
    (folder / "run.json").write_text(json.dumps(info), encoding="utf-8")

    cli = make_cli_env(tmp_path, RPA_RUNS_DIR=str(settings.runs_dir),
                       RPA_AUDIT_KEY_FILE=str(settings.audit_key_file))
    end_long_ago(cli, outcome.run_id)
    pruned = cli.run("runs", "prune", "--older-than", "180d", check_exit=0)
    assert "共清理 0 次运行" in pruned.stdout and folder.is_dir()
    assert f"未清理运行 {outcome.run_id}：仍有 1 行需人工处理" in pruned.stdout
    assert "待处理 1 行" in cli.run("cases", "list", outcome.run_id, check_exit=0).stdout
