"""Our filings of a period, as the account-filing runs' items in the queue say (any run).

    ours = our_filings(queue, date(2026, 11, 16), date(2026, 11, 20))

An item done as 已报备 is ours, and so is one a person filed by hand in AMS and a checker
approved (人工报备, `rpa.casework`): the run holds its filing number, which AMS must list under
its key like any other. So is one done as 此前已报备 after one of its own attempts had pressed
确认提交: the answer was lost (`answer_lost`) or its worker died mid-submit (the mark of that
lease stays), and the next attempt's look-up found the filing that attempt made.
"""

from __future__ import annotations

from datetime import date, timedelta

from flows.account_reconciliation.classify import OurFiling
from rpa.casework.words import FILED_BY_HAND
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue

FILING_FLOW = "account-filing"
ACTIONS = ("open", "change", "close")


def our_filings(queue: WorkQueue, begin: date, end: date) -> list[OurFiling]:
    """The done filing items whose key's business date is in begin..end and that we filed."""
    days = [begin + timedelta(days=n) for n in range((end - begin).days + 1)]
    patterns = [f"{action}:%:{day.isoformat()}:%" for action in ACTIONS for day in days]
    found = []
    for item in queue.find_by_key_patterns(FILING_FLOW, patterns):
        if item.state == ItemState.DONE and _filed_by_us(queue, item):
            action, account_no, day, _ = item.key.split(":", 3)
            filing_no = str((item.result or {}).get("filing_no") or "")
            found.append(OurFiling(action, account_no, day, filing_no, item.run_id))
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
