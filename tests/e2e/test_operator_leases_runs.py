"""Two extraction runs for the same date at once, each asking for 2 workers, against one mock
report platform with 2 operators, through the real `rpa` command on SQLite and PostgreSQL.

Before operators were leased both runs logged in as the same two operators and logged each
other out (the platform keeps one session per operator). Now the platform sees no session
replaced, every login is one operator's only session, and both runs finish (exit 0): workers
of the run that came second wait until an operator is free.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_helpers import make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.timeout(420)
def test_two_runs_at_once_never_share_an_operator(report_portal: Any, db_url: str, tmp_path: Path) -> None:
    two = report_portal.operators[:2]
    cli = make_cli_env(
        tmp_path, RPA_REPORTS_URL=report_portal.url, RPA_DATABASE_URL=db_url,
        RPA_REPORTS_OPERATORS=json.dumps([{"code": op.code, "password": op.password} for op in two]),
    )  # fmt: skip
    # slow pages: the first run is still logged in when the second starts its workers
    report_portal.set_faults(latency_ms=400, latency_paths=["/rpt/*"])
    args = ("run", "report-extraction", "--date", "2026-11-27", "--branches", "110101,110102",
            "--workers", "2")  # fmt: skip
    runs = [cli.popen(*args), cli.popen(*args)]
    try:
        outputs = [run.communicate(timeout=360) for run in runs]
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err

    stats = report_portal.stats()
    assert stats["sessions_ended"].get("replaced", 0) == 0, stats["sessions_ended"]
    assert stats["login_failures"] == {}, stats["login_failures"]
    run_ids = [run_id_from(out) for out, _err in outputs]
    logs = [(cli.runs / r / "run.log").read_text(encoding="utf-8") for r in run_ids]
    # 4 workers asked for, 2 operators: some worker waited for one to come free
    assert any("等待空闲操作员" in log for log in logs)
    assert stats["logins"] >= 2 and stats.get("live_sessions", 0) == 0  # each logged out in the end
