"""A run given rows another run holds: done by it, left to it while it lives, taken over from it
once it is gone. The exit code is 0 only when every row the run was given is done by someone.

Before, a second run given the same export logged "already taken by an earlier run" at INFO and
exited 0 having done nothing, whether the first run had filed the rows, was filing them, or had
died with them unfiled.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.flow import AccountFilingFlow
from flows.account_filing.records import FilingRecord
from rpa.audit.log import AuditLog
from rpa.console.run_pages import item_rows
from rpa.queue.work_queue import WorkQueue
from rpa.run.elsewhere import rows_elsewhere
from rpa.run.orchestrate import execute_run, open_run
from rpa.run.owners import RunOwners
from rpa.settings import Settings
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser
FLOW = "account-filing"
ACCOUNTS = ["510120260801", "510120260802", "510120260803"]


def _export(tmp_path: Path) -> Path:
    records = [FilingRecord.model_validate(basic_record(account, serial=80 + n)).model_dump()
               for n, account in enumerate(ACCOUNTS)]
    return write_export(tmp_path / "accounts.xlsx", records)


def _params(export: Path) -> dict[str, Any]:
    return {"flow_params": {"input": str(export), "today": REFERENCE_DAY}}


def _prepared_only(settings: Settings, export: Path) -> str:
    """A run that enqueued the rows and never worked them (its workers never came)."""
    ctx = open_run(settings, FLOW, _params(export), trigger="cli")
    AccountFilingFlow(input=str(export), today=REFERENCE_DAY).prepare(ctx)
    return ctx.run_id


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def _events(settings: Settings, run_id: str, name: str) -> list[Any]:
    return [e for e in AuditLog.from_settings(settings).events(run_id) if e.event == name]


@pytest.mark.timeout(240)
def test_a_second_run_after_the_first_finished_reports_its_filings_and_exits_0(
    ams: AmsHandle, tmp_path: Path
) -> None:
    export = _export(tmp_path)
    settings = filing_settings(tmp_path, ams, 1)
    first = execute_run(settings, FLOW, _params(export), workers=1)
    assert first.exit_code == 0, first

    second = execute_run(settings, FLOW, _params(export), workers=1)
    assert second.exit_code == 0, second
    assert len(ams.submissions()) == 3
    result = read_result(second.folder / "result.xlsx")
    rows = result.values()
    assert {row["说明"].split("；")[0] for row in rows} == {f"已由运行 {first.run_id} 办结"}
    assert {row["状态"] for row in rows} == {"已报备"} and {row["处理批次"] for row in rows} == {first.run_id}
    # said where the terminal shows it, a warning (tester AH: only 有事项需要处理 was said)
    log = (second.folder / "run.log").read_text("utf-8")
    said = [line for line in log.splitlines() if "不再报备" in line]
    assert len(said) == 1 and "WARNING" in said[0] and f"3 行已由运行 {first.run_id} 办结" in said[0], said
    for row in rows:  # tester Q's Q8: the receipt is named from this run's folder, in the first's
        assert str(row["证据文件"]).startswith(f"../{first.run_id}/evidence/"), row["证据文件"]
        assert (second.folder / str(row["证据文件"])).is_file(), row["证据文件"]
    html = (second.folder / "report.html").read_text(encoding="utf-8")
    assert f"截图见运行 {first.run_id}" in html and f"../{first.run_id}/../" not in html
    # counted somewhere: the tiles count this run's items, run.json and report.html the rest
    # (tester BJ F7, 2026-12-07: the counts added up to 33 of 34 rows)
    assert "另有 3 行由其他运行的事项办理" in html
    assert json.loads((second.folder / "run.json").read_text("utf-8"))["elsewhere"] == 3
    shown = make_cli_env(tmp_path).run("runs", "show", second.run_id).stdout
    assert "其他运行办理：3 行（不在计数中；见 result.xlsx）" in shown, shown
    # tester S's S4: the console's 任务详情 listed none of these rows (no items of the second run)
    audit, queue = AuditLog.from_settings(settings), WorkQueue.from_settings(settings)
    shown = item_rows(AccountFilingFlow(input=str(export)), queue.items(second.run_id), (),
                      rows_elsewhere(audit, queue, second.run_id))
    assert [(row["place"].split()[-2], row["outcome"], row["note"], row["id"]) for row in shown] == [
        (str(number), "已报备", f"已由运行 {first.run_id} 办结", "") for number in sorted(result)], shown
    assert all(row["filing_no"] for row in shown), shown


@pytest.mark.timeout(240)
def test_a_run_takes_over_the_rows_of_a_run_whose_process_is_gone(ams: AmsHandle, tmp_path: Path) -> None:
    export = _export(tmp_path)
    settings = filing_settings(tmp_path, ams, 1)
    dead = _prepared_only(settings, export)
    RunOwners.from_settings(settings).mark_running(dead, pid=_gone_pid())  # its host died
    # one of its rows was in a worker's hands when it died: leased, the lease since run out
    from rpa.queue.work_queue import WorkQueue

    queue = WorkQueue.from_settings(settings)
    assert queue.claim(run_id=dead, owner="robot-2:4711:w0", lease_seconds=0.01) is not None

    second = execute_run(settings, FLOW, _params(export), workers=1)

    assert second.exit_code == 0, second
    assert sorted(f["account_no"] for f in ams.filings()) == ACCOUNTS
    assert max(f["submitted"] for f in ams.filings()) == 1
    assert not queue.items(dead) and len(queue.items(second.run_id)) == 3  # re-parented
    assert len(_events(settings, dead, "item.taken_over")) == 3  # in the chain of the run gone
    assert {e.details["from_run"] for e in _events(settings, second.run_id, "item.taken_over")} == {dead}
    rows = read_result(second.folder / "result.xlsx").values()
    assert {row["状态"] for row in rows} == {"已报备"}
    assert {row["处理批次"] for row in rows} == {second.run_id}


@pytest.mark.timeout(240)
def test_rows_a_gone_run_s_workers_still_hold_name_the_command_that_finishes_them(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """Tester Q's Q2: right after a kill -9 of a run's own process its workers may still hold
    rows (claimed ahead, never started) until their leases run out. A re-run said those rows
    were being worked (办理中（进程已不在）) and exited 1 without a word on what finishes them:
    it now names the resume of the gone run, which files them once the leases have run out."""
    from rpa.queue.work_queue import WorkQueue

    export = _export(tmp_path)
    settings = filing_settings(tmp_path, ams, 1)
    dead = _prepared_only(settings, export)
    RunOwners.from_settings(settings).mark_running(dead, pid=_gone_pid())  # killed
    queue = WorkQueue.from_settings(settings)
    held = queue.claim(run_id=dead, owner="robot-1:4711:w0", lease_seconds=6.0)  # its orphan worker's
    assert held is not None

    second = execute_run(settings, FLOW, _params(export), workers=1)

    assert second.exit_code == 1, second
    advice = f"请用 rpa run {FLOW} --resume {dead} 续跑该运行"
    assert advice in (second.folder / "run.log").read_text(encoding="utf-8")
    notes = {row["说明"] for row in read_result(second.folder / "result.xlsx").values()}
    assert f"由运行 {dead} 的工作进程领取，租约未到期（该运行进程已不在）：{advice}办完此行" in notes, notes
    assert len(ams.filings()) == 2
    lease = queue.get(held.id).lease_expires_at
    assert lease is not None
    time.sleep(max(0.0, (lease - datetime.now(UTC)).total_seconds()) + 0.5)
    resumed = execute_run(settings, FLOW, {}, workers=1, resume=dead)
    assert queue.get(held.id).state == "done", resumed
    assert sorted(f["account_no"] for f in ams.filings()) == ACCOUNTS
    assert max(f["submitted"] for f in ams.filings()) == 1


@pytest.mark.timeout(240)
def test_a_run_leaves_rows_to_a_live_run_and_does_not_exit_0(ams: AmsHandle, tmp_path: Path) -> None:
    export = _export(tmp_path)
    settings = filing_settings(tmp_path, ams, 1)
    alive = _prepared_only(settings, export)  # marked running by this (live) test process
    RunOwners.from_settings(settings).mark_running(alive)

    operators = f'[{{"code": "{ams.operators[0][0]}", "password": "{ams.operators[0][1]}"}}]'
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)
    done = cli.run("run", FLOW, "--input", str(export), "--workers", "1")

    assert done.returncode == 1, done.stderr
    assert f"3 行由运行 {alive} 办理中（运行中）" in done.stderr  # on the terminal
    assert "全部完成" not in done.stdout
    assert ams.submissions() == []  # the live run's rows are its own
    rows = read_result(cli.runs / run_id_from(done.stdout) / "result.xlsx").values()
    assert {row["状态"] for row in rows} == {"他批次办理中"}
    assert {row["说明"] for row in rows} == {f"由运行 {alive} 办理中（运行中）"}


@pytest.mark.timeout(240)
def test_a_row_of_an_account_another_run_files_now_is_held(ams: AmsHandle, tmp_path: Path) -> None:
    settings = filing_settings(tmp_path, ams, 1)
    first_export = _export(tmp_path)
    alive = _prepared_only(settings, first_export)
    RunOwners.from_settings(settings).mark_running(alive)
    from rpa.queue.work_queue import WorkQueue

    queue = WorkQueue.from_settings(settings)
    in_hand = queue.claim(run_id=alive, owner="robot-2:4711:w0", lease_seconds=600)  # being filed
    assert in_hand is not None
    account = in_hand.payload["record"]["account_no"]

    # a corrected export: the same account's row with another registered address (another key)
    corrected = FilingRecord.model_validate(
        basic_record(account, serial=80 + ACCOUNTS.index(account), registered_address="北京市海淀区学院路2号")
    ).model_dump()
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    second = execute_run(settings, FLOW, _params(write_export(second_dir / "accounts.xlsx", [corrected])),
                         workers=1)

    assert second.exit_code == 1, second
    assert ams.submissions() == []
    (row,) = read_result(second.folder / "result.xlsx").values()
    assert row["状态"] == "需人工处理"
    assert f"该账户正由运行 {alive} 办理" in row["说明"] and f"rpa runs retry {second.run_id}" in row["说明"]
