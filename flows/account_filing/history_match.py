"""Does AMS already hold a row's filing? Its history of the account, compared with the record.

    found = match_history(record, history, detail)  # Match(already=entry), Match(conflict=...), Match()

"The same content" compares these fields, normalised alike on both sides (`bots.ams.content`:
the displayed label of each coded field, 注册资金 in 元 with two decimals, text NFKC with
whitespace collapsed):

    open    account_kind, depositor_name, depositor_category, uscc, legal_rep_role,
            legal_rep_name, id_type, id_number, registered_address, registered_capital_yuan,
            business_scope, bank_code, and basic_account_permit except for a basic account
            (AMS assigns a basic account's permit itself)
    change  change_items, depositor_name, depositor_category, uscc, legal_rep_role,
            legal_rep_name, id_type, id_number, registered_address, registered_capital_yuan,
            business_scope, basic_account_permit (not bank_code: a change cannot alter it, the
            form shows AMS's own read-only value; not account_kind: AMS keeps the account's)
    close   basic_account_permit, close_reason

A filing of the same content found, a later filing of that day that gives one of the record's
fields another value (AMS holds the later one) makes it a conflict for a person; so does any
filing of the action and day with other content, and an 开户 or 撤销 of an account AMS holds as
opened or closed on another date in the same life of the account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.ams import AccountHistory, HistoryEntry, differing_fields
from flows.account_filing.change_items import same_items
from flows.account_filing.notes import ACTION_LABELS, field_labels
from flows.account_filing.records import FilingRecord

_PERSON_FIELDS = (
    "depositor_name",
    "depositor_category",
    "uscc",
    "legal_rep_role",
    "legal_rep_name",
    "id_type",
    "id_number",
    "registered_address",
    "registered_capital_yuan",
    "business_scope",
)
COMPARED_FIELDS: dict[str, tuple[str, ...]] = {
    "open": ("account_kind", *_PERSON_FIELDS, "bank_code", "basic_account_permit"),
    "change": ("change_items", *_PERSON_FIELDS, "basic_account_permit"),
    "close": ("basic_account_permit", "close_reason"),
}


def compared_fields(record: FilingRecord) -> tuple[str, ...]:
    """The fields that make a filing in AMS the same as this record (see the module docstring)."""
    fields = COMPARED_FIELDS[record.action]
    if record.action == "open" and record.account_kind == "basic":
        return tuple(f for f in fields if f != "basic_account_permit")
    return fields


@dataclass(frozen=True)
class Match:
    """What the history says about a record: `already` (its filing), a `conflict`, or neither."""

    already: HistoryEntry | None = None
    conflict: str | None = None
    conflict_filing: str | None = None


def match_history(
    record: FilingRecord, history: AccountHistory, detail: Callable[[HistoryEntry], dict[str, str]]
) -> Match:
    """Compare the record with AMS's filings of its account (details read only when needed)."""
    day = record.business_date.isoformat()
    same_day = [e for e in history.entries if e.action == record.action and e.business_date == day]
    fields = compared_fields(record)
    differing: list[str] = []
    for entry in same_day:
        shown = detail(entry)
        differing = [name for name in differing_fields(record, shown, fields)  # 住所 is 注册地址
                     if name != "change_items" or not same_items(record.change_items, shown.get(name))]
        if not differing:
            return _unless_overridden(record, entry, same_day, detail, fields)
    if same_day:
        return Match(
            conflict=f"AMS中已有该账户{day}的{ACTION_LABELS[record.action]}报备，但其"
            f"{field_labels(differing)}与输入行不同：未提交，请人工核实",
            conflict_filing=same_day[0].filing_no,
        )
    once = [e for e in history.entries  # an account opens and closes once in each life (reopened)
            if e.action == record.action and not _life_between(history, e.action, e.business_date, day)]
    if record.action in ("open", "close") and once:
        return Match(
            conflict=f"AMS中该账户已于{once[0].business_date}{ACTION_LABELS[record.action]}报备："
            "未再提交，请人工核实",
            conflict_filing=once[0].filing_no,
        )
    return Match()


def _unless_overridden(record: FilingRecord, entry: HistoryEntry, same_day: list[HistoryEntry],
                       detail: Callable[[HistoryEntry], dict[str, str]], fields: tuple[str, ...]) -> Match:
    """The filing the record matches, unless a later filing of that day gave one of the record's
    fields another value (tester AD: 320万 found filed, a later same-day 330万 stood in AMS, and
    the row read 此前已报备): AMS now holds the later one, a person decides."""
    for later in same_day[same_day.index(entry) + 1:]:
        if not _after(later.filing_no, entry.filing_no):
            continue
        changed = [name for name in differing_fields(record, detail(later), fields) if name != "change_items"]
        if changed:
            day, action = record.business_date.isoformat(), ACTION_LABELS[record.action]
            return Match(conflict=f"AMS中该账户{day}的{action}报备有多笔：{entry.filing_no} 与输入行相同，"
                         f"但其后的 {later.filing_no} 的{field_labels(changed)}与输入行不同"
                         "（AMS 以后者为准）：未提交，请人工核实",
                         conflict_filing=later.filing_no)
    return Match(already=entry)


def _after(one: str, other: str) -> bool:
    """Whether filing number `one` was given after `other`: AMS numbers its filings in order
    (equal-length digits); any other pair is taken in the order the history lists them."""
    if one.isdigit() and other.isdigit() and len(one) == len(other):
        return one > other
    return True


def _life_between(history: AccountHistory, action: str, one: str, other: str) -> bool:
    """Whether AMS holds a 撤销 between two 开户 or a 开户 between two 撤销: a reopened account."""
    first, last = sorted((one, other))
    opposite = {"open": "close", "close": "open"}.get(action)
    return any(e.action == opposite and first <= e.business_date <= last for e in history.entries)
