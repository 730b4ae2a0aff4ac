"""The queue holds every item the chain knows, in the state the chain last recorded
(`rpa audit verify`).

`rpa.audit.item_checks` compares the items the queue shows as ended with their outcome events;
this module looks the other way. Every item the run's chain names (a claim, an outcome, an
approval, a correction: any event joined to it by its keyed ref) must still be in the queue
under this run, unless the chain records that another run took it over. And an item whose last
outcome event ended it (done, business error, held, failed) must not be open again (pending or
leased) in the queue unless the chain records what reopened it: a claim, an approval or a
correction of that item after the outcome, `rpa runs retry` naming its id, a retry of failed
rows naming its row, or, for a held row waiting behind an earlier one, a correction or an
approved hand filing in the run after it. A deleted item or one set back to pending is named,
by its id and masked account when the queue still has it, else by where the chain records it;
nothing is unmasked. An item claimed again in the run after it was done is named too: a resume
re-enqueued a deleted item (same key) or worked one set back to pending.

    >>> check_items_present(report, audit, events, queue.items(run_id))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rpa.audit.chain import AuditEvent
from rpa.audit.item_checks import ENDED, OUTCOMES, QueuedItem, item_name, last_outcomes, outcome_state
from rpa.outcomes import state_label

if TYPE_CHECKING:
    from rpa.audit.log import AuditLog
    from rpa.audit.report_lines import Report

TAKEN_OVER = "item.taken_over"
# events of one item that put it back to work after an outcome
REOPENING = ("item.claimed", "item.approved", "case.corrected", TAKEN_OVER)
# events of the run that put a held row waiting behind the item they name back to work too
REOPENING_BEHIND = ("case.corrected", "case.by_hand_approved")
REF_SHOWN = 16  # the ref's first characters: what the item's evidence files are named by


def check_items_present(
    report: Report, audit: AuditLog, events: Sequence[AuditEvent], items: Sequence[QueuedItem]
) -> None:
    """One 【不符】 line per item the chain knows that the queue lacks or holds reopened."""
    by_ref = {audit.ref_of(item.key): item for item in items}
    owned = _owned(events)
    problems = 0
    for ref, first in owned.items():
        if ref not in by_ref:
            report.bad(f"{_chain_name(events, ref)}在队列中不存在（审计链第 {first.seq} 条事件"
                       f"“{first.event}”记录了它，此后没有转交其他运行的记录）")
            problems += 1
    for ref, outcome in last_outcomes(events).items():
        item = by_ref.get(ref)
        recorded = outcome_state(outcome)
        if ref not in owned or item is None or recorded not in ENDED or str(item.state) in ENDED:
            continue
        if not _reopened(events, outcome, item):
            report.bad(f"{item_name(item)}的状态：队列中为“{state_label(str(item.state))}”，"
                       f"审计链第 {outcome.seq} 条事件记录的为“{state_label(recorded)}”，"
                       "审计链中没有它此后被放回待办的记录")
            problems += 1
    for done, claim in _claimed_after_done(events):
        item = by_ref.get(claim.item_ref or "")
        name = item_name(item) if item is not None else _chain_name(events, claim.item_ref or "")
        report.bad(f"{name}在审计链第 {done.seq} 条事件已完成，第 {claim.seq} 条事件又被领取办理"
                   "（已完成的事项不会再办理：队列中的事项被删除或改回待办后又续跑）")
        problems += 1
    if owned and not problems:
        report.good(f"审计链记录的 {len(owned)} 个事项都在队列中")


def _owned(events: Sequence[AuditEvent]) -> dict[str, AuditEvent]:
    """item ref -> the first event naming it, for the items the run holds by its chain (an item
    another run took over, `by_run`, left it; one taken from another run, `from_run`, joined)."""
    owned: dict[str, AuditEvent] = {}
    for event in events:
        if event.item_ref is None:
            continue
        if event.event == TAKEN_OVER and event.details.get("by_run"):
            owned.pop(event.item_ref, None)
        else:
            owned.setdefault(event.item_ref, event)
    return owned


def _claimed_after_done(events: Sequence[AuditEvent]) -> list[tuple[AuditEvent, AuditEvent]]:
    """(done outcome, later claim) of each item claimed again in this run after it was done: no
    retry, approval or correction reopens a done item, and a run that redoes it takes it over
    first (`item.taken_over`, recorded in both chains)."""
    done: dict[str, AuditEvent] = {}
    found: list[tuple[AuditEvent, AuditEvent]] = []
    for event in events:
        ref = event.item_ref
        if ref is None:
            continue
        if event.event == TAKEN_OVER:
            done.pop(ref, None)
        elif event.event == "item.claimed" and ref in done:
            found.append((done.pop(ref), event))
        elif event.event in OUTCOMES or event.event == "item.system_error":
            if outcome_state(event) == "done":
                done[ref] = event
            else:
                done.pop(ref, None)
    return found


def _reopened(events: Sequence[AuditEvent], outcome: AuditEvent, item: QueuedItem) -> bool:
    """Whether the chain records, after `outcome`, what put the item back to work."""
    payload = item.payload if isinstance(item.payload, Mapping) else {}
    row = payload.get("row")
    for event in events:
        if event.seq <= outcome.seq:
            continue
        if event.item_ref == outcome.item_ref and event.event in REOPENING:
            return True
        if event.event == "items.retried" and item.id in (event.details.get("items") or ()):
            return True
        if event.event == "case.retried" and row is not None and row in (event.details.get("rows") or ()):
            return True
        if outcome_state(outcome) == "held" and event.event in REOPENING_BEHIND:
            return True
    return False


def _chain_name(events: Sequence[AuditEvent], ref: str) -> str:
    """An item the queue no longer has, as the chain knows it: its id, row and masked account
    where its claim recorded them, its filing number where an outcome did, and its ref's first
    characters (its evidence files are named by them)."""
    tags: dict[str, object] = {}
    for event in (e for e in events if e.item_ref == ref):
        tags.update({k: event.details[k] for k in ("item_id", "row", "account", "filing_no")
                     if event.details.get(k) not in (None, "")})
    name = item_name(None, {k: v for k, v in tags.items() if k != "filing_no"})
    number = f"备案编号 {tags['filing_no']}，" if tags.get("filing_no") else ""
    return f"{name}（{number}密钥哈希 {ref[:REF_SHOWN]}，其证据文件以此命名）"
