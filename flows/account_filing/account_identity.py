"""A 变更 or 撤销 is filed only onto the account the row describes, as AMS holds it.

    check_account_agrees(record, history, detail)   # NeedsPerson naming what differs, or returns

AMS takes a 变更 or 撤销 by account number alone: it keeps the account's own 账户性质 and
开户银行机构代码 whatever the row says, so a row that contradicts them would be filed onto another
account than the one it describes, and a filing cannot be undone. Before filing, the fields that
identify the account are compared with AMS's record of it: 账户性质 always, 开户银行机构代码,
存款人名称 and 统一社会信用代码 where the row carries them (a 变更 that names one of them in its
变更事项 is changing it: not compared) and AMS shows them. AMS's record is the 详情 of its latest
开户 or 变更 of the account on or before the row's business date (an earlier one for a field that
one does not show). A difference holds the row (需人工处理, code `account_differs`) with a note
naming each field and both values, a 无字号个体工商户's name (its owner's) and a credit code masked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from bots.ams import record_content
from flows.account_filing.change_items import named_fields
from flows.account_filing.notes import FIELD_LABELS
from flows.account_filing.registry import personal_class
from rpa.errors import NeedsPerson
from rpa.masking import mask

if TYPE_CHECKING:
    from bots.ams import AccountHistory, HistoryEntry
    from flows.account_filing.records import FilingRecord

IDENTIFYING = ("account_kind", "bank_code", "depositor_name", "uscc")


def check_account_agrees(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> None:
    """Raise NeedsPerson when AMS's record of the account contradicts the 变更/撤销 row."""
    if record.action == "open":
        return
    expected = record_content(record)
    declared = named_fields(record.change_items or "") if record.action == "change" else frozenset()
    wanted = [f for f in IDENTIFYING
              if expected.get(f) and f not in declared and f not in record.absent_fields]
    found: dict[str, str] = {}
    for shown in standing_details(record, history, detail):
        found.update({f: shown[f] for f in wanted if f not in found and shown.get(f)})
        if len(found) == len(wanted):
            break
    differing = [f for f in wanted if f in found and found[f] != expected[f]]
    if not differing:
        return
    parts = [
        f"{FIELD_LABELS[f]}为「{_shown(record, f, found[f])}」，输入行为「{_shown(record, f, expected[f])}」"
        for f in differing
    ]
    note = f"AMS中该账户的{'；'.join(parts)}：与输入行不同，未提交，请人工核实"
    raise NeedsPerson(
        f"{record.masked_label()}：{note}",
        code="account_differs",
        details={"status": "held", "note": note, "fields": differing},
    )


def standing_details(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> Iterator[dict[str, str]]:
    """The 详情 of AMS's 开户 and 变更 filings of the account up to the row's business date,
    latest first, each read only when asked for."""
    day = record.business_date.isoformat()
    standing = [e for e in history.entries if e.action in ("open", "change") and e.business_date <= day]
    standing.sort(key=lambda e: (e.business_date, e.action == "change"), reverse=True)
    for entry in standing:
        yield detail(entry)


def _shown(record: FilingRecord, field: str, value: str) -> str:
    kind = personal_class(field, record.depositor_category, record.uscc)
    return mask(value, kind) if kind is not None else value
