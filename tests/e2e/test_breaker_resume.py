"""AMS down for longer than the circuit breaker's limit, with two workers through the real `rpa`
command, on SQLite and PostgreSQL: the system errors of both workers add up in the database,
the run stops for both with exit 3 and a Chinese line, every row stays pending (none failed,
none lost), and `--resume` once AMS is back files every row exactly once.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from fixtures.inputs.make_accounts import write_bulk_xlsx
from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.e2e.test_account_filing_run import _identity_known, filing_settings
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROWS, THRESHOLD = 6, 4


@pytest.mark.timeout(420)
def test_a_portal_down_opens_the_circuit_for_every_worker_and_resume_files_each_row_once(
    ams: AmsHandle, db_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, ROWS)
    settings = filing_settings(tmp_path, ams, 2, database_url=db_url)
    _identity_known(settings)  # which AMS the URL is, read before it went down (as a run before)
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:2]])
    cli = make_cli_env(
        tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators, RPA_DATABASE_URL=db_url,
        RPA_CIRCUIT_BREAKER_THRESHOLD=str(THRESHOLD), RPA_MAX_ATTEMPTS="50",  # never failed by attempts
    )  # fmt: skip
    # every page a 500 after a while: AMS is down, and each worker meets it item after item
    ams.set_faults(error_rate=1.0, error_paths=["/ams/*"], latency_ms=1500, latency_paths=["/ams/*"])

    stopped = cli.run("run", "account-filing", "--input", str(source), "--workers", "2", timeout=300)

    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    said = stopped.stdout
    assert f"连续 {THRESHOLD} 项出现系统错误" in said and "--resume" in said, said
    assert "Traceback" not in stopped.stdout + stopped.stderr
    run_id = run_id_from(stopped.stdout)
    queue = WorkQueue(db_url)
    items = queue.items(run_id)
    assert len(items) == ROWS and {str(i.state) for i in items} == {"pending"}  # nothing failed or lost
    # the errors came from both workers: the shared count, not one worker's, opened the circuit
    owners = {a.owner for i in items for a in queue.history(i.id)}
    assert len(owners) == 2, owners
    # THRESHOLD errors opened it (one more may have been in the other worker's hands meanwhile);
    # a count of each worker's own would have needed THRESHOLD errors from each
    assert THRESHOLD <= sum(i.attempts for i in items) <= THRESHOLD + 1
    assert ams.submissions() == []

    ams.set_faults()  # AMS is back
    resumed = cli.run("run", "account-filing", "--resume", run_id, "--workers", "2", timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    per_row = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert len(per_row) == ROWS and set(per_row.values()) == {1}
    assert all(f["submitted"] == 1 for f in ams.filings())
