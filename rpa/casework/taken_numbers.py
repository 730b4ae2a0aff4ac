"""A filing number a person gives when marking a row filed by hand, held against the numbers the
bot already knows for other filings: one AMS 备案编号 is one filing (one account, action and
business date).

    refuse_taken(settings, row=2, filing_no="100020261207000901", filing_ref=ref)  # or UsageError

Known: the number each filing item holds (filed by the bot, or marked by hand and approved or
waiting) and each mark on a row put aside (approved or waiting), in every run of this database.
Tester BM F4/F11 (2026-12-08): one number copied from the last receipt was approved for three
accounts, and an account's 开户 number for its late 变更; nothing compared them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rpa.casework.words import BY_HAND
from rpa.errors import UsageError

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem
    from rpa.settings import Settings


def refuse_taken(settings: Settings, *, row: int, filing_no: str, filing_ref: str) -> None:
    """Refuse `filing_no` when the bot knows it for another filing than `filing_ref` (the keyed
    hash of the row's action, account and business date; "" when they did not read: not judged)."""
    if not filing_ref:
        return
    wanted = filing_no.upper()
    for ref, where in _known(settings, wanted):
        if ref != filing_ref:
            raise UsageError(f"第 {row} 行：该备案编号已是{where}的备案编号（另一账户、业务或日期）："
                             "一个备案编号只对应一笔备案，请照本行在 AMS 的回执或备案历史填写")


def item_filing_ref(settings: Settings, item: WorkItem) -> str:
    """A filing item's filing as `refuse_taken` compares it."""
    from rpa.alerts.findings import filing_of, filing_ref

    return filing_ref(filing_of(item.key), settings.audit_key_bytes())


def _known(settings: Settings, wanted: str) -> Iterator[tuple[str, str]]:
    """(filing_ref, where) of each filing the bot knows under the number `wanted`."""
    from sqlalchemy import select

    from rpa.alerts.aside_by_hand import aside_marks
    from rpa.alerts.findings import DRY_RUN_PREFIX, FILING_FLOW, filing_of, filing_ref, put_aside_rows
    from rpa.db import engine_for
    from rpa.queue.schema import items

    key = settings.audit_key_bytes()
    query = select(items.c.key, items.c.run_id, items.c.payload, items.c.result).where(
        items.c.flow == FILING_FLOW, items.c.result.is_not(None))
    with engine_for(settings.database_url_resolved).connect() as conn:
        rows = conn.execute(query).all()
    for item_key, run_id, payload, result in rows:
        if wanted in _numbers(result) and not item_key.startswith(DRY_RUN_PREFIX):  # a 演练 files nothing
            yield filing_ref(filing_of(item_key), key), f"运行 {run_id} 第 {_row(payload)} 行"
    marked = {place for place, mark in aside_marks(settings).items() if mark.filing_no.upper() == wanted}
    for run_id in sorted({run for run, _, _ in marked}):
        for aside in put_aside_rows(settings, run_id):
            if (run_id, aside.sheet, aside.row) in marked and aside.filing_ref:
                yield aside.filing_ref, f"运行 {run_id} 第 {aside.row} 行"


def _numbers(result: Any) -> set[str]:
    if not isinstance(result, Mapping):
        return set()
    mark = result.get(BY_HAND)  # an item's mark, waiting or approved
    found = {str(result.get("filing_no") or "").upper()}
    if isinstance(mark, Mapping):
        found.add(str(mark.get("filing_no") or "").upper())
    return found - {""}


def _row(payload: Any) -> object:
    return payload.get("row", "?") if isinstance(payload, Mapping) else "?"
