"""The last checks before 确认提交, with real workers, Chromium and the mock AMS.

A worker frozen (SIGSTOP) while AMS answers its 信息核对, until its lease is gone and the other
worker has filed the row, wakes up (SIGCONT) and drops the row: AMS holds the change once.
A run started by hand with a service window that closes mid-run submits nothing after the
close, stops with exit 3 and says so; `--resume` later files the rest, each row once.
Rows whose worker lost its lease after the check are settled by the look-up (found: already
filed) or held for a person (not found), never submitted again by the bot.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fixtures.inputs.make_accounts import write_bulk_xlsx
from flows.account_filing.records import FilingRecord
from rpa.queue.work_queue import Outcome, WorkQueue
from rpa.run.orchestrate import execute_run
from tests.e2e.cli_helpers import RPA, CliEnv, make_cli_env, run_id_from
from tests.e2e.processes import wait_for
from tests.e2e.test_account_filing_run import filing_settings, read_result
from tests.integration.ams_helpers import BANK_A, BANK_B, basic_record, write_export
from tests.plugins.portals import AmsHandle

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
CHANGE_CHECK = "/ams/acctChangeCheck.do"
BASIC_PERMIT = "J1031000000207"
ACCOUNT = "110020261605"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _cli(tmp_path: Path, ams: AmsHandle, workers: int, **extra: str) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:workers]])
    return make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators, **extra)


def _start(cli: CliEnv, *args: str) -> subprocess.Popen[bytes]:
    logs = cli.runs.parent / "logs"
    logs.mkdir(exist_ok=True)
    with open(logs / "run.out", "wb") as out, open(logs / "run.err", "wb") as err:
        return subprocess.Popen([*RPA, "run", "account-filing", *args], env=cli.env, stdout=out,
                                stderr=err, cwd=ROOT)  # fmt: skip


def _only_run(cli: CliEnv) -> str:
    (run_id,) = [p.name for p in cli.runs.iterdir() if (p / "run.json").exists()]
    return run_id


def _seed_general_account(ams: AmsHandle) -> dict[str, Any]:
    """A general account AMS holds as opened (its basic account at another bank); returns the
    canonical change of its 注册地址 that the test files."""
    general: dict[str, Any] = {
        "account_kind": "general", "basic_account_permit": BASIC_PERMIT, "bank_code": BANK_A,
    }  # fmt: skip
    basic = basic_record("020020261605", bank_code=BANK_B, basic_account_permit=BASIC_PERMIT)
    opened = basic_record(ACCOUNT, day="2026-11-20", **general)
    ams.seed([
        {**basic, "business_date": "2018-03-05", "filing_no": "AMS2018030500007"},
        {**opened, "filing_no": "AMS2026112000042"},
    ])  # fmt: skip
    return basic_record(
        ACCOUNT, day="2026-11-27", action="change", change_items="注册地址",
        registered_address="上海市浦东新区世纪大道100号", **general,
    )  # fmt: skip


@pytest.mark.timeout(240)
def test_a_worker_frozen_past_its_lease_wakes_and_does_not_file_again(ams: AmsHandle, tmp_path: Path) -> None:
    change = _seed_general_account(ams)
    source = write_export(tmp_path / "accounts.xlsx", [FilingRecord.model_validate(change).model_dump()])
    ams.set_faults(latency_ms=4000, latency_paths=[CHANGE_CHECK])  # 信息核对 takes its time
    cli = _cli(tmp_path, ams, 2, RPA_LEASE_SECONDS="3", RPA_HEARTBEAT_SECONDS="1")
    process = _start(cli, "--input", str(source), "--workers", "2")
    frozen: int | None = None
    try:
        wait_for(lambda: ams.stats()["requests"].get(CHANGE_CHECK, 0) >= 1, 120, "a worker's 信息核对")
        run_id = _only_run(cli)
        queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
        (item,) = queue.items(run_id)
        assert item.state == "leased" and item.lease_owner is not None
        first_owner = item.lease_owner
        frozen = int(first_owner.split(":")[-2])
        os.kill(frozen, signal.SIGSTOP)  # between 信息核对 and 确认提交
        # its lease runs out; the other worker takes the row over, looks up and files it
        filed = lambda: any(f["action"] == "change" for f in ams.filings())  # noqa: E731
        wait_for(filed, 120, "the other worker's filing")
        wait_for(lambda: queue.get(item.id).state == "done", 30, "the row done")
        assert ams.stats()["requests"][CHANGE_CHECK] == 2  # both workers reached 信息核对
        os.kill(frozen, signal.SIGCONT)
        frozen = None
        assert process.wait(timeout=120) == 0
    finally:
        if frozen is not None:
            os.kill(frozen, signal.SIGCONT)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)

    changes = [f for f in ams.filings() if f["action"] == "change"]
    assert len(changes) == 1 and changes[0]["submitted"] == 1, changes  # filed once
    assert [s["action"] for s in ams.submissions()] == ["change"]
    done = queue.get(item.id)
    assert done.state == "done" and done.result is not None
    assert done.result["filing_no"] == changes[0]["filing_no"]
    history = [(a.owner, a.outcome) for a in queue.history(item.id)]
    assert history[0] == (first_owner, Outcome.LEASE_EXPIRED) and history[1][1] == Outcome.DONE
    assert history[1][0] != first_owner and len(history) == 2
    log = (cli.runs / run_id / "run.log").read_text(encoding="utf-8")
    assert "未提交即放弃" in log  # the woken worker reached 确认提交 and stopped there


@pytest.mark.timeout(420)
def test_a_window_closing_mid_run_stops_submitting_and_resume_files_the_rest(
    ams: AmsHandle, tmp_path: Path
) -> None:
    rows = 12
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, rows)
    # at least 6 s a row whatever the machine (working ahead overlaps a row's 信息核对 with the
    # row before, so the latency, not the machine, sets the pace): 12 rows outlast the window
    ams.set_faults(latency_ms=6000, latency_paths=["/ams/acct*Check.do"])
    now = datetime.now(SHANGHAI)
    closes = now + timedelta(seconds=25)
    if closes.date() != now.date():
        pytest.skip("the window would cross midnight")
    opened = max(now - timedelta(minutes=5), now.replace(hour=0, minute=0, second=0))
    window = f"{opened:%H:%M:%S}-{closes:%H:%M:%S}"
    cli = _cli(tmp_path, ams, 1, RPA_AMS_SERVICE_WINDOW=window, RPA_AMS_SERVICE_DAYS="every_day")

    stopped = cli.run("run", "account-filing", "--input", str(source), "--workers", "1", timeout=240)

    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert "服务时间" in stopped.stdout and "--resume" in stopped.stdout, stopped.stdout
    submitted = ams.submissions()
    assert len(submitted) < rows
    assert all(datetime.fromisoformat(s["at"]) < closes + timedelta(seconds=1) for s in submitted), (
        closes, [s["at"] for s in submitted])  # fmt: skip
    run_id = run_id_from(stopped.stdout)
    counts = json.loads((cli.runs / run_id / "run.json").read_text(encoding="utf-8"))["counts"]
    assert counts["pending"] == rows - len(submitted) and counts["done"] == len(submitted), counts

    cli.env["RPA_AMS_SERVICE_WINDOW"] = "always"
    ams.set_faults()
    resumed = cli.run("run", "account-filing", "--resume", run_id, "--workers", "1", timeout=240)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    per_row = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert len(per_row) == rows and set(per_row.values()) == {1}
    assert all(f["submitted"] == 1 for f in ams.filings())


@pytest.mark.timeout(300)
def test_a_row_caught_mid_submit_is_settled_by_the_look_up_or_held_for_a_person(
    ams: AmsHandle, tmp_path: Path
) -> None:
    unfiled = basic_record("110020261611", serial=61, day="2026-11-26")
    filed = basic_record("110020261612", serial=62, day="2026-11-26")
    ams.seed([{**filed, "filing_no": "AMS2026112600061"}])  # its frozen worker's 确认提交 went through
    records = [FilingRecord.model_validate(r).model_dump() for r in (unfiled, filed)]
    source = write_export(tmp_path / "accounts.xlsx", records)
    params = {"flow_params": {"input": str(source), "today": "2026-11-27"}}
    # a window closed all day long but its first second: the run stops at the first 确认提交
    closed = filing_settings(
        tmp_path, ams, 1, ams_service_window="00:00:00-00:00:01", ams_service_days="every_day"
    )
    first = execute_run(closed, "account-filing", params, workers=1)
    assert first.exit_code == 3 and first.stop_reason and "服务时间" in first.stop_reason, first
    assert ams.submissions() == []

    # two workers froze just after their check before 确认提交 and lost their leases there
    queue = WorkQueue(closed.database_url_resolved)
    for item in queue.items(first.run_id):
        assert item.state == "pending" and item.attempts == 0  # given back uncounted
        taken = queue.claim(run_id=first.run_id, owner=f"frozen:{item.id}:w9", lease_seconds=60)
        assert taken is not None and queue.begin_submit(taken.id, taken.lease_owner or "", taken.fence)
        queue.heartbeat(taken.id, taken.lease_owner or "", -1)

    anytime = closed.model_copy(update={"ams_service_window": "always"})
    resumed = execute_run(anytime, "account-filing", params, resume=first.run_id, workers=1)
    assert resumed.exit_code == 1, resumed
    assert ams.submissions() == []  # neither row submitted again
    rows = {str(r["账号"]): r for r in read_result(resumed.folder / "result.xlsx").values()}
    assert rows["110020261612"]["状态"] == "此前已报备"
    assert rows["110020261612"]["备案编号"] == "AMS2026112600061"
    assert rows["110020261611"]["状态"] == "需人工处理"
    assert "失去了租约" in str(rows["110020261611"]["说明"])
    held = next(i for i in queue.items(first.run_id) if i.state == "held")
    assert held.last_error_code == "caught_mid_submit"

    # a person checked AMS and released it: filed once
    queue.release(held.id)
    again = execute_run(anytime, "account-filing", params, resume=first.run_id, workers=1)
    assert again.exit_code == 0, again
    assert [(s["account_no"], s["outcome"]) for s in ams.submissions()] == [("110020261611", "filed")]
