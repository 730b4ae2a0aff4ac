"""Two robot "hosts" on one PostgreSQL queue and one shared run store: process groups with their
own RPA_HOST_ID. Host robot-a starts a run and dies for good (SIGKILL to its whole process tree);
host robot-b resumes the run from the shared store, takes over robot-a's leases when they expire
and finishes it. Every claim and every worker's audit event names its host."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.db import engine_for
from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.e2e.processes import process_tree, wait_for
from tests.plugins.postgres import ThrowawayCluster

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

ITEMS = 8


@pytest.fixture
def pg_url(postgres_cluster: ThrowawayCluster) -> Iterator[str]:
    name = f"hosts_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


def _count(url: str, sql: str) -> int:
    with engine_for(url).connect() as conn:
        if not conn.exec_driver_sql("SELECT to_regclass('queue_items') IS NOT NULL").scalar():
            return 0
        return int(conn.exec_driver_sql(sql).scalar() or 0)


def test_a_dead_hosts_run_is_resumed_on_another_host(tmp_path: Path, pg_url: str) -> None:
    store = tmp_path / "shared-store"  # the shared mount: the same path on both hosts
    host_a = make_cli_env(tmp_path, RPA_DATABASE_URL=pg_url, RPA_RUNS_DIR=str(store), RPA_HOST_ID="robot-a")
    host_b = make_cli_env(tmp_path, RPA_DATABASE_URL=pg_url, RPA_RUNS_DIR=str(store), RPA_HOST_ID="robot-b")

    proc = host_a.popen("run", "smoke", "--modes", "slow", "--items", str(ITEMS), "--workers", "2")
    # robot-a has finished some items and holds leases on others when it dies
    wait_for(lambda: _count(pg_url, "SELECT count(*) FROM queue_items WHERE state = 'done'") >= 2
             and _count(pg_url, "SELECT count(*) FROM queue_items WHERE state = 'leased'") >= 1,
             90, "robot-a working")
    for pid in process_tree(proc.pid):
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    (run_id,) = [p.name for p in store.iterdir() if (p / "run.json").exists()]
    engine_for(pg_url).dispose()

    resumed = host_b.run("run", "smoke", "--resume", run_id, "--workers", "2", check_exit=0, timeout=180)
    assert run_id_from(resumed.stdout) == run_id

    queue = WorkQueue(pg_url)
    items = queue.items(run_id)
    assert len(items) == ITEMS and {item.state for item in items} == {"done"}
    owners = [attempt.owner for item in items for attempt in queue.history(item.id)]
    assert all(owner.split(":")[0] in ("robot-a", "robot-b") for owner in owners), owners
    assert {owner.split(":")[0] for owner in owners} == {"robot-a", "robot-b"}
    taken_over = [
        attempt for item in items for attempt in queue.history(item.id)
        if attempt.owner.startswith("robot-a:") and attempt.outcome == "lease_expired"
    ]
    assert taken_over, "no lease of the dead host was taken over"

    info = json.loads((store / run_id / "run.json").read_text())
    assert info["exit_code"] == 0 and info["owner"]["host"] == "robot-b"
    events = [json.loads(line) for line in (store / run_id / "audit.jsonl").read_text().splitlines()]
    done_by = {event["actor"].split(":")[0] for event in events if event["event"] == "item.done"}
    assert done_by == {"robot-a", "robot-b"}
    assert [e["details"]["host"] for e in events if e["event"] in ("run.started", "run.resumed")] == [
        "robot-a", "robot-b"
    ]
    host_a.run("audit", "verify", run_id, check_exit=0)


def test_a_run_store_of_another_database_is_refused(
    tmp_path: Path, pg_url: str, postgres_cluster: ThrowawayCluster
) -> None:
    store = tmp_path / "shared-store"
    first = make_cli_env(tmp_path, RPA_DATABASE_URL=pg_url, RPA_RUNS_DIR=str(store))
    first.run("run", "smoke", "--items", "1", "--workers", "1", check_exit=0)
    marker = json.loads((store / ".rpa-store.json").read_text())
    assert marker["path"] == str(store.resolve())

    other = postgres_cluster.create_database(f"other_{uuid.uuid4().hex[:12]}")
    try:
        wrong = make_cli_env(tmp_path, RPA_DATABASE_URL=other, RPA_RUNS_DIR=str(store))
        refused = wrong.run("run", "smoke", "--items", "1", "--workers", "1", check_exit=2)
    finally:
        engine_for(other).dispose()
        postgres_cluster.drop_database(other.rsplit("/", 1)[1])
    assert "属于另一个数据库" in refused.stderr + refused.stdout
    assert "Traceback" not in refused.stderr
