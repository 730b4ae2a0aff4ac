"""schedules.yaml read and timed: `load_schedules` checks every job (its cron fields by
APScheduler's own CronTrigger, so a bad field is a ConfigError naming the job, not a crash at
start), and `WorkingDayTrigger` times one job: its cron, skipping non-working days and times
outside the job's service window.

    >>> trigger = WorkingDayTrigger(schedules.job("report-extraction"), calendar, None)
    >>> trigger.fire_times_between(monday_8am, friday_8pm)   # the working days' fire times only

With rpa.schedule.scheduler, the only modules that import APScheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from rpa.errors import ConfigError, UsageError
from rpa.run.flow import FLOWS, flow_class
from rpa.run.flow_params import parameter_problem
from rpa.schedule.days import DayRule
from rpa.schedule.models import (
    FIX,
    CronFields,
    JobSpec,
    ScheduleFile,
    ServiceWindow,
    parse_schedule_data,
    read_schedule_yaml,
    window_setting,
)
from rpa.settings import DEFAULT_AMS_SERVICE_WINDOW

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar

_NEVER_FROM = datetime(2000, 1, 1, tzinfo=UTC)  # a cron with no fire time after this never fires
_MAX_DAY_SKIPS = 1500  # a trigger that finds no working day in ~4 years never fires


def load_schedules(path: Path, *, ams_service_window: str = DEFAULT_AMS_SERVICE_WINDOW) -> ScheduleFile:
    """Read and validate schedules.yaml; ConfigError names the job and the field. A window
    written `from_settings` (AMS's) is `ams_service_window` (RPA_AMS_SERVICE_WINDOW)."""
    schedules = parse_schedule_data(
        read_schedule_yaml(path),
        source=path.name,
        known_flows=set(FLOWS),
        setting_windows={"ams": window_setting(ams_service_window)},
    )
    for job in schedules.jobs:
        _check_cron(job.cron, f"{path.name}：任务 {job.id!r} 的")
        dropped = {job.drop_folder.param: "{file}"} if job.drop_folder is not None else {}
        _check_params(job.flow, {**job.params, **dropped}, f"{path.name}：任务 {job.id!r} 的")
    return schedules


def _check_params(flow: str, params: Mapping[str, Any], where: str) -> None:
    """Each parameter the job names is one its flow takes (one it lacks may come from the drop
    folder or the fire itself): a misspelt one is refused when the file is read, not at its fire."""
    try:
        problem = parameter_problem(flow_class(flow), params, missing=False)
    except UsageError:  # a flow this install lacks (no extras): its fire says so, as before
        return
    if problem:
        raise ConfigError(f"{where} params：{problem}{FIX}")


def _check_cron(cron: CronFields, where: str) -> None:
    for name, value in cron.as_kwargs().items():
        try:
            CronTrigger(**{name: value}, timezone=UTC)
        except ValueError as exc:
            raise ConfigError(f"{where} cron.{name}：{value!r} 无效（{exc}），请改正后重试") from None
    if cron.as_kwargs():
        never = CronTrigger(**cron.as_kwargs(), timezone=UTC).get_next_fire_time(None, _NEVER_FROM)
        if never is None:  # e.g. {month: 2, day: 30}: the job would never run, and say nothing
            raise ConfigError(f"{where} cron：这些字段合起来永远不会触发（例如 2 月 30 日），请改正后重试")


class WorkingDayTrigger(BaseTrigger):
    """APScheduler's cron trigger, skipping non-working days and times outside the service window."""

    def __init__(self, job: JobSpec, calendar: WorkCalendar, window: ServiceWindow | None) -> None:
        self.cron = CronTrigger(**job.cron.as_kwargs(), timezone=job.zone)
        self.rule = DayRule(job, calendar, window)

    def __str__(self) -> str:
        return f"{self.rule.job.calendar} {self.cron}"

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        candidate: datetime | None = self.cron.get_next_fire_time(previous_fire_time, now)
        for _ in range(_MAX_DAY_SKIPS):
            if candidate is None or self.rule.accepts(candidate):
                return candidate
            candidate = self.cron.get_next_fire_time(None, self.rule.restart_after(candidate))
        return None

    def fire_times_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Fire times t with start < t <= end, oldest first."""
        times: list[datetime] = []
        candidate = self.get_next_fire_time(None, start + timedelta(microseconds=1))
        while candidate is not None and candidate <= end:
            times.append(candidate)
            candidate = self.get_next_fire_time(candidate, candidate)
        return times

    def is_estimated(self, moment: datetime) -> bool:
        return self.rule.is_estimated(moment)
