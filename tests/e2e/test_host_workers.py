"""`rpa run account-filing --enqueue-only` then `rpa worker --flow account-filing` on two "hosts"
(process groups with their own RPA_HOST_ID and operator) sharing a PostgreSQL queue and a run
store, against the mock AMS: the enqueuing command works nothing, the hosts' workers file every
valid row exactly once, SIGTERM ends each host with exit 0 and nothing leased, and resuming the
run on a third host writes result.xlsx and report.html from the database and the store."""

from __future__ import annotations

import json
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.db import engine_for
from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.e2e.processes import wait_for
from tests.e2e.test_account_filing_run import subset_workbook
from tests.integration.alert_receivers import HttpReceiver
from tests.plugins.portals import AmsHandle
from tests.plugins.postgres import ThrowawayCluster

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300)]

ROWS = 8


@pytest.fixture
def pg_url(postgres_cluster: ThrowawayCluster) -> Iterator[str]:
    name = f"workers_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


@pytest.mark.postgres
def test_enqueue_only_then_workers_on_two_hosts(ams: AmsHandle, tmp_path: Path, pg_url: str) -> None:
    source = subset_workbook(tmp_path / "accounts.xlsx", ROWS)
    store = tmp_path / "shared-store"

    def host(name: str, operator: int) -> dict[str, str]:
        code, password = ams.operators[operator]
        operators = json.dumps([{"code": code, "password": password}])  # one per host: no shared login
        return {"RPA_DATABASE_URL": pg_url, "RPA_RUNS_DIR": str(store), "RPA_HOST_ID": name,
                "RPA_AMS_URL": ams.url, "RPA_AMS_OPERATORS": operators}

    office = make_cli_env(tmp_path, **host("office-pc", 0))
    enqueued = office.run("run", "account-filing", "--input", str(source), "--enqueue-only", check_exit=0)
    run_id = run_id_from(enqueued.stdout)
    assert "rpa worker --flow account-filing" in enqueued.stdout
    queue = WorkQueue(pg_url)
    items = queue.items(run_id)
    assert items and {item.state for item in items} == {"pending"}
    assert ams.filings() == []  # nothing was worked by the enqueuing command

    robots = [make_cli_env(tmp_path, **host(name, n)) for n, name in ((1, "robot-a"), (2, "robot-b"))]
    procs = [robot.popen("worker", "--flow", "account-filing", "--workers", "1") for robot in robots]
    try:
        wait_for(lambda: all(i.state not in ("pending", "leased") for i in queue.items(run_id)), 180,
                 "every item worked")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        outputs = [proc.communicate(timeout=60) for proc in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"
        assert "Traceback" not in stderr
        assert f"运行 {run_id}：本主机" in stdout

    items = queue.items(run_id)
    assert not [item for item in items if item.state in ("pending", "leased")]
    hosts = {attempt.owner.split(":")[0] for item in items for attempt in queue.history(item.id)}
    assert hosts <= {"robot-a", "robot-b"} and hosts
    submitted = Counter(f["account_no"] for f in ams.filings() for _ in range(int(f.get("submitted", 1))))
    assert submitted and max(submitted.values()) == 1  # none filed twice
    done = [item for item in items if item.state == "done"]
    assert len(done) == len(ams.filings())

    finisher = make_cli_env(tmp_path, **host("robot-c", 0))
    # worked, not closed: the queue's counts, not those run.json kept from the enqueue (tester AH)
    shown = finisher.run("runs", "show", run_id, check_exit=0).stdout
    assert f"已完成 {len(done)}" in shown and "未完成" not in shown.split("计数：")[1].splitlines()[0], shown
    finished = finisher.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert finished.returncode in (0, 1), finished.stderr  # 1: rows the portal or the checks refused
    folder = store / run_id
    assert (folder / "result.xlsx").exists() and (folder / "report.html").exists()
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    assert {e["details"]["host"] for e in events if e["event"] == "host.joined"} == {"robot-a", "robot-b"}
    assert any(e["event"] == "run.enqueued_only" for e in events)
    finisher.run("audit", "verify", run_id, check_exit=0)


def test_sigterm_gives_every_lease_back_on_sqlite(ams: AmsHandle, tmp_path: Path) -> None:
    """One host on the default SQLite queue: SIGTERM while items are still open ends the worker
    command with exit 0, the item in hand finished, nothing leased; a resume finishes the rest."""
    source = subset_workbook(tmp_path / "accounts.xlsx", ROWS)
    ams.set_faults(latency_ms=400, latency_paths=["/ams/*"])  # items take a while: SIGTERM meets work
    code, password = ams.operators[0]
    cli = make_cli_env(tmp_path, RPA_HOST_ID="robot-s", RPA_AMS_URL=ams.url,
                       RPA_AMS_OPERATORS=json.dumps([{"code": code, "password": password}]))
    run_id = run_id_from(cli.run("run", "account-filing", "--input", str(source), "--enqueue-only",
                                 check_exit=0).stdout)
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    proc = cli.popen("worker", "--flow", "account-filing", "--workers", "1")
    try:
        wait_for(lambda: any(item.state == "leased" for item in queue.items(run_id)), 120, "an item leased")
    finally:
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"
    assert "Traceback" not in stderr
    items = queue.items(run_id)
    assert not [item for item in items if item.state == "leased"]  # the item in hand was finished
    assert [item for item in items if item.state == "pending"], "every item was done before SIGTERM"
    ams.set_faults()

    finished = cli.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert finished.returncode in (0, 1), finished.stderr
    assert not [item for item in queue.items(run_id) if item.state in ("pending", "leased")]
    submitted = Counter(f["account_no"] for f in ams.filings() for _ in range(int(f.get("submitted", 1))))
    assert max(submitted.values()) == 1


def test_an_enqueued_run_waits_for_workers_without_an_alert(
    ams: AmsHandle, tmp_path: Path, http: HttpReceiver
) -> None:
    """Only enqueued, the run has not ended: no "运行提前停止" alert, and `rpa runs list` says it
    waits for workers, with the queue's counts."""
    source = subset_workbook(tmp_path / "accounts.xlsx", ROWS)
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(f"webhook:\n  url: {http.url}\n", encoding="utf-8")
    code, password = ams.operators[0]
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_ALERTS_FILE=str(alerts),
                       RPA_AMS_OPERATORS=json.dumps([{"code": code, "password": password}]))
    run_id = run_id_from(cli.run("run", "account-filing", "--input", str(source), "--enqueue-only",
                                 check_exit=0).stdout)
    assert http.posts == []
    pending = len(WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}").items(run_id))
    listed = cli.run("runs", "list", check_exit=0).stdout
    line = next(line for line in listed.splitlines() if run_id in line)
    assert pending and "已入队，等待工作进程" in line and f"未完成 {pending}" in line and "已中断" not in line
    shown = cli.run("runs", "show", run_id, check_exit=0).stdout
    assert "已入队，等待工作进程" in shown and f"计数：未完成 {pending}" in shown, shown  # not 没有事项
