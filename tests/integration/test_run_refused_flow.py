"""A flow that cannot be built from its parameters (one it does not take, one missing, a value it
refuses) refuses the run with exit 2: the run is closed as refused, never left "running", and
`rpa run ... --resume` of it says why in one Chinese line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rpa.errors import UsageError
from rpa.run.flow import load_flow
from rpa.run.orchestrate import execute_run
from rpa.settings import Settings
from tests.e2e.cli_helpers import make_cli_env


@pytest.mark.parametrize(
    ("flow", "params", "words"),
    [
        ("smoke", {"itmes": 3}, "不认识的参数 itmes（可用：items、modes、slow_seconds、locked）"),
        ("account-filing", {"dry_run": True}, "缺少参数 input"),
        ("calendar-check", {"year": 2026, "yaer": 2027}, "不认识的参数 yaer"),
        ("smoke", {"modes": ["ok", "explode"]}, "explode"),
    ],
    ids=["unknown", "missing", "unknown_beside_a_known_one", "value_refused"],
)
def test_a_flow_that_cannot_be_built_is_a_usage_error_naming_the_parameter(
    flow: str, params: dict[str, Any], words: str
) -> None:
    with pytest.raises(UsageError) as refused:
        load_flow(flow, params)
    assert words in str(refused.value)


@pytest.mark.timeout(120)
def test_a_run_whose_flow_cannot_be_built_exits_2_and_is_not_left_running(tmp_path: Path) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    with pytest.raises(UsageError, match="流程 smoke 的参数有误：不认识的参数 itmes"):
        execute_run(settings, "smoke", {"flow_params": {"itmes": 3}}, trigger="test")

    (folder,) = (tmp_path / "runs").glob("*-smoke-*")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 2 and info["ended_at"] and "itmes" in info["stop_reason"]

    cli = make_cli_env(tmp_path)
    resumed = cli.run("run", "smoke", "--resume", folder.name, check_exit=2)
    assert "流程 smoke 的参数有误：不认识的参数 itmes" in resumed.stderr
    assert "Traceback" not in resumed.stderr + resumed.stdout
    listed = cli.run("runs", "list", check_exit=0).stdout
    row = next(line for line in listed.splitlines() if folder.name in line)
    assert "running" not in row and "interrupted" not in row and " 2 " in f" {row} "
