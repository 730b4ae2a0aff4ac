"""AMS's service window holds for every worker, at every 确认提交, not only when the run starts:
two workers (two operators) on SQLite and PostgreSQL file rows while the window is open; when
it closes mid-run neither submits again, the run stops with exit 3 and a Chinese line, and
`--resume` in the next window files the rest, each row once.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fixtures.inputs.make_accounts import write_bulk_xlsx
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROWS = 20


@pytest.mark.timeout(420)
def test_no_worker_submits_after_the_window_closes(ams: AmsHandle, db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, ROWS)
    # at least 6 s a row per worker whatever the machine: 20 rows on 2 workers (60 s) outlast the
    # window, which leaves a busy machine time to start the run and both workers
    ams.set_faults(latency_ms=6000, latency_paths=["/ams/acct*Check.do"])
    now = datetime.now(SHANGHAI)
    closes = now + timedelta(seconds=50)
    if closes.date() != now.date():
        pytest.skip("the window would cross midnight")
    opened = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0))
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:2]])
    cli = make_cli_env(
        tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators, RPA_DATABASE_URL=db_url,
        RPA_AMS_SERVICE_WINDOW=f"{opened:%H:%M:%S}-{closes:%H:%M:%S}", RPA_AMS_SERVICE_DAYS="every_day",
    )  # fmt: skip

    stopped = cli.run("run", "account-filing", "--input", str(source), "--workers", "2", timeout=300)

    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "服务时间" in stopped.stdout and "--resume" in stopped.stdout, stopped.stdout
    submitted = ams.submissions()
    assert 0 < len(submitted) < ROWS
    assert {s["operator"] for s in submitted} == {c for c, _p in ams.operators[:2]}  # both worked
    late = [s["at"] for s in submitted if datetime.fromisoformat(s["at"]) >= closes + timedelta(seconds=1)]
    assert late == [], (closes, late)

    cli.env["RPA_AMS_SERVICE_WINDOW"] = "always"  # the next window
    ams.set_faults()
    resumed = cli.run("run", "account-filing", "--resume", run_id_from(stopped.stdout), "--workers", "2",
                      timeout=300)  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    per_row = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert len(per_row) == ROWS and set(per_row.values()) == {1}
