"""A job paused by a person (the console's 调度 page) is not run by the scheduler: each of its due
fires is recorded as 跳过：已暂停 with who paused it, until it is resumed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rpa.outcomes import fire_label
from rpa.schedule.pauses import JobPauses
from rpa.schedule.scheduler import RUN_ID_PARAM, BotScheduler, FireOutcome, JobSpec, LaunchResult
from rpa.workdays import WorkCalendar
from tests.integration.test_scheduler import CALENDAR_FILE, schedules_of, wait_until


@pytest.mark.timeout(60)
def test_a_paused_job_is_skipped_and_recorded_until_resumed(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'fires.db'}"
    launched: list[datetime] = []

    def launcher(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        launched.append(planned)
        return LaunchResult(run_id=params[RUN_ID_PARAM], exit_code=0)

    pauses = JobPauses(db_url)
    assert pauses.pause("every-second", by="admin01") is True
    assert pauses.pause("every-second", by="admin02") is False  # paused once, by the first
    bot = BotScheduler(schedules_of({"id": "every-second", "cron": {"second": "*"}}),
                       db_url=db_url, calendar=WorkCalendar.load(CALENDAR_FILE), launcher=launcher)
    bot.start()
    try:
        def of(outcome: FireOutcome) -> list[Any]:
            return [f for f in bot.fires.last_fires("every-second", 50) if f.outcome == outcome]

        assert wait_until(lambda: len(of(FireOutcome.SKIPPED_PAUSED)) >= 2)
        assert launched == []
        skipped = of(FireOutcome.SKIPPED_PAUSED)[0]
        assert skipped.note == "由 admin01 暂停"
        assert fire_label(skipped.outcome) == "跳过：已暂停"
        assert pauses.resume("every-second") is True
        assert wait_until(lambda: len(launched) >= 1)
    finally:
        bot.shutdown(wait=True)
    assert pauses.paused() == {}
