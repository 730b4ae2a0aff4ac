"""Our filings of a period, as the account-filing runs' items in the queue say (any run).

    ours = our_filings(queue, date(2026, 11, 16), date(2026, 11, 20))

An item done as 已报备 is ours, and so is one a person filed by hand in AMS and a checker
approved (人工报备, `rpa.casework`): the run holds its filing number, which AMS must list under
its key like any other. So is one done as 此前已报备 after one of its own attempts had pressed
确认提交: the answer was lost (`answer_lost`) or its worker died mid-submit (the mark of that
lease stays), and the next attempt's look-up found the filing that attempt made.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flows.account_reconciliation.classify import ExportRow, Key, OurFiling
from rpa.casework.words import FILED_BY_HAND
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue

if TYPE_CHECKING:
    from rpa.settings import Settings

FILING_FLOW = "account-filing"
ACTIONS = ("open", "change", "close")


def our_filings(queue: WorkQueue, begin: date, end: date, settings: Settings | None = None,
                rows: Iterable[ExportRow] = ()) -> list[OurFiling]:
    """The done filing items whose key's business date is in begin..end and that we filed, and
    the export `rows` a person filed by hand while put aside (`by_hand_aside`)."""
    days = [begin + timedelta(days=n) for n in range((end - begin).days + 1)]
    patterns = [f"{action}:%:{day.isoformat()}:%" for action in ACTIONS for day in days]
    found = []
    for item in queue.find_by_key_patterns(FILING_FLOW, patterns):
        if item.state == ItemState.DONE and _filed_by_us(queue, item):
            action, account_no, day, _ = item.key.split(":", 3)
            filing_no = str((item.result or {}).get("filing_no") or "")
            found.append(OurFiling(action, account_no, day, filing_no, item.run_id))
    return found + (by_hand_aside(settings, rows, {f.key for f in found}) if settings is not None else [])


def by_hand_aside(settings: Settings, rows: Iterable[ExportRow], known: set[Key]) -> list[OurFiling]:
    """Export rows put aside for a person (never items) that a person filed by hand and a checker
    approved (`rpa.alerts.aside_by_hand`), under the number given: ours, like any (tester BM F10,
    2026-12-08: they were 应报未报, their numbers never held against AMS's list)."""
    from rpa.alerts.aside_by_hand import filed_by_hand
    from rpa.alerts.findings import filing_ref

    marks = filed_by_hand(settings)
    key, found = settings.audit_key_bytes(), []
    for row in rows if marks else ():
        filing = (row.action, row.account_no, row.business_date)
        mark = marks.get(filing_ref(":".join(filing), key))
        if mark is not None and filing not in known:
            known.add(filing)
            found.append(OurFiling(*filing, mark.filing_no, mark.run_id))
    return found


def _filed_by_us(queue: WorkQueue, item: WorkItem) -> bool:
    status = (item.result or {}).get("status")
    if status in ("filed", FILED_BY_HAND):
        return True
    if status != "already_filed":
        return False
    return item.submit_fence is not None or any(
        attempt.error_code == "answer_lost" for attempt in queue.history(item.id)
    )
