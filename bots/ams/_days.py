"""A day as AMS's pages may show it: 2026-11-27, 2026/11/27, 2026.11.27, 2026年11月27日 (the
look-up's history, the 备案业务清单's query form, a 详情 or 信息核对 page).

    >>> iso_day("2026年11月27日")
    '2026-11-27'
"""

from __future__ import annotations

import re
from datetime import date

# a time after the day is the same day (a 成功 page's `2026-12-04 10:30:00`: tester BG F13)
_DAY_SHOWN = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


def iso_day(text: str) -> str | None:
    """The day `text` shows, as yyyy-MM-dd; None when it is no real day (2026-02-30, words)."""
    found = _DAY_SHOWN.fullmatch(text.strip())
    try:
        return date(*map(int, found.groups())).isoformat() if found else None
    except ValueError:
        return None
