"""A scheduled filing refused for a configuration problem, for real: with no AMS operator the run
is refused before it queues a row (exit 2), its export goes back to the drop folder, and once the
operators are configured the next fire takes it again and files both accounts once. A damaged
file dropped beside it is refused the same way, put back, and does not stop the good one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.account_filing.records import FilingRecord
from rpa.cli.schedule_commands import _scheduler
from rpa.schedule.scheduler import FireOutcome
from tests.e2e.test_account_filing_run import filing_settings
from tests.e2e.test_schedule_refused_login import SCHEDULE  # the same one-job schedule
from tests.integration.alert_receivers import HttpReceiver
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.timeout(300)
def test_an_export_refused_for_missing_operators_is_filed_by_the_next_fire(
    ams: AmsHandle, tmp_path: Path, http: HttpReceiver
) -> None:
    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(f"webhook:\n  url: {http.url}\n  format: fields\n", encoding="utf-8")
    right = filing_settings(tmp_path, ams, 1, schedules_file=schedules, ams_service_window="always",
                            alerts_file=alerts)
    none = right.model_copy(update={"ams_operators": []})
    inbox = right.runs_dir / "inbox"
    inbox.mkdir(parents=True)
    records = [FilingRecord.model_validate(basic_record(f"4401202608{n:02d}", serial=90 + n)).model_dump()
               for n in (1, 2)]
    write_export(inbox / "exportJ.xlsx", records)

    bot = _scheduler(none)
    job = bot.schedules.job("filing")
    first = datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    outcome, refused = bot.runner.run_fire(job, first, source="schedule")
    assert outcome == FireOutcome.ERROR and refused is not None and refused.exit_code == 2, refused
    assert "exportJ.xlsx 没有报备任何一行，已放回投放文件夹" in (refused.note or "")
    assert (inbox / "exportJ.xlsx").exists()  # back where it was dropped, not lost in taken/
    assert not list((inbox / "taken").glob("*exportJ.xlsx"))
    (told,) = _alerts(http)  # the fire's alert alone, not the run's refusal besides
    assert "定时任务需要处理" in told and "exportJ.xlsx 没有报备任何一行，已放回投放文件夹" in told, told

    (inbox / "bad.xlsx").write_bytes(bytes(range(256)) * 12)  # not a workbook

    fixed = _scheduler(right)  # the operators are configured; the daemon restarts with them
    outcome, filed = fixed.runner.run_fire(job, first.replace(minute=30), source="schedule")
    assert outcome == FireOutcome.ERROR and filed is not None, filed  # the damaged file's refusal
    assert "bad.xlsx 没有报备任何一行，已放回投放文件夹" in (filed.note or "")
    # the fire is 启动失败 for the damaged file, and its note says the other run filed everything
    assert "：全部完成" in (filed.note or "") and "：启动失败（" in (filed.note or ""), filed.note
    assert sorted(f["account_no"] for f in ams.filings()) == ["440120260801", "440120260802"]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["bad.xlsx"]
    assert len(list((inbox / "taken").glob("*exportJ.xlsx"))) == 1
    bad_told = _alerts(http)[1:]
    assert len(bad_told) == 1 and "bad.xlsx" in bad_told[0], bad_told
    assert filed.run_id is not None and f"{filed.run_id}-bad.xlsx" not in bad_told[0]  # the copy is gone

    # the same file refused the same way at every fire is told once within the quiet time
    outcome, again = fixed.runner.run_fire(job, first.replace(hour=10), source="schedule")
    assert outcome == FireOutcome.ERROR and again is not None and "bad.xlsx" in (again.note or "")
    assert len(_alerts(http)) == 2, _alerts(http)


def _alerts(http: HttpReceiver) -> list[str]:
    return [json.dumps(post["json"], ensure_ascii=False) for post in http.posts]
