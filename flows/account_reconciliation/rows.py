"""An export's rows of the period, as the reconciliation matches them.

    rows, unread = period_rows(path, begin, end, as_of=date(2026, 10, 8), today=date(2026, 12, 4),
                               config_dir=..., calendar_file=..., max_rows=...)

A row is validated against the real date (`today`: a date after it is a typing error) and its
deadline judged as of `as_of` (--as-of, which only moves that judgement): a row dated after
--as-of is valid, its deadline not yet passed, and it is classified like any other, never
dropped as invalid. An invalid row (a bad check digit, a field missing) is still an account
that had to be filed: when its account, action and business date parse, it is matched by them
like any row, its note saying it is invalid and why, and its deadline judged the same way. A row
whose key itself cannot be read is in `unread`, by file, sheet and row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from flows.account_filing.registry import label_of
from flows.account_filing.report import RowOutcome
from flows.account_reconciliation.classify import ExportRow
from rpa.alerts.recount import shown_deadline
from rpa.outcomes import outcome_label


def period_rows(path: Path, begin: date, end: date, *, as_of: date, today: date, config_dir: Path,
                calendar_file: Path, max_rows: int) -> tuple[list[ExportRow], list[str]]:
    """The rows of `path` dated begin..end, and the rows that could not be read."""
    from flows.account_filing.validate import validate_file

    report = validate_file(path, config_dir=config_dir, calendar_file=calendar_file,
                           today=today, max_rows=max_rows)  # the real day: a later date is a typo
    rows, unread = [], []
    headers = {name: header for header, name in report.mapped.items()}  # field -> the sheet's header
    for outcome in report.outcomes:
        key = _key_of(outcome)
        if key is None:
            unread.append(f"{path.name} {outcome.sheet} 第{outcome.row}行")
        elif begin <= key[2] <= end:
            rows.append(export_row(path.name, outcome, as_of, headers))
    return rows, unread


def _key_of(outcome: RowOutcome) -> tuple[str, str, date] | None:
    """A row's action, account number and business date: its record's, or for an invalid row
    those that parsed; None when one of them did not."""
    if outcome.record is not None:
        return outcome.record.action, outcome.record.account_no, outcome.record.business_date
    action, account, day = (outcome.parsed.get(name) for name in ("action", "account_no", "business_date"))
    if isinstance(action, str) and isinstance(account, str) and isinstance(day, date):
        return action, account, day
    return None


def export_row(file_name: str, outcome: RowOutcome, as_of: date, headers: Mapping[str, str]) -> ExportRow:
    """A row as the reconciliation matches it, overdue when --as-of is past its deadline; an
    invalid row by the fields that parsed, and a compared field that did not parse (a credit
    code with a wrong check character) by its cell's text as written (`headers`: field -> the
    sheet's header): it is still what the export says, so AMS's value is compared with it. Blank
    cells are not compared. Its note says why the row is invalid."""
    deadline = shown_deadline(outcome.deadline)  # 估算 as result.xlsx writes it (tester T's S3)
    overdue = outcome.deadline is not None and as_of > outcome.deadline.due
    sheet = "" if outcome.sheet == file_name else f" {outcome.sheet}"  # a CSV's sheet is the file's name
    source = f"{file_name}{sheet} 第{outcome.row}行"
    why = "；".join(i.message for i in outcome.errors)
    record, key = outcome.record, _key_of(outcome)
    assert key is not None
    if record is None:
        values = outcome.parsed
        kind = values.get("account_kind")

        def text(name: str) -> str:  # as parsed, else the cell as written
            return _text(values.get(name)) or outcome.raw.get(headers.get(name, ""), "").strip()

        return ExportRow(
            source=source, action=key[0], account_no=key[1], business_date=key[2].isoformat(),
            depositor_name=text("depositor_name"),
            account_kind=label_of("account_kind", kind) if isinstance(kind, str) else text("account_kind"),
            uscc=text("uscc"), bank_code=text("bank_code"),
            deadline=deadline, overdue=overdue, note=f"导出行{outcome_label('invalid')}：{why}", invalid=True,
        )  # fmt: skip
    return ExportRow(
        source=source, action=key[0], account_no=key[1], business_date=key[2].isoformat(),
        depositor_name=record.depositor_name or "", account_kind=record.account_kind_label,
        uscc=record.uscc or "", bank_code=record.bank_code or "",
        deadline=deadline, overdue=overdue,
        note="" if outcome.valid else "需人工处理：" + why,
        item_key=record.idempotency_key(),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
