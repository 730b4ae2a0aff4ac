"""Alerts that must reach a person: a list of filings that names one not told before, rows
put aside as invalid, a reconciliation that finds something, and what must stay silent (a run
only enqueued, waiting for workers).

Account numbers and dates are written by hand here (DOMAIN.md: digits, 8-32 long)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from rpa.alerts.events import run_end_alerts
from rpa.alerts.kinds import AlertKind
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import make_cli_env
from tests.integration.alert_receivers import HttpReceiver, SmtpReceiver, write_alerts_yaml

FIRST_DUE = "6217003320005550001"
SECOND_DUE = "6217003320005550002"
LATE_DROP = "6217003320005550003"  # a T+0 export dropped after the due-hour alert went out
OVERDUE = "6217003320005550004"


def _plant(url: str, run_id: str, account: str, deadline: str, state: str = "pending") -> None:
    queue = WorkQueue(url)
    queue.create_schema()
    payload = {"record": {"account_no": account, "action": "open"}, "deadline": deadline}
    item = queue.enqueue("account-filing", run_id, f"open:{account}:{deadline}:x", payload)
    with queue._engine.begin() as conn:
        conn.execute(update(items).where(items.c.id == item.item_id).values(state=state))


@pytest.mark.timeout(120)
def test_a_list_of_filings_naming_one_not_told_goes_out_within_the_quiet_time(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=http.url)
    with alerts.open("a", encoding="utf-8") as handle:
        handle.write("due_hour: 15\ncalendar_from: '12-31'\nquiet_minutes: 240\n")
    cli = make_cli_env(tmp_path, RPA_ALERTS_FILE=str(alerts))
    cli.runs.mkdir(parents=True)
    url = f"sqlite:///{cli.runs / 'queue.db'}"
    _plant(url, "run-a", FIRST_DUE, "2026-12-03")
    _plant(url, "run-a", OVERDUE, "2026-12-01")
    cli.run("alerts", "check", "--at", "2026-12-03T15:10", check_exit=1)
    assert len(smtp.messages) == 2  # overdue, due today

    _plant(url, "run-b", SECOND_DUE, "2026-12-03")  # another run's filing, due today too
    second = cli.run("alerts", "check", "--at", "2026-12-03T16:00", check_exit=1)
    assert second.stdout.count("静默时间内已发送过") == 1  # the overdue one names nothing new
    assert len(smtp.messages) == 3
    told = smtp.bodies()[2]
    assert "今日到期的备案尚未完成" in told and "共 2 笔" in told
    assert "*0001（期限 2026-12-03）　运行 run-a　未完成" in told  # every filing on its own line
    assert "*0002（期限 2026-12-03）　运行 run-b　未完成" in told and SECOND_DUE not in told

    _plant(url, "run-c", LATE_DROP, "2026-12-03", state="held")
    cli.run("alerts", "check", "--at", "2026-12-03T17:30", check_exit=1)
    assert len(smtp.messages) == 4 and "共 3 笔" in smtp.bodies()[3]

    again = cli.run("alerts", "check", "--at", "2026-12-03T18:00", check_exit=1)  # nothing new
    assert again.stdout.count("静默时间内已发送过") == 2 and len(smtp.messages) == 4 and len(http.posts) == 4


INVALID_ACCOUNT = "6228480066660000123"


def _settings(tmp_path: Path, alerts: Path) -> Settings:
    """An AMS operator configured (never used: nothing here reaches AMS), since a run without any
    is refused before it reads its input."""
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                    alerts_file=alerts, ams_operators=[OperatorCredential(code="A10001", password="x")])


@pytest.mark.timeout(120)
def test_rows_invalid_and_not_filed_raise_an_alert_naming_how_many_and_the_run(
    tmp_path: Path, smtp: SmtpReceiver, http: HttpReceiver
) -> None:
    """A 基本 开户 of 2026-11-20 (T+0, long overdue) whose credit code has a wrong check character:
    nothing is queued, the row is 无效，未报备, and a person hears of it."""
    settings = _settings(tmp_path, write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port,
                                                     webhook_url=http.url))
    good = uscc("91110105MA03ABCD1")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    row = open_row(INVALID_ACCOUNT, "北京东城明远贸易有限公司", bad, "周敏", "2026-11-20")
    export = write_export(tmp_path / "bad_code.xlsx", [row])
    outcome = execute_run(settings, "account-filing", {"flow_params": {"input": str(export)}}, trigger="test")
    assert not outcome.counts.get("pending") and not outcome.counts.get("done")
    (body,) = smtp.bodies()
    assert "有输入行无效，未报备" in body and "1 行输入无效，未报备" in body
    assert f"运行编号：{outcome.run_id}" in body and len(http.posts) == 1
    assert INVALID_ACCOUNT not in body and bad not in body
    assert [a.kind for a in run_end_alerts(settings, outcome.run_id, outcome.folder)] == [
        AlertKind.ROWS_INVALID]
