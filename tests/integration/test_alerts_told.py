"""Alerts that must reach a person: a list of filings that names one not told before, rows
put aside as invalid, a reconciliation that finds something, and what must stay silent (a run
only enqueued, waiting for workers).

Account numbers and dates are written by hand here (DOMAIN.md: digits, 8-32 long)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from rpa.alerts.events import run_end_alerts
from rpa.alerts.kinds import AlertKind
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.settings import Settings
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
    assert "今日到期的备案尚未完成" in told and "共 2 笔" in told and "run-a、run-b" in told
    assert "*0002（期限" in told and SECOND_DUE not in told

    _plant(url, "run-c", LATE_DROP, "2026-12-03", state="held")
    cli.run("alerts", "check", "--at", "2026-12-03T17:30", check_exit=1)
    assert len(smtp.messages) == 4 and "共 3 笔" in smtp.bodies()[3]

    again = cli.run("alerts", "check", "--at", "2026-12-03T18:00", check_exit=1)  # nothing new
    assert again.stdout.count("静默时间内已发送过") == 2 and len(smtp.messages) == 4 and len(http.posts) == 4
