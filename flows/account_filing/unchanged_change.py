"""A 变更 whose named items already hold the row's values in AMS is not filed.

    check_something_changes(record, history, detail)   # NeedsPerson naming the items, or returns

A 变更 files only the items its 变更事项 names (`change_items`); when AMS already holds every one
of them with the row's value, the filing would change nothing. That is no harmless repeat: the
export's master data was not updated (or the row is the wrong one), so the real new value never
reaches AMS, and AMS would show a 变更 on that date that a clerk believes carried it (a filing
cannot be undone). Such a row is held (需人工处理, code `change_alters_nothing`) with a note
naming the items and their values (masked as notes mask them). A row that changes at least one
named item is filed: the items it repeats are sent as they are, harmless.

Values are compared as the look-up compares a filing's content (`bots.ams.record_content`
against a 详情 page: NFKC, whitespace collapsed, 注册资金 as an amount in 元, coded fields by
label). AMS's value of a field is the one its latest 开户 or 变更 of the account on or before the
row's date shows (an earlier one for a field that one leaves blank), as `account_identity` reads
the account. The handler calls this only after the history look-up found no filing of the row
(a row filed before, by this run or another, is 此前已报备, never this hold) and after the
account's earlier rows were checked as filed (so AMS's values are those the row follows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bots.ams import record_content
from flows.account_filing.account_identity import standing_details
from flows.account_filing.approval_gate import shown
from flows.account_filing.notes import FIELD_LABELS
from flows.account_filing.records import KEPT_WHEN_ABSENT
from rpa.errors import NeedsPerson

if TYPE_CHECKING:
    from bots.ams import AccountHistory, HistoryEntry
    from flows.account_filing.records import FilingRecord

CODE = "change_alters_nothing"


def sent_items(record: FilingRecord) -> list[str]:
    """The fields a 变更 sends (those its 变更事项 names and its export has), in the labels' order."""
    return [name for name in FIELD_LABELS if name in KEPT_WHEN_ABSENT and name not in record.kept_fields]


def check_something_changes(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> None:
    """Raise NeedsPerson when AMS already holds every item the 变更 names with the row's value."""
    fields = sent_items(record) if record.action == "change" else []
    if not fields:
        return
    expected = record_content(record)
    found: dict[str, str] = {}
    latest: dict[str, str] | None = None
    for page in standing_details(record, history, detail):
        latest = page if latest is None else latest
        found.update({f: page[f] for f in fields if f not in found and page.get(f)})
        if any(found[f] != expected[f] for f in found) or len(found) == len(fields):
            break
    if latest is None:  # AMS holds no 开户 or 变更 of the account: nothing to compare with
        return
    ams_now = {f: found.get(f, latest.get(f)) for f in fields}
    if any(ams_now[f] != expected[f] for f in fields):
        return
    values = "；".join(f"{FIELD_LABELS[f]}「{_value(record, f, expected[f])}」" for f in fields)
    labels = "、".join(FIELD_LABELS[f] for f in fields)
    note = f"变更事项「{labels}」的新值与AMS现值相同（导出的新值：{values}），未报备：请核对导出的新值"
    raise NeedsPerson(
        f"{record.masked_label()}：{note}",
        code=CODE,
        details={"status": "held", "note": note, "fields": fields},
    )


def _value(record: FilingRecord, field: str, value: str) -> str:
    if field == "registered_capital_yuan":
        return f"{value} 元" if value else "未标明"
    own = getattr(record, field) if field in _TEXTS else None  # as written, not as compared (AK:
    return shown(record, field, own or value) or "空"  # the comparison's (科技) quoted for （科技）)


_TEXTS = ("depositor_name", "legal_rep_name", "registered_address", "business_scope")
