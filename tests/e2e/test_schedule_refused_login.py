"""A scheduled filing stopped by a refused login, for real: the mock AMS refuses the operator, the
fire stays stopped (its export already in taken/), later fires are held, and once a person has
corrected the password and cleared the refusal (`rpa operators clear`) the scheduler resumes the
same run with the same export and files every account once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.account_filing.records import FilingRecord
from rpa.cli.schedule_commands import _scheduler
from rpa.schedule.attention import CauseState
from rpa.schedule.scheduler import FireOutcome
from rpa.settings import OperatorCredential
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEDULE = f"""
timezone: Asia/Shanghai
jobs:
  - id: filing
    flow: account-filing
    params: {{today: "{REFERENCE_DAY}"}}
    cron: {{minute: "0,30"}}
    calendar: every_day
    drop_folder: {{path: inbox, settle_seconds: 0}}
"""


@pytest.mark.timeout(300)
def test_a_fire_stopped_by_a_refused_login_is_resumed_once_the_operator_is_cleared(
    ams: AmsHandle, tmp_path: Path
) -> None:
    code, _password = ams.operators[0]  # `right` logs in with it
    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    right = filing_settings(tmp_path, ams, 1, schedules_file=schedules, ams_service_window="always")
    wrong = right.model_copy(update={"ams_operators": [OperatorCredential(code=code, password="Wrong-123")]})
    inbox = right.runs_dir / "inbox"
    inbox.mkdir(parents=True)
    records = [FilingRecord.model_validate(basic_record(f"4401202607{n:02d}", serial=80 + n)).model_dump()
               for n in (1, 2)]
    write_export(inbox / "accounts-1127.xlsx", records)

    bot = _scheduler(wrong)
    job = bot.schedules.job("filing")
    first = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    outcome, stopped = bot.runner.run_fire(job, first, source="schedule")
    assert outcome == FireOutcome.STOPPED and stopped is not None and stopped.run_id
    assert stopped.stop_code in ("login_refused", "operators_refused"), stopped
    (taken,) = (inbox / "taken").iterdir()
    assert taken.name == f"{stopped.run_id}-accounts-1127.xlsx"
    assert bot.causes(stopped) is CauseState.WAITING
    assert bot.runner.run_fire(job, first.replace(minute=30), source="schedule")[0] == FireOutcome.HELD
    assert f"需要处理：编号 {stopped.id}" in bot.overview_text()

    # a person corrects the password (the daemon restarts with it) and clears the refusal
    cli = make_cli_env(tmp_path)
    assert "已解除" in cli.run("operators", "clear", code, check_exit=0).stdout
    fixed = _scheduler(right)
    assert fixed.causes(stopped) is CauseState.CLEARED
    fixed.caretaker.look_after(lambda job_id: fixed.caretaker.resume_job(fixed.schedules.job(job_id)))
    resumed = fixed.fires.get("filing", first)
    assert resumed is not None and resumed.outcome == FireOutcome.OK, resumed
    assert resumed.run_id == stopped.run_id  # the same run, with the export it had taken
    assert sorted(f["account_no"] for f in ams.filings()) == ["440120260701", "440120260702"]
    assert ams.stats()["login_failures"] == {"密码错误": 1}
    assert "需要处理：编号" not in fixed.overview_text()
