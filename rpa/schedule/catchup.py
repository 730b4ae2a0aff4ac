"""Missed fires, found in the fire table at start.

For each job, the fire times between the newest one on record (or, for a job never run, the
moment a scheduler first saw it: a new database has no misses from before the scheduler
existed) and now were missed: the machine was off or the scheduler stopped. The
newest of them, if still within the job's misfire grace, runs once, and the others within the
grace are merged into it (backfilled: its run does their work); every older one is recorded as
missed (listed by `rpa schedule list` under 错过, and told as needing a person), never run late.
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
        merged = planned in within
        # a merged fire is the catch-up's work, not a miss (tester X: listed as 错过); a job that
        # backfills takes it in as its other misses, by date, when the catch-up run starts
        outcome = FireOutcome.BACKFILLED if merged and not job.backfill_param else FireOutcome.MISSED
        note = f"并入 {shown(to_run[0])} 的那次补跑" if merged else "当时调度没有运行"
        if runner.fires.record(job.id, planned, outcome, source="catch_up", note=note):
            logger.warning(f"任务 {job.id}：{shown(planned)} 的这次{note if merged else '错过：' + note}")
            record = runner.fires.get(job.id, planned)
            touched += [record] if record is not None else []
            if record is not None and not merged:
                runner.attention(record, f"错过：{note}")
    for planned in to_run:
        _, record = runner.run_fire(job, planned, source="catch_up")
        if record is not None:
            touched.append(record)
    return touched
