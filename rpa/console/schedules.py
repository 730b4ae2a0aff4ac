"""The console's view of schedules.yaml: every job with its next fires, last outcomes and whether a
person paused it; a trigger starts `rpa schedule trigger JOB` as a process of its own (the run
goes on after the page answers, through the same fire table as the command)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rpa.errors import RpaError
from rpa.outcomes import fire_label
from rpa.schedule.pauses import JobPauses, Pause
from rpa.schedule.runner import LaunchResult
from rpa.schedule.scheduler import BotScheduler, JobSpec
from rpa.schedule.triggers import load_schedules
from rpa.workdays import WorkCalendar

if TYPE_CHECKING:
    from rpa.settings import Settings


@dataclass(frozen=True)
class JobRow:
    id: str
    flow: str
    description: str
    enabled: bool
    next_fires: list[str]
    last: list[str]
    paused: Pause | None


def _no_launch(job: JobSpec, planned: datetime, params: dict[str, object]) -> LaunchResult:
    raise RuntimeError("the console's scheduler only reads; runs start as processes of their own")


def job_rows(settings: Settings, count: int = 3) -> tuple[list[JobRow], str | None]:
    """Every job as the 调度 page shows it, or an empty list and the Chinese reason the schedules
    or the calendar cannot be read (never an empty page that looks like no jobs)."""
    try:
        schedules = load_schedules(settings.schedules_file, ams_service_window=settings.ams_service_window)
        calendar = WorkCalendar.load(settings.calendar_file)
    except RpaError as exc:
        return [], str(exc)
    scheduler = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar,
                             launcher=_no_launch, runs_dir=settings.runs_dir)
    paused = JobPauses(settings.database_url_resolved).paused()
    rows = []
    for view in scheduler.describe(count):
        job = view.job

        def local(moment: datetime, job: JobSpec = job) -> str:
            return f"{moment.astimezone(job.zone):%Y-%m-%d %H:%M}"

        rows.append(JobRow(
            id=job.id, flow=job.flow, description=job.description, enabled=job.enabled,
            next_fires=[local(t) + ("（估计）" if estimated else "") for t, estimated in view.next_fires],
            last=[f"{local(f.planned_at)} {fire_label(f.outcome)}" + (f"（{f.note}）" if f.note else "")
                  for f in view.last_fires],
            paused=paused.get(job.id),
        ))
    return rows, None


def job_ids(settings: Settings) -> set[str]:
    rows, _problem = job_rows(settings, 0)
    return {row.id for row in rows}


def start_trigger(settings: Settings, job_id: str) -> subprocess.Popen[bytes]:
    """`rpa schedule trigger JOB` in a process of its own, outliving the request (and the console)."""
    folder = settings.runs_dir / "_console"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (folder / f"trigger-{job_id}.log").open("ab") as log:
        return subprocess.Popen(  # a fixed command; the job id was checked against schedules.yaml
            [sys.executable, "-m", "rpa", "schedule", "trigger", job_id],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
