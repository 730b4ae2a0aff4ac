"""Validating the rows of an export: every row ends valid, invalid or held for a person.

    >>> with read_export(path, aliases=aliases) as export:
    ...     report = validate_rows(export, calendar=calendar, rules=rules, today=date.today())
    >>> report.counts
    {'rows': 200, 'valid': 180, 'invalid': 17, 'needs_person': 3, ...}

Each row is parsed field by field (`fields.py`), checked for what its action and kind require,
checked across fields (ID number by ID type, approval, the record model itself), compared with
the rows before it (duplicates), and given its filing deadline.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType

from pydantic import ValidationError

from flows.account_filing.aliases import HeaderAliases, load_aliases
from flows.account_filing.deadlines import DeadlineRules, deadline_for, load_deadline_rules, unknown_years
from flows.account_filing.fields import FieldProblem, check_resident_id, parse_field, soft_findings
from flows.account_filing.issues import RowIssue, Severity, issue, shorten
from flows.account_filing.normalise import cell_text
from flows.account_filing.reader import DEFAULT_MAX_ROWS, ExportReadResult, RawRow, read_export
from flows.account_filing.records import FilingRecord
from flows.account_filing.registry import FIELDS, RESIDENT_ID
from flows.account_filing.report import RowOutcome, ValidationReport, masked_account
from flows.account_filing.requirements import (
    KEPT_WHEN_ABSENT,
    MAY_BE_STATED_ABSENT,
    OPEN_FORM_FIELDS,
    required_fields,
    stated_absent,
)
from rpa.errors import InputFileError, UsageError
from rpa.workdays import Deadline, WorkCalendar

# how a 变更事项 names the fields a 变更 may leave to AMS
CHANGE_ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "depositor_name": ("存款人名称", "单位名称", "名称", "更名"),
    "depositor_category": ("存款人类别",),
    "uscc": ("统一社会信用代码", "信用代码"),
    "legal_rep_role": ("法定代表人", "负责人"),
    "legal_rep_name": ("法定代表人", "负责人"),
    "id_type": ("证件",),
    "id_number": ("证件",),
    "registered_address": ("注册地址", "住所", "地址"),
    "registered_capital_yuan": ("注册资金", "注册资本"),
    "business_scope": ("经营范围",),
    "bank_code": ("开户银行", "银行机构代码"),
}
# What a 变更 needs to find and identify its filing: without one of these columns a file with
# 变更 rows is refused (the other fields the 变更 form sends may be left to AMS).
CHANGE_KEY_FIELDS = ("account_no", "account_kind", "business_date", "change_items", "basic_account_permit")


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
    columns = _ColumnRules(result, frozenset(absent), aliases)
    seen = _SeenRows()
    outcomes = [
        _RowCheck(result, raw_row, today, columns).run(calendar, rules, seen, keep_records)
        for raw_row in result.rows
    ]
    _hold_first_of_conflicts(result, outcomes, seen)
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
    )


def _where(result: ExportReadResult) -> str:
    name = result.file.name
    return name if result.sheet == name else f"{name}（工作表「{result.sheet}」）"


class _ColumnRules:
    """What the export's missing columns mean (see `requirements`): checked once per file."""

    def __init__(
        self, result: ExportReadResult, stated: frozenset[str], aliases: HeaderAliases | None
    ) -> None:
        self.result, self.stated, self.aliases = result, stated, aliases
        for name in sorted(stated):
            column = result.column_for(name)
            if column is not None:
                raise UsageError(
                    f"--absent-column 声明没有「{result.canonical_headers.get(name, name)}」列，"
                    f"但 {_where(result)}"
                    f"有该列（{column.letter}列「{column.header}」）：请去掉该声明"
                )
        # (field, multiplier) of every record field the sheet has a column for, in record order
        self.read = [
            (name, column.multiplier)
            for name in FilingRecord.model_fields
            if (column := result.column_for(name)) is not None
        ]
        self.kept = tuple(name for name in sorted(KEPT_WHEN_ABSENT) if result.column_for(name) is None)
        self.kept_used = False  # some 变更 row left a field to AMS
        self._open_missing = [
            name for name in OPEN_FORM_FIELDS if result.column_for(name) is None and name not in stated
        ]
        self._change_missing = [name for name in CHANGE_KEY_FIELDS if result.column_for(name) is None]

    def check_open_row(self, row: int) -> None:
        """An 开户 row: every column its form sends must be there (or stated absent)."""
        if not self._open_missing:
            return
        optional = [name for name in self._open_missing if name in MAY_BE_STATED_ABSENT]
        if len(optional) == len(self._open_missing):
            names = " ".join(f"--absent-column {self.result.header_for(name)}" for name in optional)
            hint = f"请在导出中加入该列；若导出确实没有该列，可加 {names} 声明（开户按未填写报备）"
        else:
            hint = "请在导出中加入这些列，或在 config/header_aliases.yaml 中加入该导出使用的列名"
        self._refuse(row, "开户", self._open_missing, hint)

    def check_change_row(self, row: int) -> None:
        """A 变更 row: the columns that identify its filing must be there."""
        if self._change_missing:
            hint = "请在导出中加入这些列，或在 config/header_aliases.yaml 中加入该导出使用的列名"
            self._refuse(row, "变更", self._change_missing, hint)

    def _refuse(self, row: int, action: str, missing: list[str], hint: str) -> None:
        result = self.result
        described = "；".join(
            f"「{result.header_for(name)}」列（已查找：{'、'.join(self._tried(name))}）" for name in missing
        )
        raise InputFileError(
            f"无法报备 {_where(result)}：第{row}行是{action}，"
            f"但表头中没有{described}。\n{hint}"
        )

    def _tried(self, name: str) -> list[str]:
        return self.aliases.headers(name) if self.aliases is not None else [self.result.header_for(name)]

    def absent_for(self, action: object) -> frozenset[str]:
        """The fields a row leaves to AMS because their column is missing: 变更 only."""
        if action != "change" or not self.kept:
            return frozenset()
        self.kept_used = True
        return frozenset(self.kept)


def _hold_first_of_conflicts(result: ExportReadResult, outcomes: list[RowOutcome], seen: _SeenRows) -> None:
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


@dataclass
class _SeenRows:
    """Keys of the rows validated so far: for duplicates and conflicts within the file; and the
    deadlines counted so far (a file's rows share a few dates, each counted once)."""

    by_key: dict[str, int] = field(default_factory=dict)
    by_filing: dict[tuple[str, str, date], int] = field(default_factory=dict)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (first row, later row)
    deadlines: dict[tuple[str, str, date, date | None], Deadline] = field(default_factory=dict)


class _RowCheck:
    """The checks of one row, collecting issues as they are found."""

    def __init__(self, result: ExportReadResult, raw_row: RawRow, today: date, columns: _ColumnRules) -> None:
        self.result, self.raw_row, self.today, self.columns = result, raw_row, today, columns
        self.values: dict[str, object] = {}
        self.failed: set[str] = set()
        self.issues: list[RowIssue] = []
        self.absent: frozenset[str] = frozenset()  # a 变更's fields left to AMS (no column)

    def add(self, name: str, problem: FieldProblem) -> None:
        column = self.result.column_for(name)
        cell = f"{column.letter}{self.raw_row.row}" if column else None
        header = self.result.header_for(name)
        self.issues.append(
            issue(problem.code, header, severity=problem.severity, cell=cell, **problem.params)
        )

    def run(self, calendar: WorkCalendar, rules: DeadlineRules, seen: _SeenRows, keep: bool) -> RowOutcome:
        self._parse_fields()
        if self.values.get("action") == "open":
            self.columns.check_open_row(self.raw_row.row)
        elif self.values.get("action") == "change":
            self.columns.check_change_row(self.raw_row.row)
        absent = self.absent = self.columns.absent_for(self.values.get("action"))
        if absent:
            self.values["absent_fields"] = absent
            self._check_changed_items_have_columns(absent)
        self._check_required(absent)
        self._check_across_fields(rules)
        record = self._build_record() if not self._has(Severity.ERROR) else None
        if record is not None:
            self._compare_with_earlier(record, seen)
        deadline = self._deadline(calendar, rules, seen)
        errors = [i for i in self.issues if i.severity is not Severity.WARNING]
        valid = not errors
        invalid = self._has(Severity.ERROR)
        kept = record if keep and not invalid else None
        return RowOutcome(
            sheet=self.result.sheet,
            row=self.raw_row.row,
            valid=valid,
            needs_person=not valid and not invalid,
            record=kept,
            errors=errors,
            warnings=[i for i in self.issues if i.severity is Severity.WARNING],
            deadline=deadline,
            overdue=deadline is not None and self.today > deadline.due,
            due_today=deadline is not None and self.today == deadline.due,
            raw=self.raw_row.raw if keep else _NO_RAW,
            account_masked=masked_account(str(self.values.get("account_no") or self._raw_account())),
        )

    def _has(self, severity: Severity) -> bool:
        return any(i.severity is severity for i in self.issues)

    def _raw_account(self) -> str:
        return cell_text(self.raw_row.values.get("account_no"))

    def _parse_fields(self) -> None:
        bad = self.raw_row.bad or {}
        for name, multiplier in self.columns.read:
            if name in bad:  # an uncomputed formula or a control character: never a value
                self.failed.add(name)
                self.add(name, FieldProblem(bad[name]))
                continue
            try:
                value = parse_field(name, self.raw_row.values.get(name), multiplier)
            except FieldProblem as problem:
                self.failed.add(name)
                self.add(name, problem)
                continue
            if value is not None:
                self.values[name] = value
                for finding in soft_findings(name, value):
                    self.add(name, finding)

    def _check_changed_items_have_columns(self, absent: frozenset[str]) -> None:
        """A 变更 whose 变更事项 names a field the export has no column for has no new value to
        file: an error, never AMS's old value passed off as the change."""
        items = str(self.values.get("change_items") or "")
        for name in sorted(absent):
            if any(word in items for word in CHANGE_ITEM_WORDS[name]):
                self.add(name, FieldProblem("changed_without_column", params={"items": shorten(items)}))

    def _check_required(self, absent: frozenset[str]) -> None:
        action, kind = self.values.get("action"), self.values.get("account_kind")
        for name, reason in required_fields(_str(action), _str(kind)).items():
            if name in self.values or name in self.failed or name in absent:
                continue
            code = "required_missing" if self.result.column_for(name) else "column_missing"
            self.add(name, FieldProblem(code, params={"reason": reason}))

    def _check_across_fields(self, rules: DeadlineRules) -> None:
        if self.values.get("id_type") == RESIDENT_ID and "id_number" in self.values:
            try:
                check_resident_id(str(self.values["id_number"]), self.today)
            except FieldProblem as problem:
                self.failed.add("id_number")
                self.add("id_number", problem)
        for name in ("business_date", "notice_date"):
            day = self.values.get(name)
            if isinstance(day, date) and day > self.today:
                self.add(name, FieldProblem("date_in_future", params={"value": day, "today": self.today}))
        action, kind, category = (
            _str(self.values.get(n)) for n in ("action", "account_kind", "depositor_category")
        )
        # config/deadlines.yaml lists categories by their 01-17 codes (the registry's table)
        code = FIELDS["depositor_category"].export_code_of(category) if category else None
        if (
            action
            and kind
            and category
            and code
            and rules.approval.requires_approval(action=action, kind=kind, category=code)
        ):
            params: dict[str, object] = {
                "category": f"{code} {category}",
                "kind": FIELDS["account_kind"].label_of(kind),
            }
            self.add("depositor_category", FieldProblem("approval_required", Severity.NEEDS_PERSON, params))
        if (
            action
            and kind
            and "depositor_category" in self.absent
            and action in rules.approval.actions
            and kind in rules.approval.kinds
        ):
            # without 存款人类别 the bot cannot tell whether this 变更 needs the central bank's approval
            kind_label = FIELDS["account_kind"].label_of(kind)
            unknown = FieldProblem("approval_unknown", Severity.NEEDS_PERSON, {"kind": kind_label})
            self.add("depositor_category", unknown)

    def _build_record(self) -> FilingRecord | None:
        try:
            return FilingRecord.model_validate(self.values)
        except ValidationError as exc:
            for error in exc.errors(include_input=False, include_url=False):
                detail = str(error["msg"]).removeprefix("Value error, ")
                if error["loc"]:
                    self.add(str(error["loc"][0]), FieldProblem("record_invalid", params={"detail": detail}))
                else:  # a rule across fields: no one column to name
                    self.issues.append(issue("record_rule", "", detail=detail))
            return None

    def _compare_with_earlier(self, record: FilingRecord, seen: _SeenRows) -> None:
        key = record.idempotency_key()
        first = seen.by_key.setdefault(key, self.raw_row.row)
        if first != self.raw_row.row:
            self.add("account_no", FieldProblem("duplicate_row", params={"first": first}))
            return
        filing = (record.action, record.account_no, record.business_date)
        first = seen.by_filing.setdefault(filing, self.raw_row.row)
        if first != self.raw_row.row:
            self.add("account_no", FieldProblem("conflicting_row", Severity.NEEDS_PERSON, {"first": first}))
            seen.conflicts.append((first, self.raw_row.row))

    def _deadline(self, calendar: WorkCalendar, rules: DeadlineRules, seen: _SeenRows) -> Deadline | None:
        action, kind, start = (
            self.values.get("action"),
            self.values.get("account_kind"),
            self.values.get("business_date"),
        )
        if not (isinstance(action, str) and isinstance(kind, str) and isinstance(start, date)):
            return None
        notice = self.values.get("notice_date")
        notice_date = notice if isinstance(notice, date) else None
        counted = (action, kind, start, notice_date)
        deadline = seen.deadlines.get(counted)
        if deadline is None:
            deadline = seen.deadlines[counted] = deadline_for(
                rules, calendar, action=action, kind=kind, business_date=start, notice_date=notice_date
            )
        if deadline.estimated:
            years = "、".join(str(y) for y in unknown_years(calendar, start, deadline.due))
            self.add(
                "business_date",
                FieldProblem("deadline_estimated", Severity.WARNING, {"due": deadline.due, "years": years}),
            )
        if self.today > deadline.due:
            self.add(
                "business_date", FieldProblem("deadline_overdue", Severity.WARNING, {"due": deadline.due})
            )
        return deadline


_NO_RAW: Mapping[str, str] = MappingProxyType({})


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


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
