"""Every filing worker logs out of AMS when it ends: normally, on a stop request, after a
run-fatal error. The portal's own count of live sessions (GET /_admin/sessions) is the judge.

Before workers logged out, each ended worker left its operator's session alive until AMS's idle
timeout: a resume within that window replaced it, and a person logging in as that operator
found a session already open.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.records import FilingRecord
from rpa.run.orchestrate import execute_run
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser


def _export(tmp_path: Path, count: int) -> dict[str, Any]:
    records = [FilingRecord.model_validate(basic_record(f"3301202605{n:02d}", serial=60 + n)).model_dump()
               for n in range(1, count + 1)]
    return {"flow_params": {"input": str(write_export(tmp_path / "accounts.xlsx", records)),
                            "today": REFERENCE_DAY}}


def _logouts(folder: Path) -> int:
    """How many `ams.logout` events the run's exported audit chain holds."""
    lines = (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if json.loads(line)["event"] == "ams.logout")


def _every_login_logged_out(ams: AmsHandle, *, workers: int) -> None:
    """One login per worker and the run's one read of AMS's system code; each ended by a logout."""
    stats = ams.stats()
    assert stats["logins"] == workers + 1
    assert stats["sessions_ended"] == {"logout": workers + 1}


@pytest.mark.timeout(180)
def test_workers_log_out_when_the_run_ends(ams: AmsHandle, tmp_path: Path) -> None:
    settings = filing_settings(tmp_path, ams, 2)
    outcome = execute_run(settings, "account-filing", _export(tmp_path, 3), workers=2)
    assert outcome.exit_code == 0, outcome
    _every_login_logged_out(ams, workers=2)
    assert ams.sessions() == {"live": 0, "operators": []}
    assert _logouts(outcome.folder) == 2


@pytest.mark.timeout(180)
def test_workers_log_out_on_a_stop_request(ams: AmsHandle, tmp_path: Path) -> None:
    stop = threading.Event()

    def stop_after_the_first(counts: dict[str, int], _awaiting: int, _words: dict[str, int]) -> None:
        if counts.get("done", 0) >= 1:
            stop.set()  # what Ctrl-C or SIGTERM of `rpa run` does

    outcome = execute_run(filing_settings(tmp_path, ams, 1), "account-filing", _export(tmp_path, 6),
                          workers=1, stop_event=stop, on_progress=stop_after_the_first)
    assert outcome.exit_code == 3, outcome
    assert outcome.counts["pending"] > 0, outcome.counts  # stopped early, not finished
    _every_login_logged_out(ams, workers=1)
    assert ams.sessions()["live"] == 0
    assert _logouts(outcome.folder) == 1


@pytest.mark.timeout(180)
def test_a_stop_that_comes_when_every_row_is_done_stops_nothing(ams: AmsHandle, tmp_path: Path) -> None:
    """Ctrl-C after the last row was filed: the run is all done (exit 0), not 提前停止 with a
    --resume that would do nothing and a hint at system failures there were none of."""
    stop = threading.Event()

    def stop_when_all_done(counts: dict[str, int], _awaiting: int, _words: dict[str, int]) -> None:
        if counts.get("done", 0) >= 2:
            stop.set()

    outcome = execute_run(filing_settings(tmp_path, ams, 1), "account-filing", _export(tmp_path, 2),
                          workers=1, stop_event=stop, on_progress=stop_when_all_done)
    assert stop.is_set() and outcome.exit_code == 0 and not outcome.stop_reason, outcome


@pytest.mark.timeout(180)
def test_workers_log_out_after_a_run_fatal_error(ams: AmsHandle, tmp_path: Path) -> None:
    ams.set_faults(error_rate=1.0, error_paths=["/ams/acctQuery.do"])  # every look-up a 500
    settings = filing_settings(tmp_path, ams, 2, circuit_breaker_threshold=2, max_attempts=10)
    outcome = execute_run(settings, "account-filing", _export(tmp_path, 4), workers=2)
    assert outcome.exit_code == 3, outcome
    assert outcome.stop_reason and "项出现系统错误" in outcome.stop_reason
    _every_login_logged_out(ams, workers=2)
    assert ams.sessions()["live"] == 0
    assert _logouts(outcome.folder) == 2


@pytest.mark.timeout(240)
def test_workers_log_out_when_rpa_run_is_sent_sigterm(ams: AmsHandle, tmp_path: Path) -> None:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:2]])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)
    export = _export(tmp_path, 12)["flow_params"]["input"]
    run = cli.popen("run", "account-filing", "--input", export, "--workers", "2")
    try:
        deadline = time.monotonic() + 120
        while not ams.submissions() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ams.submissions(), "no filing was submitted before the stop"
        run.send_signal(signal.SIGTERM)  # what a service manager or Ctrl-C asks
        out, err = run.communicate(timeout=150)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 3, out + err
    assert ams.sessions() == {"live": 0, "operators": []}
    assert ams.stats()["sessions_ended"] == {"logout": ams.stats()["logins"]}
