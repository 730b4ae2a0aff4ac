"""Outages under a multi-host filing run on PostgreSQL, with the mock AMS's faults on.

Two "hosts" (process groups with their own RPA_HOST_ID and operators, one queue, one run store):
robot-a runs `rpa run account-filing --workers 2`, robot-b joins with `rpa worker --flow
account-filing`. Then:
- PostgreSQL is restarted twice: once while items are being filed, once the moment the last
  item is done (robot-a's supervisor finishing the run, robot-b's worker polling for work).
  Every worker and the supervisor wait and reconnect: the run ends with exit 0, AMS holds every
  account of the input exactly once, no item is left leased, the audit chain verifies.
- PostgreSQL stays away for longer than RPA_DB_OUTAGE_SECONDS: both hosts stop with exit 3 and
  a Chinese line (no traceback), and robot-b resumes the run to the end, each account filed once
  and the chain verified (an item ended in the queue just before the outage gets its outcome
  event when the run closes, `rpa.run.late_outcomes`).
- AMS goes down for longer than the circuit breaker's limit: the run pauses with exit 3 for
  every worker on both hosts, the items not filed stay pending (robot-b's worker, still running,
  leaves them alone), and once AMS is back `--resume` files each remaining account once.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from fixtures.inputs.make_accounts import write_bulk_xlsx
from rpa.db import engine_for
from rpa.queue.work_queue import WorkQueue
from tests.chaos.outage_support import count, host_env, outage_accounts, outage_db, sheet_accounts, states
from tests.e2e.cli_helpers import run_id_from
from tests.e2e.processes import wait_for
from tests.plugins.portals import AmsHandle
from tests.plugins.postgres import ThrowawayCluster

__all__ = ["outage_db"]  # the fixture, used by name below
pytestmark = [pytest.mark.chaos, pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

DONE = "SELECT count(*) FROM queue_items WHERE state = 'done'"
ATTEMPTS = "SELECT coalesce(sum(attempts), 0) FROM queue_items"
OPEN = "SELECT count(*) FROM queue_items WHERE state IN ('pending', 'leased')"
# 500s on every AMS page now and then, lost answers after a commit, latency with jitter
FAULTS = {
    "error_rate": 0.08, "error_paths": ["/ams/*"],
    "commit_fail_rate": 0.15, "commit_fail_mode": "502", "commit_fail_paths": ["/ams/*Submit.do"],
    "latency_ms": 80, "latency_jitter_ms": 200, "latency_paths": ["/ams/*"],
}  # fmt: skip


def _restart(cluster: ThrowawayCluster, db_url: str, down_seconds: float = 1.5) -> None:
    engine_for(db_url).dispose()  # the test's own connections end with the server anyway
    cluster.stop_server()
    time.sleep(down_seconds)
    cluster.start_again()


def _stop(proc: subprocess.Popen[str], timeout: float = 90) -> tuple[str, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=timeout)


def _filed_once(ams: AmsHandle, source: Path) -> None:
    """AMS holds every account of the input, each submitted exactly once."""
    per_row = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert {account for account, _, _ in per_row} == sheet_accounts(source)
    assert set(per_row.values()) == {1}, {k: n for k, n in per_row.items() if n != 1}
    assert all(f["submitted"] == 1 for f in ams.filings()), ams.filings()


@pytest.mark.timeout(420)
def test_postgres_restarted_twice_under_two_hosts_loses_nothing(
    ams: AmsHandle, outage_db: str, postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    accounts = outage_accounts()
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, accounts)
    common = {"RPA_DB_OUTAGE_SECONDS": "60", "RPA_MAX_ATTEMPTS": "30"}
    robot_a = host_env(tmp_path, ams, outage_db, "robot-a", [0, 1], **common)
    robot_b = host_env(tmp_path, ams, outage_db, "robot-b", [2], **common)

    run = robot_a.popen("run", "account-filing", "--input", str(source), "--workers", "2")
    joined = robot_b.popen("worker", "--flow", "account-filing", "--workers", "1")
    try:
        wait_for(lambda: count(outage_db, DONE) >= 1, 150, "the first account filed")
        ams.set_faults(**FAULTS)  # after the run's start: it read which AMS this is
        wait_for(lambda: count(outage_db, DONE) >= min(3, accounts - 1), 150, "accounts being filed")
        _restart(postgres_cluster, outage_db)  # 1: in the middle of the filing
        wait_for(lambda: count(outage_db, OPEN) == 0, 240, "every item worked")
        _restart(postgres_cluster, outage_db)  # 2: robot-a finishing the run, robot-b polling
        stdout, stderr = run.communicate(timeout=180)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
        worker_out = _stop(joined)
    assert run.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"
    assert "Traceback" not in stderr
    assert joined.returncode == 0, f"robot-b:\n{worker_out[0]}\n{worker_out[1]}"
    assert "Traceback" not in worker_out[1]

    run_id = run_id_from(stdout)
    queue = WorkQueue(outage_db)
    items = queue.items(run_id)
    assert len(items) == accounts and {item.state for item in items} == {"done"}
    hosts = {attempt.owner.split(":")[0] for item in items for attempt in queue.history(item.id)}
    assert hosts <= {"robot-a", "robot-b"}, hosts
    _filed_once(ams, source)
    log = (robot_a.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "数据库连接" in log  # the outage was met and ridden out
    assert (robot_a.runs / run_id / "result.xlsx").exists()
    verified = robot_a.run("audit", "verify", run_id, check_exit=0)
    assert "核对通过" in verified.stdout


@pytest.mark.timeout(480)
def test_ams_down_past_the_breaker_pauses_both_hosts_and_resume_files_the_rest_once(
    ams: AmsHandle, outage_db: str, tmp_path: Path
) -> None:
    accounts, threshold = outage_accounts(), 4
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, accounts)
    common = {"RPA_CIRCUIT_BREAKER_THRESHOLD": str(threshold), "RPA_MAX_ATTEMPTS": "50"}
    robot_a = host_env(tmp_path, ams, outage_db, "robot-a", [0, 1], **common)
    robot_b = host_env(tmp_path, ams, outage_db, "robot-b", [2], **common)
    ams.set_faults(latency_ms=300, latency_paths=["/ams/*"])  # slow enough that AMS dies mid-run

    run = robot_a.popen("run", "account-filing", "--input", str(source), "--workers", "2")
    joined = robot_b.popen("worker", "--flow", "account-filing", "--workers", "1")
    try:
        wait_for(lambda: count(outage_db, DONE) >= 2, 180, "two accounts filed")
        # AMS down: every page a 500 after a while, for every worker on both hosts
        ams.set_faults(error_rate=1.0, error_paths=["/ams/*"], latency_ms=800, latency_paths=["/ams/*"])
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 3, f"stdout:\n{stdout}\nstderr:\n{stderr}"
        assert f"连续 {threshold} 项出现系统错误" in stdout and "--resume" in stdout, stdout
        assert "Traceback" not in stdout + stderr
        run_id = run_id_from(stdout)
        # the pause holds for robot-b too: its worker, still running, neither files nor keeps leases
        wait_for(lambda: states(outage_db).get("leased", 0) == 0, 60, "no item left leased")
        paused, tried = states(outage_db), count(outage_db, ATTEMPTS)
        time.sleep(6)  # a few of robot-b's polls
        assert (states(outage_db), count(outage_db, ATTEMPTS)) == (paused, tried), "robot-b worked on"
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    pending = paused.get("pending", 0)
    assert pending >= 1 and paused.get("failed", 0) == 0, paused  # nothing failed or lost
    assert pending + paused.get("done", 0) == accounts
    filed_before = len(ams.filings())

    ams.set_faults()  # AMS is back
    try:
        resumed = robot_a.run("run", "account-filing", "--resume", run_id, "--workers", "2", timeout=300)
    finally:
        worker_out = _stop(joined)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert joined.returncode == 0 and "Traceback" not in worker_out[1], worker_out
    items = WorkQueue(outage_db).items(run_id)
    assert len(items) == accounts and {item.state for item in items} == {"done"}
    assert len(ams.filings()) - filed_before == pending
    _filed_once(ams, source)
    robot_a.run("audit", "verify", run_id, check_exit=0)


@pytest.mark.timeout(480)
def test_postgres_away_past_the_limit_stops_both_hosts_with_exit_3_and_the_other_host_resumes(
    ams: AmsHandle, outage_db: str, postgres_cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    accounts = outage_accounts()
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, accounts)
    common = {"RPA_DB_OUTAGE_SECONDS": "4", "RPA_MAX_ATTEMPTS": "30"}
    robot_a = host_env(tmp_path, ams, outage_db, "robot-a", [0, 1], **common)
    robot_b = host_env(tmp_path, ams, outage_db, "robot-b", [2, 3], **common)
    ams.set_faults(latency_ms=200, latency_jitter_ms=200, latency_paths=["/ams/*"])

    run = robot_a.popen("run", "account-filing", "--input", str(source), "--workers", "2")
    joined = robot_b.popen("worker", "--flow", "account-filing", "--workers", "1")
    try:
        wait_for(lambda: count(outage_db, DONE) >= 2, 180, "two accounts filed")
        engine_for(outage_db).dispose()
        postgres_cluster.stop_server()
        try:  # away for longer than RPA_DB_OUTAGE_SECONDS: every process of both hosts gives up
            stdout, stderr = run.communicate(timeout=150)
            worker_out = joined.communicate(timeout=150)
        finally:
            postgres_cluster.start_again()
    finally:
        for proc in (run, joined):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert run.returncode == 3, f"stdout:\n{stdout}\nstderr:\n{stderr}"
    assert "RPA_DB_OUTAGE_SECONDS" in stdout + stderr and "Traceback" not in stdout + stderr
    assert joined.returncode == 3, f"robot-b:\n{worker_out[0]}\n{worker_out[1]}"
    assert "RPA_DB_OUTAGE_SECONDS" in worker_out[0] + worker_out[1]
    assert "Traceback" not in worker_out[0] + worker_out[1]
    run_id = run_id_from(stdout)

    resumed = robot_b.run("run", "account-filing", "--resume", run_id, "--workers", "2", timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert run_id_from(resumed.stdout) == run_id
    items = WorkQueue(outage_db).items(run_id)
    assert len(items) == accounts and {item.state for item in items} == {"done"}
    _filed_once(ams, source)
    robot_b.run("audit", "verify", run_id, check_exit=0)
