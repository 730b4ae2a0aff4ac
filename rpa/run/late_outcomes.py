"""Outcome events a database outage kept out of the audit chain, written when the run closes.

A worker ends an item in the queue, then appends its outcome event (`item.done`,
`item.business_error`, `item.held`, `item.failed`) to the audit chain: two transactions. A
database away between the two for longer than RPA_DB_OUTAGE_SECONDS stops the worker after the
first, so the item is ended and its event is missing, and `rpa audit verify` finds the run's
counts and the items' events apart. When the run closes (at its end, or at the end of a
`--resume`), each ended item whose last outcome event does not name its state gets that event,
written by `run` from what the queue holds and marked `recorded_late`.

    written = record_late_outcomes(ctx)   # the number of events written
"""

from __future__ import annotations

from typing import Any

from rpa.masking import item_ref
from rpa.run.flow import REFERENCE_FIELDS
from rpa.run.runs import RunContext
from rpa.run.settle import AUDITED

# the event that ends an item in each ended state, as `rpa.audit.checks` reads them back
OUTCOME_EVENTS = {"done": "item.done", "business_error": "item.business_error", "held": "item.held",
                  "failed": "item.failed"}  # fmt: skip


def record_late_outcomes(ctx: RunContext) -> int:
    """Write the missing outcome event of every ended item of the run; how many were written."""
    last: dict[str, str] = {}  # item_ref -> the state its last outcome event names
    by_event = {event: state for state, event in OUTCOME_EVENTS.items()}
    for event in ctx.audit.events(ctx.run_id):
        if event.item_ref is None:
            continue
        if event.event in by_event:
            last[event.item_ref] = by_event[event.event]
        elif event.event == "item.system_error":
            last[event.item_ref] = str(event.details.get("next_state"))
    key, written = ctx.settings.audit_key_bytes(), 0
    for item in ctx.queue.items(ctx.run_id):
        state = str(item.state)
        if state not in OUTCOME_EVENTS or last.get(item_ref(item.key, key)) == state:
            continue
        details: dict[str, Any] = {"recorded_late": True}
        if state == "done":
            details.update({k: v for k, v in (item.result or {}).items() if k in AUDITED},
                           result_hmac=ctx.audit.keyed_digest(item.result))
        else:
            details.update(code=item.last_error_code, message=item.last_error_message)
        ctx.audit.append(ctx.run_id, "run", OUTCOME_EVENTS[state], item_key=item.key, details=details,
                         field_classes=REFERENCE_FIELDS, files_root=ctx.folder)
        ctx.log.warning(f"事项 {item.id}：结果已在队列中（{state}），审计链缺少其结果事件"
                        "（数据库曾中断），现补记")
        written += 1
    return written
