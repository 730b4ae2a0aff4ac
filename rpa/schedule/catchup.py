"""Missed fires, found in the fire table at start.

For each job, the fire times between the newest one on record (or, for a job never run, the
moment a scheduler first saw it: a new database has no misses from before the scheduler
existed) and now were missed: the machine was off or the scheduler stopped. The
newest of them, if still within the job's misfire grace, runs once; every other one is recorded
as missed (and so listed by `rpa schedule list`), never run late.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from loguru import logger

from rpa.schedule.fires import FireOutcome, FireRecord
from rpa.schedule.models import JobSpec
from rpa.schedule.runner import FireRunner
from rpa.schedule.shown import shown

LOOKBACK = timedelta(days=31)  # older gaps are not listed fire by fire
MAX_LISTED = 500

FireTimes = Callable[[datetime, datetime], list[datetime]]  # (after, up to and including) -> times


def catch_up_job(
    runner: FireRunner, job: JobSpec, fire_times: FireTimes, now: datetime, *,
    first_seen: datetime | None = None,
) -> list[FireRecord]:
    """Resume the job's interrupted runs, then run or record its missed fires; returns the rows."""
    touched = runner.resume(job)
    grace = timedelta(seconds=job.misfire_grace_seconds)
    since = max(runner.fires.latest_planned(job.id) or first_seen or now - grace, now - LOOKBACK)
    due = fire_times(since, now)[-MAX_LISTED:]
    within = [t for t in due if now - t <= grace]
    to_run = within[-1:]
    for planned in due:
        if planned in to_run:
            continue
        note = (f"并入 {shown(to_run[0])} 的那次" if planned in within
                else "错过：当时调度没有运行")
        if runner.fires.record(job.id, planned, FireOutcome.MISSED, source="catch_up", note=note):
            logger.warning(f"任务 {job.id}：{shown(planned)} 的这次{note}")
            record = runner.fires.get(job.id, planned)
            touched += [record] if record is not None else []
            if record is not None and planned not in within:
                runner.attention(record, note)
    for planned in to_run:
        _, record = runner.run_fire(job, planned, source="catch_up")
        if record is not None:
            touched.append(record)
    return touched
