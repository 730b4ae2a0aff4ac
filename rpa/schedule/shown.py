"""Times as the scheduler shows them (logs, notes, `rpa schedule list`) and names run folders:
in Asia/Shanghai, whatever timezone a job's cron is written in.

    >>> shown(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
    '2026-03-03 08:30:00'
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHOWN_ZONE = ZoneInfo("Asia/Shanghai")


def shown(moment: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS` in Asia/Shanghai."""
    return f"{moment.astimezone(SHOWN_ZONE):%Y-%m-%d %H:%M:%S}"


def local(moment: datetime) -> datetime:
    """The same moment in Asia/Shanghai."""
    return moment.astimezone(SHOWN_ZONE)
