"""Validating the rows of an export: every row ends valid, invalid or held for a person.

    >>> with read_export(path, aliases=aliases) as export:
    ...     report = validate_rows(export, calendar=calendar, rules=rules, today=date.today())
    >>> report.counts
    {'rows': 200, 'valid': 180, 'invalid': 17, 'needs_person': 3, ...}

Each row is checked by `row_check.RowCheck`: parsed field by field (`fields.py`), checked for what
its action and kind require, checked across fields (ID number by ID type, approval, the record
model itself), compared with the rows before it (duplicates), and given its filing deadline.
What the file's missing columns mean is worked out once (`columns.ColumnRules`); two rows that
file the same thing differently are both held for a person here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flows.account_filing.aliases import HeaderAliases, load_aliases
from flows.account_filing.columns import ColumnRules
from flows.account_filing.deadlines import DeadlineRules, load_deadline_rules
from flows.account_filing.export_rows import ExportReadResult
from flows.account_filing.issues import Severity, issue
from flows.account_filing.opening_order import OpeningOrder
from flows.account_filing.reader import DEFAULT_MAX_ROWS, read_export
from flows.account_filing.records import FilingRecord
from flows.account_filing.report import RowOutcome, ValidationReport
from flows.account_filing.requirements import stated_absent
from flows.account_filing.row_check import RowCheck, SeenRows
from rpa.run.runs import now_in
from rpa.workdays import WorkCalendar

if TYPE_CHECKING:
    from rpa.settings import Settings


def validate_rows(
    result: ExportReadResult,
    *,
    calendar: WorkCalendar,
    rules: DeadlineRules,
    today: date,
    absent: Collection[str] = (),
    aliases: HeaderAliases | None = None,
    keep_records: bool = True,
) -> ValidationReport:
    """Validate every row of an opened export (consumes its row stream) into a report.

    `absent`: fields the operator stated the export has no column for (`stated_absent`).
    `keep_records`: outcomes keep each row's record and cell texts (a run files the records and
    writes result.xlsx); False for a report only (`rpa validate`): its outcomes keep neither, so
    200,000 rows fit in little memory.
    InputFileError when the file has an 开户 row but lacks a column the 开户 form sends."""
    columns = ColumnRules(result, frozenset(absent), aliases)
    seen, order = SeenRows(), OpeningOrder()
    outcomes = []
    for raw_row in result.rows:
        check = RowCheck(result, raw_row, today, columns)
        outcomes.append(order.noted(check.run(calendar, rules, seen, keep_records), check.values))
    _hold_first_of_conflicts(result, outcomes, seen)
    order.hold_rows_before_their_opening(result, outcomes)
    missing = [result.header_for(name) for name in result.missing_fields]
    return ValidationReport(
        file=result.file,
        sheet=result.sheet,
        header_row=result.header_row,
        outcomes=outcomes,
        today=today,
        missing_columns=missing,
        encoding=result.encoding,
        headers=result.raw_headers,
        mapped=result.mapped,
        unmapped_fields=[name for name in result.missing_fields if name in FilingRecord.model_fields],
        ignored_headers=result.ignored_headers,
        look_alikes=[
            (alike.header, result.canonical_headers.get(alike.field, alike.field), alike.alias)
            for alike in result.look_alikes
        ],
        hidden_sheets=result.hidden_sheets,
        absent_stated=[result.header_for(name) for name in sorted(columns.stated)],
        kept_on_change=[result.header_for(name) for name in columns.kept] if columns.kept_used else [],
        footer_rows=result.footer.rows,  # known once the rows are read
    )


def _hold_first_of_conflicts(result: ExportReadResult, outcomes: list[RowOutcome], seen: SeenRows) -> None:
    """Two rows file the same action, account and date with different content: which one is
    right is for a person to say, so the first is held too, not filed."""
    by_row = {o.row: o for o in outcomes}
    column = result.column_for("account_no")
    for first, later in seen.conflicts:
        outcome = by_row[first]
        cell = f"{column.letter}{first}" if column else None
        outcome.errors.append(
            issue(
                "conflicting_row",
                result.header_for("account_no"),
                severity=Severity.NEEDS_PERSON,
                cell=cell,
                first=later,
            )
        )
        outcome.valid = False
        outcome.needs_person = not any(i.severity is Severity.ERROR for i in outcome.errors)


def validate_file(
    path: Path,
    *,
    config_dir: Path,
    calendar_file: Path,
    today: date,
    sheet: str | None = None,
    absent_columns: Iterable[str] = (),
    max_rows: int = DEFAULT_MAX_ROWS,
    keep_records: bool = True,
) -> ValidationReport:
    """Read and validate one export with the configuration on disk (what `rpa validate` does).

    `absent_columns`: the headers `--absent-column` named; `max_rows`: the rows read at most
    (RPA_MAX_EXPORT_ROWS); `keep_records`: see `validate_rows`. InputFileError when the file cannot
    be read at all (or an 开户 lacks a column); UsageError or ConfigError for bad settings.
    """
    aliases, rules = load_aliases(config_dir), load_deadline_rules(config_dir)
    absent = stated_absent(absent_columns, aliases)
    calendar = WorkCalendar.load(calendar_file)
    with read_export(path, aliases=aliases, sheet=sheet, max_rows=max_rows) as export:
        return validate_rows(
            export,
            calendar=calendar,
            rules=rules,
            today=today,
            absent=absent,
            aliases=aliases,
            keep_records=keep_records,
        )


def validate_export(path: Path, settings: Settings, *, today: date | None = None, sheet: str | None = None,
                    absent_columns: Iterable[str] = (), keep_records: bool = True) -> ValidationReport:
    """`validate_file` with the settings' configuration, calendar and row limit (RPA_MAX_EXPORT_ROWS),
    as of `today` (by default the settings' today): how a run, `rpa validate` and the console read
    an export."""
    return validate_file(path, config_dir=settings.config_dir, calendar_file=settings.calendar_file,
                         today=today or now_in(settings).date(), sheet=sheet, absent_columns=absent_columns,
                         max_rows=settings.max_export_rows, keep_records=keep_records)
