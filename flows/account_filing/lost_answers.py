"""A filing this run submitted whose answer never came back: found again, it is the run's own.

An answer lost after 确认提交 (a 502, a timeout, a killed worker) is a system error; the queue's
next attempt looks the account up first and finds the filing, which ends the item as
`already_filed` without a second submission. Such a filing is not someone else's earlier work:
the item's own chain shows a `filing.submitting` answered `answer_lost` (the bot's code for an
answer that never came), or not answered at all (a worker killed at 确认提交). The row's
note then says so (`notes.done_note`), so a clerk or an auditor does not look for another filer.

    submitted_unanswered(wctx, item)   # True: an earlier attempt pressed 确认提交, no answer read
"""

from __future__ import annotations

from rpa.queue.models import WorkItem
from rpa.run.flow import WorkerContext

SUBMITTING, ANSWERED = "filing.submitting", "filing.answered"
LOST = "answer_lost"  # bots.ams: the code of a 确认提交 whose answer never came


def submitted_unanswered(wctx: WorkerContext, item: WorkItem) -> bool:
    """True when the item's chain in this run holds a submission whose answer was never read
    (only an item tried before is looked at: a first attempt has submitted nothing)."""
    if item.tries <= 1:
        return False
    ref = wctx.audit.ref_of(item.key)
    lost = False
    for event in wctx.audit.events(wctx.run_id):
        if event.item_ref != ref:
            continue
        if event.event == SUBMITTING:
            lost = True
        elif event.event == ANSWERED and lost:
            lost = event.details.get("outcome") == LOST  # AMS's refusal: nothing was stored
    return lost
