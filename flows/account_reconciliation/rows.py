"""An export's rows of the period, as the reconciliation matches them.

    rows, unread = period_rows(path, begin, end, as_of=date(2026, 10, 8), today=date(2026, 12, 4),
                               config_dir=..., calendar_file=..., max_rows=...)

A row is validated against the real date (`today`: a date after it is a typing error) and its
deadline judged as of `as_of` (--as-of, which only moves that judgement): a row dated after
--as-of is valid, its deadline not yet passed, and it is classified like any other, never
dropped as invalid. A row that cannot be read at all is in `unread`, by file, sheet and row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.account_filing.report import RowOutcome
from flows.account_reconciliation.classify import ExportRow


def period_rows(path: Path, begin: date, end: date, *, as_of: date, today: date, config_dir: Path,
                calendar_file: Path, max_rows: int) -> tuple[list[ExportRow], list[str]]:
    """The rows of `path` dated begin..end, and the rows that could not be read."""
    from flows.account_filing.validate import validate_file

    report = validate_file(path, config_dir=config_dir, calendar_file=calendar_file,
                           today=max(today, as_of), max_rows=max_rows)  # fmt: skip
    rows, unread = [], []
    for outcome in report.outcomes:
        if outcome.record is None:
            unread.append(f"{path.name} {outcome.sheet} 第{outcome.row}行")
        elif begin <= outcome.record.business_date <= end:
            rows.append(export_row(path.name, outcome, as_of))
    return rows, unread


def export_row(file_name: str, outcome: RowOutcome, as_of: date) -> ExportRow:
    """A validated row as the reconciliation matches it, overdue when --as-of is past its deadline."""
    record = outcome.record
    assert record is not None
    return ExportRow(
        source=f"{file_name} {outcome.sheet} 第{outcome.row}行", action=record.action,
        account_no=record.account_no, business_date=record.business_date.isoformat(),
        depositor_name=record.depositor_name or "", account_kind=record.account_kind_label,
        uscc=record.uscc or "", bank_code=record.bank_code or "",
        deadline=outcome.deadline.due.isoformat() if outcome.deadline else "",
        overdue=outcome.deadline is not None and as_of > outcome.deadline.due,
        note="" if outcome.valid else "需人工处理：" + "；".join(i.message for i in outcome.errors),
        item_key=record.idempotency_key(),
    )
