"""Rows put aside that still wait for a person: no filing item of the same account, action and
business date stands for them now, nor a checker's approval that a person filed them by hand.

    rows = not_queued_since(settings, put_aside_everywhere(settings))   # 异常处理, alerts, home page
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rpa.alerts.aside_by_hand import aside_marks, filed_by_hand
from rpa.alerts.findings import DRY_RUN_PREFIX, FILING_FLOW, PutAside, any_action, filing_of, filing_ref

if TYPE_CHECKING:
    from rpa.settings import Settings


def not_queued_since(settings: Settings, rows: list[PutAside]) -> list[PutAside]:
    """The rows no filing item of the same account, action and business date stands for now
    (`filing_ref`; a dry run's items stand for nothing), nor a checker's approval of a mark that a
    person filed it by hand (`aside_by_hand`): a row put aside waits for a person until then; a
    corrected export's row of it queued, by any run, is followed from then."""
    marks = aside_marks(settings) if rows else {}
    done = {where for where, mark in marks.items() if mark.approved}
    by_hand = filed_by_hand(settings, marks) if done else {}  # the same filing on another row or run
    rows = [row for row in rows if (row.run_id, row.sheet, row.row) not in done
            and not (row.filing_ref and row.filing_ref in by_hand)]
    if not rows:
        return rows
    from sqlalchemy import select

    from rpa.db import engine_for
    from rpa.queue.schema import items

    with engine_for(settings.database_url_resolved).connect() as conn:
        keys = conn.execute(select(items.c.key).where(items.c.flow == FILING_FLOW)).scalars().all()
    key = settings.audit_key_bytes()
    filings = [filing_of(k) for k in keys if not k.startswith(DRY_RUN_PREFIX)]
    queued = {filing_ref(filing, key) for filing in filings}
    # a row whose 业务类型 did not read: any filing of its account and date stands for it
    queued_any = {filing_ref(any_action(filing), key) for filing in filings}
    return [row for row in rows if not ((row.filing_ref and row.filing_ref in queued) or (
        not row.filing_ref and row.filing_ref_any and row.filing_ref_any in queued_any))]
