"""The queue against the chain: each ended item's state, code and result as the audit chain last
recorded them, and every item's payload as the queue sealed it (`rpa audit verify`).

The outputs (result.xlsx, report.html) are rebuilt from the queue on every close, so an item
edited in the database would reach them unseen. Each item of the run in an ended state
(done, business error, held, failed) is joined to its events by its ref (the keyed hash of its
key: an edited key joins none), and its last outcome event must name the same state; a business
error, a hold or a failure the same code; a done item the same result: every field the event
recorded (the filing number first), masked as the event masked it, and the keyed digest of the
whole result (`result_hmac`) where the event has one. Nothing is unmasked. An outcome the close
wrote late from the queue (`recorded_late`) for an item nobody claimed since its previous
outcome is named too: it copied an edit of the queue into the chain.

    >>> check_queue_items(report, audit, events, queue.items(run_id))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from rpa.audit.chain import AuditEvent, canonical_json
from rpa.audit.details import FILE_FIELDS, mask_details
from rpa.masking import FieldClass, mask, scrub_text
from rpa.outcomes import outcome_label, state_label

if TYPE_CHECKING:
    from rpa.audit.log import AuditLog
    from rpa.audit.report_lines import Report

# an item's outcome events (a system error names its next state: failed, or pending for a retry)
OUTCOMES = {"item.done": "done", "item.business_error": "business_error", "item.held": "held",
            "item.failed": "failed"}  # fmt: skip
ENDED = ("done", "business_error", "held", "failed")
# the fields of a done item's result its event records, in the words of result.xlsx
RESULT_FIELDS = {"filing_no": "备案编号", "status": "结果", "already_filed": "此前已报备",
                 "evidence": "证据文件", "figures": "数据", "note": "说明"}  # fmt: skip
_CLASSES: dict[str, FieldClass] = {**FILE_FIELDS, "filing_no": FieldClass.REFERENCE}
# the result field a by-hand mark (rpa.casework.words.BY_HAND) waits in, recorded by case events
BY_HAND = "by_hand"


class QueuedItem(Protocol):
    """What the check reads of a queue item (`rpa.queue.models.WorkItem` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def flow(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def payload_seal(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...
    @property
    def last_error_code(self) -> str | None: ...
    @property
    def last_error_message(self) -> str | None: ...
    @property
    def result(self) -> Mapping[str, Any] | None: ...


def last_outcomes(events: Sequence[AuditEvent]) -> dict[str, AuditEvent]:
    """item_ref -> the item's last outcome event (a system error counts: it names a state)."""
    last: dict[str, AuditEvent] = {}
    for event in events:
        if event.item_ref is not None and (event.event in OUTCOMES or event.event == "item.system_error"):
            last[event.item_ref] = event
    return last


def outcome_state(event: AuditEvent) -> str:
    """The state an outcome event leaves its item in."""
    return OUTCOMES.get(event.event) or str(event.details.get("next_state"))


def check_queue_items(
    report: Report, audit: AuditLog, events: Sequence[AuditEvent], items: Sequence[QueuedItem]
) -> None:
    """One 【不符】 line per item whose state, code or result differs from the chain's record."""
    last = last_outcomes(events)
    ended = [item for item in items if str(item.state) in ENDED]
    problems = 0
    for item in sorted(ended, key=lambda i: i.id):
        event = last.get(audit.ref_of(item.key))
        differences = _differences(audit, item, event)
        if event is not None and not differences and _late_without_claim(events, event):
            differences = [f"的结果“{state_label(str(item.state))}”是收尾时按队列补记的（第 {event.seq} 条"
                           "事件），审计链中没有它此后被领取办理的记录（队列中的事项可能被改动）"]
        for difference in differences:
            report.bad(f"{item_name(item)}{difference}")
            problems += 1
    if ended and not problems:
        report.good(f"队列中 {len(ended)} 个已结束事项的状态和结果与审计链一致")


Filings = dict[int, tuple[dict[str, str], int]]  # sheet row -> (result.xlsx column -> text, event seq)


def done_filings(audit: AuditLog, events: Sequence[AuditEvent], items: Sequence[QueuedItem]) -> Filings:
    """Sheet row -> what result.xlsx must show of each item done when it was last written, as the
    item's last outcome event before that write recorded it (备案编号, 状态 in its word, 证据文件),
    and that event's seq (`check_result_rows`). An item taken over from another run is left out
    (its payload's row is the other run's export's), and so is a row two items name."""
    written = [e.seq for e in events if e.event == "outputs.written" and any(
        isinstance(f, dict) and f.get("file") == "result.xlsx" for f in e.details.get("files") or [])]
    if not written:
        return {}
    last = last_outcomes([e for e in events if e.seq < written[-1]])
    taken = {e.item_ref for e in events if e.event == "item.taken_over"}
    found: Filings = {}
    named: Counter[int] = Counter()
    for item in items:
        ref, row = audit.ref_of(item.key), item.payload.get("row")
        event = last.get(ref)
        if type(row) is not int or ref in taken or event is None or event.event != "item.done":
            named[row if type(row) is int else -1] += 1
            continue
        details = event.details
        shown = {"备案编号": str(details.get("filing_no") or "")} if "filing_no" in details else {}
        shown |= {"状态": outcome_label(str(details["status"]))} if details.get("status") else {}
        shown |= {"证据文件": str(details.get("evidence") or "")} if "evidence" in details else {}
        found[row], named[row] = (shown, event.seq), named[row] + 1
    return {row: seen for row, seen in found.items() if named[row] == 1}


def check_seals(report: Report, audit: AuditLog, items: Sequence[QueuedItem]) -> None:
    """One 【不符】 line per item, in any state, whose payload (what its bot files, or filed) no
    longer bears the seal the queue wrote with it (`rpa.seals`): edited in the database."""
    broken = [item for item in sorted(items, key=lambda i: i.id)
              if not audit.seal_holds(item.flow, item.key, item.payload, item.payload_seal)]
    for item in broken:
        report.bad(f"{item_name(item)}的内容与入队时的签封不符：队列数据库中的内容被改动过")
    if items and not broken:
        report.good(f"队列中 {len(items)} 个事项的内容都带着入队时的签封")


def _late_without_claim(events: Sequence[AuditEvent], event: AuditEvent) -> bool:
    """An outcome the close wrote from the queue (`recorded_late`: its worker's event was lost
    to a database outage) for an item no worker claimed since its previous outcome: no outage
    explains it, an edit of the queue does (the close copied the edited state into the chain)."""
    if event.details.get("recorded_late") is not True:
        return False
    before = [e for e in events if e.item_ref == event.item_ref and e.seq < event.seq]
    outcomes = [e.seq for e in before if e.event in OUTCOMES or e.event == "item.system_error"]
    previous = max(outcomes, default=0)
    return not any(e.event == "item.claimed" and e.seq > previous for e in before)


def _differences(audit: AuditLog, item: QueuedItem, event: AuditEvent | None) -> list[str]:
    state = str(item.state)
    if event is None:
        return [f"在队列中为“{state_label(state)}”，审计链中没有它的结果事件（队列中的事项或其键被改动）"]
    recorded = outcome_state(event)
    if recorded != state:
        return [f"的状态：队列中为“{state_label(state)}”，"
                f"审计链第 {event.seq} 条事件记录的为“{state_label(recorded)}”"]
    if state != "done":
        code = event.details.get("code")
        if "code" in event.details and code != item.last_error_code:
            queued = item.last_error_code or "（无）"
            return [f"的错误代码：队列中为 {queued}，审计链第 {event.seq} 条事件记录的为 {code or '（无）'}"]
        return _message_differences(audit, item, event)
    return _result_differences(audit, item.result, event)


def _message_differences(audit: AuditLog, item: QueuedItem, event: AuditEvent) -> list[str]:
    """A refused, held or failed item's message (the portal's words, shown as 门户信息) and its
    result as the chain recorded them: an invented refusal reason would reach result.xlsx."""
    recorded = event.details.get("message")
    if isinstance(recorded, str) and scrub_text(item.last_error_message or "") != recorded:
        return [f"的出错信息（门户信息）与审计链第 {event.seq} 条事件记录的不同"]
    digest = event.details.get("result_hmac")
    if isinstance(digest, str) and digest not in _digests_of(audit, item.result):
        return [f"的结果（门户信息、说明等）与审计链第 {event.seq} 条事件记录的密钥摘要不符"]
    return []


def _digests_of(audit: AuditLog, result: Mapping[str, Any] | None) -> set[str]:
    """The keyed digests the item's result may have had at its outcome event: as it is, and
    without a by-hand mark waiting for its checker (`BY_HAND`, which 异常处理 adds and takes
    away with events of its own, leaving `{}` where there was no result)."""
    kept = {k: v for k, v in (result or {}).items() if k != BY_HAND}
    return {audit.keyed_digest(result), audit.keyed_digest(kept), audit.keyed_digest(kept or None)}


def _result_differences(audit: AuditLog, result: Mapping[str, Any] | None, event: AuditEvent) -> list[str]:
    found: list[str] = []
    for name, label in RESULT_FIELDS.items():
        if name not in event.details:
            continue
        queued = mask_details({name: (result or {}).get(name)}, _CLASSES)[name]
        recorded = event.details[name]
        if canonical_json(queued) == canonical_json(recorded):
            continue
        if name == "filing_no":  # a portal's reference, kept whole by the chain's masking
            found.append(f"的{label}：队列中为 {queued or '（无）'}，"
                         f"审计链第 {event.seq} 条事件记录的为 {recorded or '（无）'}")
        else:
            found.append(f"的“{label}”与审计链第 {event.seq} 条事件记录的不同")
    digest = event.details.get("result_hmac")
    if not found and isinstance(digest, str) and audit.keyed_digest(result) != digest:
        found.append(f"的结果（审计链未逐项记录的字段）与审计链第 {event.seq} 条事件记录的密钥摘要不符")
    return found


def item_tags(item: QueuedItem) -> dict[str, Any]:
    """What names an item in a diagnostic: its id, its input row and its account masked (an
    `item.claimed` event records them, so an item later deleted from the queue can be named)."""
    payload = item.payload if isinstance(item.payload, Mapping) else {}
    record = payload.get("record")
    row = payload.get("row")
    account = payload.get("account_no") or (record.get("account_no") if isinstance(record, Mapping) else None)
    tags: dict[str, Any] = {"item_id": item.id}
    if isinstance(row, int) and row:
        tags["row"] = row
    if isinstance(account, str) and account:
        tags["account"] = mask(account, FieldClass.ACCOUNT_NO)
    return tags


def item_name(item: QueuedItem | None, tags: Mapping[str, Any] | None = None) -> str:
    """事项 8（第 13 行，账号 ************0012）, from the queue's item or an event's `item_tags`."""
    tags = item_tags(item) if item is not None else (tags or {})
    parts = [f"第 {tags['row']} 行"] if tags.get("row") else []
    if tags.get("account"):
        parts.append(f"账号 {tags['account']}")
    number = f"事项 {tags['item_id']}" if tags.get("item_id") is not None else "事项"
    return f"{number}（{'，'.join(parts)}）" if parts else number
