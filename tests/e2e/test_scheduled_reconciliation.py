"""The shipped `account-reconciliation` job, fired by `rpa schedule trigger` against the mock AMS:
with no --input it reads the exports the drop folder took for account-filing runs.

An export taken for a filing run holds a basic account opened 14 days ago (T+0, so overdue
however the holidays fall) and one opened 30 days ago (before the job's {T-14} period); AMS holds
no filing: the first is 应报未报 and overdue, the second is not listed, and the job exits 1. The
same taken export changed afterwards makes the next fire exit 2 naming it, not report nothing due.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from rpa.schedule.drop import DropFolder
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import make_cli_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DUE, EARLIER = "6228480031270000015", "6228480031270000023"
FILING_RUN = "20261201-090000-account-filing-5e1c0a"  # the run the drop folder took the export for


def _run_id(stdout: str) -> str:
    """The run of `任务 <job>：运行 <run id>，退出码 N`."""
    return stdout.split("运行 ", 1)[1].split("，", 1)[0]


@pytest.mark.timeout(300)
def test_scheduled_fire_reads_taken_exports_exits_1_on_an_overdue_filing(ams: Any, tmp_path: Path) -> None:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the job's timezone; {T} is today
    calendar = WorkCalendar.load(PROJECT_ROOT / "calendar.yaml")
    day = today - timedelta(days=14)
    while not calendar.is_working_day(day):  # the period's first working day: its T+0 deadline is
        day += timedelta(days=1)  # itself (a Saturday's would be the Monday after)
    due_day, earlier_day = day.isoformat(), (today - timedelta(days=30)).isoformat()
    inbox = cli.runs / "inbox" / "account-filing"
    inbox.mkdir(parents=True)
    write_export(inbox / "core-export.xlsx", [
        open_row(DUE, "北京房山良乡建材有限公司", uscc("91110111MA01ABCD2"), "孙丽", due_day),
        open_row(EARLIER, "北京密云水库旅游有限公司", uscc("91110118MA01EFGH3"), "赵强", earlier_day),
    ])  # fmt: skip
    drop = DropFolder(f"sqlite:///{cli.runs / 'queue.db'}", patterns=("*.xlsx",))
    (taken,) = drop.take_new_files(inbox, inbox / "taken", run_id_for=lambda _path: FILING_RUN)
    assert taken.path == inbox / "taken" / f"{FILING_RUN}-core-export.xlsx"

    done = cli.run("schedule", "trigger", "account-reconciliation", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    run = cli.runs / _run_id(done.stdout)
    book = load_workbook(run / "reconciliation.xlsx")
    due = [(r[1], r[2], r[4], r[5]) for r in book["应报未报"].iter_rows(min_row=2, values_only=True)]
    assert due == [(DUE, due_day, due_day, "是")]  # deadline T+0, overdue; EARLIER is before the period
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert info["trigger"].startswith("schedule:account-reconciliation@")
    assert info["inputs_sha256"][str(taken.path)] == taken.sha256  # the export as taken, audited

    taken.path.write_bytes(taken.path.read_bytes() + b"\0")  # changed after it was taken
    changed = cli.run("schedule", "trigger", "account-reconciliation", timeout=240)
    assert changed.returncode == 2, changed.stdout + changed.stderr
    said = changed.stdout + changed.stderr
    assert f"{FILING_RUN}-core-export.xlsx" in said and "被改动" in said and "Traceback" not in said
