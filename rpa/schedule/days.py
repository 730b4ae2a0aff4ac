"""Which cron times a job really fires at: working days only (or every day), inside its window.

`rpa.schedule.triggers.WorkingDayTrigger` asks `DayRule.accepts()` for each cron time and, for one
refused, restarts the cron search at `restart_after()`: the window's start the same day, or the
next midnight, so a nine-day holiday costs nine steps and not every cron time in it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from loguru import logger

from rpa.schedule.models import JobSpec, ServiceWindow

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar


class DayRule:
    """A job's calendar rule and service window, applied to candidate fire times."""

    def __init__(self, job: JobSpec, calendar: WorkCalendar, window: ServiceWindow | None) -> None:
        self.job = job
        self.zone = job.zone
        self.calendar = calendar
        self.window = window
        self._warned_years: set[int] = set()

    def accepts(self, moment: datetime) -> bool:
        """True when the job fires at `moment`. A day outside every calendar falls back to
        Monday-Friday, with a warning naming the job, never silently."""
        local = moment.astimezone(self.zone)
        if self.window is not None and not self.window.contains(local.time()):
            return False
        if self.job.calendar == "every_day":
            return True
        status = self.calendar.day_status(local.date())
        if not status.known and local.year not in self._warned_years:
            self._warned_years.add(local.year)
            logger.warning(
                f"任务 {self.job.id}：{local.year} 年不在任何节假日日历中；在把 {local.year} 年写入 "
                "calendar.yaml 之前，按周一至周五安排"
            )
        return status.working

    def restart_after(self, rejected: datetime) -> datetime:
        """Where to look for the next fire after a refused one."""
        local = rejected.astimezone(self.zone)
        if self.window is not None and local.time() < self.window.start and self._day_ok(local):
            return local.replace(
                hour=self.window.start.hour,
                minute=self.window.start.minute,
                second=self.window.start.second,
                microsecond=0,
            )
        next_day = local.date() + timedelta(days=1)
        return datetime(next_day.year, next_day.month, next_day.day, tzinfo=self.zone)

    def is_estimated(self, moment: datetime) -> bool:
        """True when the day lies outside every known calendar (the weekday rule decided), or in
        a year calendar.yaml holds only as provisional (tester T's U5: a 2027 fire time from the
        provisional schedule was shown as certain)."""
        if self.job.calendar == "every_day":
            return False
        status = self.calendar.day_status(moment.astimezone(self.zone).date())
        return not status.known or status.provisional

    def _day_ok(self, local: datetime) -> bool:
        return self.job.calendar == "every_day" or self.calendar.day_status(local.date()).working
