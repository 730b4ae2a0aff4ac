"""A run on PostgreSQL whose database server restarts in the middle: the supervisor and its real
workers wait and reconnect, nothing is lost, the run ends with exit 0 and its chain verifies.
A database away for longer than RPA_DB_OUTAGE_SECONDS stops the run with exit 3, resumable."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.db import engine_for
from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.e2e.processes import wait_for
from tests.plugins.postgres import ThrowawayCluster

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

ITEMS = 8


@pytest.fixture
def pg_url(postgres_cluster: ThrowawayCluster) -> Iterator[str]:
    name = f"restart_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


def _done(url: str) -> int:
    with engine_for(url).connect() as conn:
        found = conn.exec_driver_sql("SELECT count(*) FROM queue_items WHERE state = 'done'").scalar()
    return int(found or 0)


def _tables_exist(url: str) -> bool:
    with engine_for(url).connect() as conn:
        return bool(conn.exec_driver_sql("SELECT to_regclass('queue_items') IS NOT NULL").scalar())


def _start_run(cli: CliEnv, url: str) -> tuple[object, float]:
    proc = cli.popen("run", "smoke", "--modes", "slow", "--items", str(ITEMS), "--workers", "2")
    wait_for(lambda: _tables_exist(url) and _done(url) >= 1, 90, "the first item done")
    engine_for(url).dispose()  # the test's own connections: the restart ends them anyway
    return proc, time.monotonic()


def test_a_database_restart_mid_run_loses_nothing(
    tmp_path: Path, pg_url: str, postgres_cluster: ThrowawayCluster
) -> None:
    cli = make_cli_env(tmp_path, RPA_DATABASE_URL=pg_url, RPA_DB_OUTAGE_SECONDS="30")
    proc, _ = _start_run(cli, pg_url)
    postgres_cluster.stop_server()  # every session of the run ends here
    time.sleep(1.5)
    postgres_cluster.start_again()
    stdout, stderr = proc.communicate(timeout=180)  # type: ignore[attr-defined]
    assert proc.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"  # type: ignore[attr-defined]
    assert "Traceback" not in stderr

    run_id = run_id_from(stdout)
    info = json.loads((cli.runs / run_id / "run.json").read_text())
    assert info["exit_code"] == 0 and info["counts"]["done"] == ITEMS
    items = WorkQueue(pg_url).items(run_id)
    assert len(items) == ITEMS and {item.state for item in items} == {"done"}
    log = (cli.runs / run_id / "run.log").read_text()
    assert "数据库连接" in log  # the outage was met, and ridden out
    verified = cli.run("audit", "verify", run_id, check_exit=0)
    assert "核对通过" in verified.stdout


def test_a_longer_outage_stops_with_exit_3_and_resumes(
    tmp_path: Path, pg_url: str, postgres_cluster: ThrowawayCluster
) -> None:
    cli = make_cli_env(tmp_path, RPA_DATABASE_URL=pg_url, RPA_DB_OUTAGE_SECONDS="3")
    proc, _ = _start_run(cli, pg_url)
    postgres_cluster.stop_server()
    try:
        stdout, stderr = proc.communicate(timeout=150)  # type: ignore[attr-defined]
    finally:
        postgres_cluster.start_again()
    assert proc.returncode == 3, f"stdout:\n{stdout}\nstderr:\n{stderr}"  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert "RPA_DB_OUTAGE_SECONDS" in stdout + stderr
    run_id = run_id_from(stdout)
    info = json.loads((cli.runs / run_id / "run.json").read_text())
    assert info["exit_code"] == 3 and "--resume" in info["stop_reason"]

    resumed = cli.run("run", "smoke", "--resume", run_id, "--workers", "2", check_exit=0, timeout=180)
    assert run_id in resumed.stdout
    items = WorkQueue(pg_url).items(run_id)
    assert len(items) == ITEMS and {item.state for item in items} == {"done"}
    cli.run("audit", "verify", run_id, check_exit=0)
