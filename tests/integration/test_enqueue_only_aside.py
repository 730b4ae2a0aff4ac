"""An `--enqueue-only` run says what it put aside while validating, and asks for no worker when
it queued nothing (tester AQ of 2026-12-07, F3: with RPA_FILING_REQUIRE_CHECK on and no check
run, both rows were set aside 需人工处理, and the run said 待办 0 项 and asked for workers).

The export is written here with DOMAIN.md's headers; its credit codes' check characters come
from tests/check_exports.py's own GB 32100 function, not the code under test. No portal is
needed: an enqueue-only run does not work its items, and the gate holds the rows before any."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import make_cli_env, run_id_from

pytestmark = pytest.mark.timeout(180)
OPERATORS = '[{"code": "OP0001", "password": "Ams0001!"}]'


def test_an_enqueue_only_run_whose_rows_were_all_set_aside_says_so_and_asks_for_no_worker(
    tmp_path: Path,
) -> None:
    today = date.today().isoformat()
    rows = [open_row("6228480012345678901", "北京华信科技有限公司", uscc("91110105MA01ABCD1"), "张三", today),
            open_row("6228480012345678919", "北京华新科技有限公司", uscc("91110105MA01ABCD2"), "李四", today)]
    source = write_export(tmp_path / "export.xlsx", rows)
    cli = make_cli_env(tmp_path, RPA_FILING_REQUIRE_CHECK="true", RPA_AMS_URL="http://127.0.0.1:9/ams",
                       RPA_AMS_OPERATORS=OPERATORS)
    done = cli.run("run", "account-filing", "--input", str(source), "--enqueue-only")
    assert done.returncode == 0, done.stderr
    run_id = run_id_from(done.stdout)
    assert "待办 0 项；校验时搁置：需人工处理 2 行" in done.stdout
    assert f"rpa cases list {run_id}" in done.stdout and "不必启动 rpa worker" in done.stdout
    assert "请在各主机上用 rpa worker" not in done.stdout and "Traceback" not in done.stderr
    assert f"rpa run account-filing --resume {run_id}" in done.stdout
    listed = cli.run("cases", "list", run_id)  # where the line sends the clerk: both rows, with why
    assert listed.returncode == 0 and listed.stdout.count("校验时搁置，未报备") == 2, listed.stdout
    # runs list and show say the same (tester AV: 等待工作进程, and a result.xlsx never written)
    for shown in (cli.run("runs", "list").stdout, cli.run("runs", "show", run_id).stdout):
        assert "没有待办事项（没有新入队的事项）" in shown and "等待工作进程" not in shown, shown
    shown = cli.run("runs", "show", run_id).stdout
    assert f"见 rpa cases list {run_id}" in shown and "result.xlsx" not in shown, shown
    # and it is not ended: no alert says it stopped or held rows (code review of 2026-12-07)
    from rpa.alerts.events import run_end_alerts
    from rpa.settings import Settings

    settings = Settings(runs_dir=cli.runs, audit_key_file=tmp_path / "keys" / "audit.key")
    assert run_end_alerts(settings, run_id, cli.runs / run_id) == []
