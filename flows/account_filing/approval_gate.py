"""A filing run set for approval stops each row after its look-up, before the form.

The handler (`filing.FilingHandler`) looked the account up and found nothing that makes the row
done or a person's: the row would be filed. If its run is set for approval and no checker has
approved it yet (`rpa.approvals.words.waits_for_checker`), `awaiting_approval` builds the hold:
the item waits as 待复核 with a `review` in its result that a checker reads
(`rpa approvals list`, the console): AMS's filings of the account as the look-up listed them,
each compared field as it will be sent and, for a change,
as AMS holds it now (its latest 开户 or 变更 filing's 详情 page) with the fields that change
marked. A field the 变更 leaves to AMS (`FilingRecord.kept_fields`, the rule the form follows:
not named by its 变更事项, or no column in the export) is shown as it will be filed, AMS's own
value, marked `kept`, whatever the row's cell says. Values are masked by what they are before
they are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bots.ams import AccountHistory, HistoryEntry, differing_fields, record_content
from flows.account_filing.corrections import shown_class
from flows.account_filing.notes import ACTION_LABELS, FIELD_LABELS
from flows.account_filing.records import FilingRecord
from rpa.approvals.words import AWAITING_CODE
from rpa.errors import AwaitingApproval
from rpa.masking import mask

NOTE = "待复核：复核人批准后才报备（在控制台的复核页面，或用 rpa approvals list / approve 办理）"


def shown(record: FilingRecord, field: str, value: str | None) -> str:
    """A field's value as a review shows it (`corrections.shown_class`): masked by what it is in
    this row (a 无字号个体工商户's name is its owner's), a code or amount whole, free text scrubbed."""
    return mask(value or "", shown_class(field, record.depositor_category, record.uscc))


def awaiting_approval(
    record: FilingRecord,
    history: AccountHistory,
    detail: Callable[[HistoryEntry], dict[str, str]],
    fields: Sequence[str],
) -> AwaitingApproval:
    """The hold of a row that waits for a checker, with its review."""
    ams_now = _ams_now(record, history, detail)
    changed = set(differing_fields(record, ams_now, fields)) if ams_now is not None else set(fields)
    kept = record.kept_fields if ams_now is not None else frozenset()
    sent = {**record_content(record), **{name: (ams_now or {}).get(name, "") for name in kept}}
    review: dict[str, Any] = {
        "action": ACTION_LABELS.get(record.action, record.action),
        "account": shown(record, "account_no", record.account_no),
        "business_date": record.business_date.isoformat(),
        "ams_filings": len(history.entries),
        "ams_history": [  # what the look-up read: AMS's filings of the account (references, dates)
            {"action": ACTION_LABELS.get(e.action, e.action), "business_date": e.business_date,
             "filing_no": e.filing_no}
            for e in history.entries
        ],
        "fields": [
            {
                "label": FIELD_LABELS.get(name, name),
                "send": shown(record, name, sent.get(name)),
                "ams": None if ams_now is None else shown(record, name, ams_now.get(name)),
                "changed": name in changed,
                "kept": name in kept,  # not sent: the form leaves AMS's value, shown in "send"
            }
            for name in fields
        ],
    }
    return AwaitingApproval(
        f"{record.masked_label()}：等复核人批准后报备",  # run.log: 事项 N：待复核：<this> (not 待复核 twice)
        code=AWAITING_CODE,
        details={"status": AWAITING_CODE, "note": NOTE, "review": review},
    )


def _ams_now(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> dict[str, str] | None:
    """For a change: the account as AMS holds it now (its latest 开户 or 变更); else None."""
    if record.action != "change":
        return None
    shaping = [e for e in history.entries if e.action in ("open", "change")]
    if not shaping:
        return {}
    latest = max(shaping, key=lambda e: e.business_date)  # ISO dates: text order is date order
    return detail(latest)
