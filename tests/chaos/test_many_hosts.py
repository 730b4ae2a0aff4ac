"""Many robot hosts on one queue under chaos (issue #22): `rpa worker --flow account-filing`
process groups, each with its own RPA_HOST_ID and operators, one shared run store, one run
enqueued with `--enqueue-only`, against the mock AMS with 500s, answers lost after the commit,
session expiries and latency jitter, while a killer SIGKILLs a random worker every
RPA_CHAOS_KILL_SECONDS (every third time a whole `rpa worker` command, started again), and keeps
another SIGSTOPped past its lease before it SIGCONTs or SIGKILLs it.

Afterwards AMS's own record (`/_admin/filings`) holds every valid account exactly once and no
other, the queue holds nothing pending or leased, `rpa audit verify --all` passes (every chain
and the ledger), and the outputs an operator gets with `rpa run account-filing --resume RUN` on
any host (result.xlsx, report.html) count exactly the input's rows.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rpa.queue.work_queue import WorkQueue
from tests.chaos.chaos_accounts import ChaosInput, write_accounts
from tests.chaos.chaos_hosts import Ended, Killer, WorkerHost
from tests.chaos.chaos_portal import SessionExpiry
from tests.chaos.conftest import chaos_size
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.e2e.processes import wait_for
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.chaos, pytest.mark.slow, pytest.mark.browser]

LEASE_SECONDS = 8  # a SIGSTOPped worker is frozen past it
CHAOS_ENV = {
    "RPA_LEASE_SECONDS": str(LEASE_SECONDS),
    "RPA_HEARTBEAT_SECONDS": "2",
    "RPA_MAX_ATTEMPTS": "12",  # a row may meet several kills and faults: none is given up
    "RPA_CIRCUIT_BREAKER_THRESHOLD": "60",  # 500s in a row are chance here, not a portal down
    "RPA_ANSWER_TIMEOUT_MS": "6000",
    "RPA_OPERATOR_WAIT_SECONDS": "600",
}




def _time_budget(variable: str, default: int) -> int:
    """Seconds a test may take: 15 min, and 10 s a row on a loaded two-core machine."""
    try:
        rows = int(float(os.environ.get(variable) or default))
    except ValueError:
        rows = default  # chaos_size fails the test on it with a message
    return 900 + 10 * rows


PG_BUDGET = _time_budget("RPA_CHAOS_ACCOUNTS", 300)
SQLITE_BUDGET = _time_budget("RPA_CHAOS_SQLITE_ACCOUNTS", 60)
# 状态 of a filed row in result.xlsx (found already filed when a lost answer's row is looked up)
FILED = ("已报备", "此前已报备")


def _operators(ams: AmsHandle, picks: range) -> str:
    return json.dumps([{"code": ams.operators[i][0], "password": ams.operators[i][1]} for i in picks])


def _never_twice(filings: list[dict[str, Any]]) -> None:
    """AMS took each of its filings from one 确认提交 (a resubmission would count 2)."""
    twice = [f["account_no"] for f in filings if int(f.get("submitted", 1)) != 1]
    assert not twice, f"submitted more than once: {twice}"


def _open_items(queue: WorkQueue, run_id: str) -> int:
    return sum(1 for item in queue.items(run_id) if item.state in ("pending", "leased"))


def _work_under_chaos(
    ams: AmsHandle, queue: WorkQueue, run_id: str, hosts: list[WorkerHost], *, timeout: float
) -> tuple[Killer, list[Ended], float]:
    """Start the hosts, torment them until every item is worked, stop them: the killer, how
    every command ended and the wall time."""
    started = time.monotonic()
    for host in hosts:
        host.start()
    interval = chaos_size("KILL_SECONDS", 20, minimum=10)
    killer = Killer(hosts, interval=interval, stop_seconds=LEASE_SECONDS + 4)
    try:
        with SessionExpiry(ams, every=chaos_size("EXPIRY_SECONDS", 20)) as expiry, killer:
            wait_for(lambda: _open_items(queue, run_id) == 0, timeout, "every item worked")
        ended = [e for host in hosts for e in host.stop()]
    finally:
        for host in hosts:
            host.kill_all()
    assert not killer.errors and not expiry.errors, (killer.errors, expiry.errors)
    return killer, ended, time.monotonic() - started


def _finish_and_check(
    ams: AmsHandle, queue: WorkQueue, run_id: str, source: ChaosInput, finisher: CliEnv, ended: list[Ended]
) -> int:
    """Finish the run as an operator would and check everything; the rows held for a person."""
    for end in ended:  # every command still running at the end stopped cleanly on SIGTERM
        if end.returncode == -signal.SIGTERM and not end.stdout and not end.stderr:
            continue  # started by the killer a moment before: still importing, nothing said yet
        assert end.returncode == 0 and "Traceback" not in end.stderr, (
            end.host, end.stdout, end.stderr[-3000:]
        )
    items = queue.items(run_id)
    assert not [item for item in items if item.state in ("pending", "leased")]

    # AMS's own record so far: nothing foreign, nothing submitted twice
    filings = ams.filings()
    assert {f["account_no"] for f in filings} <= set(source.valid_accounts)
    _never_twice(filings)

    # rows whose worker was frozen (SIGSTOP) at 确认提交 and lost its lease are held for a person,
    # never submitted again by the bot: the operator looks in AMS (each at most once there) and
    # lets them go with `rpa runs retry`, which looks each up again before it files
    held = [item for item in items if item.state == "held"]
    assert all(item.last_error_code == "caught_mid_submit" for item in held), [
        (item.key, item.last_error_code, item.last_error_message) for item in held
    ]
    # the outputs, as an operator gets them on any host sharing the database: the retry (or a
    # resume when nothing is held) finishes the run and writes result.xlsx and report.html
    if held:
        ids = [arg for item in held for arg in ("--items", str(item.id))]
        finished = finisher.run("runs", "retry", run_id, *ids, timeout=600)
    else:
        finished = finisher.run("run", "account-filing", "--resume", run_id, timeout=600)
    assert finished.returncode == 1, finished.stdout + finished.stderr  # 1: the invalid rows
    assert "Traceback" not in finished.stderr
    assert not [item for item in queue.items(run_id) if item.state in ("pending", "leased", "held", "failed")]
    filings = ams.filings()
    filed = Counter(f["account_no"] for f in filings)
    assert set(filed) == set(source.valid_accounts), (
        sorted(set(source.valid_accounts) - set(filed))[:10],
        sorted(set(filed) - set(source.valid_accounts))[:10],
    )
    assert max(filed.values()) == 1
    _never_twice(filings)

    folder = Path(finisher.env["RPA_RUNS_DIR"]) / run_id  # the shared run store
    sheet = load_workbook(folder / "result.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] is not None]
    assert len(body) == source.rows
    statuses = Counter(str(r["状态"]) for r in body)
    print(f"[chaos] result.xlsx 状态: {dict(statuses)}")
    assert statuses["无效，未报备"] == len(source.invalid_accounts), statuses
    assert sum(statuses[s] for s in FILED) == len(source.valid_accounts), statuses
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count('<tr class="input-row"') == source.rows
    assert html.count('data-outcome="invalid"') == len(source.invalid_accounts)

    verified = finisher.run("audit", "verify", "--all", timeout=600)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return len(held)


def _report(record: Any, label: str, killer: Killer, wall: float, source: ChaosInput, faults: Any,
            held: int) -> None:
    line = (f"[chaos] {label}: {source.rows} rows ({len(source.valid_accounts)} valid) "
            f"worked in {wall:.0f} s; "
            f"{killer.summary()}; {held} rows held (frozen at 确认提交) and let go by rpa runs retry; "
            f"AMS faults {faults}")
    print(line)
    record("chaos", line)


@pytest.mark.postgres
@pytest.mark.timeout(PG_BUDGET + 600)
def test_two_hosts_two_workers_each_on_postgresql(
    faulty_ams: AmsHandle, chaos_fault_knobs: dict[str, Any], chaos_pg_url: str, tmp_path: Path,
    record_property: Any,
) -> None:
    ams = faulty_ams
    source = write_accounts(tmp_path / "accounts.xlsx", int(chaos_size("ACCOUNTS", 300)))
    store = tmp_path / "shared-store"  # the shared mount: the same path on every host

    def host_env(name: str, operators: range) -> CliEnv:
        return make_cli_env(tmp_path, RPA_DATABASE_URL=chaos_pg_url, RPA_RUNS_DIR=str(store),
                            RPA_HOST_ID=name, RPA_AMS_URL=ams.url,
                            RPA_AMS_OPERATORS=_operators(ams, operators), **CHAOS_ENV)

    office = host_env("office-pc", range(0, 1))
    run_id = run_id_from(office.run("run", "account-filing", "--input", str(source.path), "--enqueue-only",
                                    check_exit=0).stdout)
    queue = WorkQueue(chaos_pg_url)
    assert _open_items(queue, run_id) == len(queue.items(run_id)) > 0
    ams.set_faults(**chaos_fault_knobs)
    # three operators a host for two workers: a frozen worker's operator is not waited for
    hosts = [WorkerHost("robot-a", host_env("robot-a", range(0, 3)), commands=1, workers=2),
             WorkerHost("robot-b", host_env("robot-b", range(3, 6)), commands=1, workers=2)]
    killer, ended, wall = _work_under_chaos(ams, queue, run_id, hosts, timeout=PG_BUDGET)
    faults = ams.stats().get("faults", {})
    ams.set_faults()

    held = _finish_and_check(ams, queue, run_id, source, host_env("robot-c", range(0, 1)), ended)
    _report(record_property, "PostgreSQL, 2 hosts x 2 workers", killer, wall, source, faults, held)
    owners = {a.owner.split(":")[0] for item in queue.items(run_id) for a in queue.history(item.id)}
    # both hosts worked the run; robot-c only the held rows its `rpa runs retry` let go
    assert {"robot-a", "robot-b"} <= owners <= {"robot-a", "robot-b", "robot-c"}, owners
    assert killer.kills + killer.command_kills >= 1 and killer.stops >= 1, killer.summary()


@pytest.mark.timeout(SQLITE_BUDGET + 600)
def test_two_processes_on_one_host_on_sqlite(
    faulty_ams: AmsHandle, chaos_fault_knobs: dict[str, Any], tmp_path: Path, record_property: Any,
) -> None:
    ams = faulty_ams
    source = write_accounts(tmp_path / "accounts.xlsx", int(chaos_size("SQLITE_ACCOUNTS", 60)))
    cli = make_cli_env(tmp_path, RPA_HOST_ID="robot-s", RPA_AMS_URL=ams.url,
                       RPA_AMS_OPERATORS=_operators(ams, range(0, 4)), **CHAOS_ENV)
    run_id = run_id_from(cli.run("run", "account-filing", "--input", str(source.path), "--enqueue-only",
                                 check_exit=0).stdout)
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    assert _open_items(queue, run_id) == len(queue.items(run_id)) > 0
    ams.set_faults(**chaos_fault_knobs)
    # two `rpa worker` processes of one worker each, side by side on the one SQLite file
    hosts = [WorkerHost("robot-s", cli, commands=2, workers=1)]
    killer, ended, wall = _work_under_chaos(ams, queue, run_id, hosts, timeout=SQLITE_BUDGET)
    faults = ams.stats().get("faults", {})
    ams.set_faults()

    held = _finish_and_check(ams, queue, run_id, source, cli, ended)
    _report(record_property, "SQLite, 1 host x 2 processes", killer, wall, source, faults, held)
    assert killer.kills + killer.command_kills >= 1 and killer.stops >= 1, killer.summary()
