"""A row of an account waits while the account's other rows are not settled.

    waits_for_other_run(queue, item, record)   # another run's worker is filing this account
    waits_for_earlier_row(queue, item, record)  # an earlier row (this run's or another's) is not filed

Both raise `HeldBehind` (a `NeedsPerson`: 需人工处理, not filed) with a note in Chinese, and return
otherwise. The hold is decided from the queue, not on a portal page, so it keeps no failure
screenshot: whatever a tab shows then is another row's page.

The rows of one account are one order group of the run, enqueued in business order (business
date, then open, change, close): the queue gives a row to a worker only once every earlier row of
its group has ended. Ended is not filed: an earlier row held for a person (its AMS filing differs
from the row), refused or failed on system errors leaves AMS without the filing the later row
builds on, and a filing cannot be undone (a 撤销 filed now would leave AMS refusing the 变更 that
corrects the held row). So the later row is held too, coded `WAITS_FOR_EARLIER`; it goes back to
pending with the earlier row when a person puts that one back (`rpa cases retry`, a correction,
an approved 人工报备: `rpa.casework.actions`) or with `rpa runs retry`.

An account's rows usually come in different days' exports, so the rule holds across runs too: a
row waits for an earlier row (by business order) that another run holds for the same AMS and has
not ended filed, and it names that run; it goes back with `rpa runs retry` of its own run.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flows.account_filing.notes import ACTION_LABELS, item_note
from flows.account_filing.portal_identity import DRY_RUN_PREFIX
from flows.account_filing.portal_scope import PORTAL_FIELD
from flows.account_filing.records import ACTION_ORDER, business_order
from rpa.casework.words import WAITS_FOR_EARLIER
from rpa.errors import NeedsPerson
from rpa.outcomes import state_label

if TYPE_CHECKING:
    from flows.account_filing.records import FilingRecord
    from rpa.queue.work_queue import WorkItem, WorkQueue


class HeldBehind(NeedsPerson):
    """Held behind another row of the account: nothing of this row's was done in the portal."""

    on_a_page = False


def waits_for_other_run(queue: WorkQueue, item: WorkItem, record: FilingRecord) -> None:
    """Hold the item while another run's worker has a filing of this account in hand (two
    runs given rows of one account): both would look AMS up before either submits. The run
    that enqueued first goes on; this row waits for a person's `rpa runs retry`."""
    other = queue.leased_ahead_elsewhere(item)
    if other is None:
        return
    note = (f"该账户正由运行 {other.run_id} 办理，同一账户的报备依次办理：本行未提交，暂挂；"
            f"待其办结后执行 rpa runs retry {item.run_id} --items {item.id}")
    raise HeldBehind(f"{record.masked_label()}：{note}", code="account_in_other_run",
                     details={"status": "held", "note": note})


def waits_for_earlier_row(queue: WorkQueue, item: WorkItem, record: FilingRecord) -> None:
    """Hold the item while an earlier row of its account, in this run or in another run for the
    same AMS, has not ended filed."""
    unfinished = queue.unfinished_before(item)
    if unfinished:
        note = (f"同一账户在前的{_describe(unfinished[0])}：本行未提交，暂挂；该行重试、更正或人工报备获批时"
                f"本行随之重新办理（或待其报备后执行 rpa runs retry {item.run_id} --items {item.id}）")
    else:
        elsewhere = [o for o in queue.unfinished_elsewhere(item) if _comes_before(o, item, record)]
        if not elsewhere:
            return
        unfinished = elsewhere
        note = (f"同一账户在前的运行 {elsewhere[0].run_id} {_describe(elsewhere[0])}：本行未提交，暂挂；"
                f"待该行报备（重试、更正或人工报备获批）后执行 "
                f"rpa runs retry {item.run_id} --items {item.id}")
    earlier = unfinished[0]
    raise HeldBehind(
        f"{record.masked_label()}：{note}",
        code=WAITS_FOR_EARLIER,
        details={"status": "held", "note": note, "earlier_row": earlier.payload.get("row")},
    )


def _comes_before(other: WorkItem, item: WorkItem, record: FilingRecord) -> bool:
    """True when another run's `other` files an earlier row of the account for the same AMS: by
    business order (date, then open, change, close). A dry run's items filed nothing and wait
    for nothing, and a row another run holds for another AMS is that AMS's."""
    if other.key.startswith(DRY_RUN_PREFIX):
        return False
    portal, own = other.payload.get(PORTAL_FIELD), item.payload.get(PORTAL_FIELD)
    if portal and own and portal != own:
        return False
    shown = other.payload.get("record") or {}
    try:
        order = (date.fromisoformat(str(shown["business_date"])), ACTION_ORDER[str(shown["action"])])
    except (KeyError, ValueError):
        return False  # not a filing row this version reads: nothing to order it by
    return order < business_order(record)


def _describe(earlier: WorkItem) -> str:
    """`第5行（开户 2026-11-20）需人工处理（…）`: the earlier row, its state and why."""
    shown = earlier.payload.get("record") or {}
    action = ACTION_LABELS.get(str(shown.get("action")), "报备")
    row = earlier.payload.get("row")
    where = f"第{row}行" if row else "一行"
    status = "rejected" if earlier.state.value == "business_error" else earlier.state.value
    why = item_note(status, earlier.last_error_code, earlier.result or {})
    state = state_label(earlier.state.value)
    reason = f"（{why}）" if why and why != state else ""
    return f"{where}（{action} {shown.get('business_date', '')}）{state}{reason}"
