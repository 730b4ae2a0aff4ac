"""A portal's service window: the hours, on which days, when an irreversible step may be taken.

    >>> hours = ServiceHours.for_ams(settings)    # RPA_AMS_SERVICE_WINDOW, RPA_AMS_SERVICE_DAYS
    >>> hours.closed_message(now)                 # None while open, else what the clerk reads

The setting is `HH:MM-HH:MM` or `HH:MM:SS-HH:MM:SS` in the settings' timezone (start <= time
< end, not across midnight), or `always` (no window: the mock portals of the tests and the
demo). Days are PRC working days (`rpa.workdays`, with calendar.yaml) or every day. The
scheduler plans its AMS jobs inside the same window (`rpa.schedule.models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rpa.settings import Settings, parse_window

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar

WINDOW_CLOSED = "service_window_closed"  # the code of the run-fatal stop when the window closes


def _clock(moment: time) -> str:
    return f"{moment:%H:%M:%S}" if moment.second else f"{moment:%H:%M}"


@dataclass(frozen=True)
class ServiceHours:
    """When a portal takes submissions: `hours` None means at any time."""

    portal: str
    setting: str
    hours: tuple[time, time] | None
    zone: ZoneInfo
    calendar: WorkCalendar | None  # None: every day

    @classmethod
    def for_ams(cls, settings: Settings) -> ServiceHours:
        """AMS's window from the settings (the calendar loaded only when days matter)."""
        from rpa.workdays import WorkCalendar

        hours = parse_window(settings.ams_service_window)
        working_days = hours is not None and settings.ams_service_days == "working_days"
        return cls(
            portal="AMS",
            setting="RPA_AMS_SERVICE_WINDOW",
            hours=hours,
            zone=ZoneInfo(settings.timezone),
            calendar=WorkCalendar.load(settings.calendar_file) if working_days else None,
        )

    def describe(self) -> str:
        """The window in the clerk's words, e.g. 工作日 08:30-17:00."""
        if self.hours is None:
            return "全天"
        days = "工作日" if self.calendar is not None else "每天"
        return f"{days} {_clock(self.hours[0])}-{_clock(self.hours[1])}"

    def is_open(self, moment: datetime) -> bool:
        if self.hours is None:
            return True
        local = moment.astimezone(self.zone)
        if self.calendar is not None and not self.calendar.is_working_day(local.date()):
            return False
        start, end = self.hours
        return start <= local.time().replace(tzinfo=None) < end

    def closed_message(self, moment: datetime) -> str | None:
        """None while the window is open; else why nothing more is submitted, in Chinese."""
        if self.is_open(moment):
            return None
        local = moment.astimezone(self.zone)
        return (
            f"{self.portal} 服务时间（{self.describe()}，{self.setting}）已结束或未开始（现在 "
            f"{local:%Y-%m-%d %H:%M:%S}）：不再提交，未提交的行保持待处理，请在下一个服务时间用 "
            "--resume 继续"
        )
