"""The checks of one row of an export: each field parsed, what its action and kind require,
checks across fields (ID number by ID type, approval, the record model itself), the rows before
it (duplicates and conflicts, through `SeenRows`), and its filing deadline.

    >>> RowCheck(export, raw_row, date.today(), columns).run(calendar, rules, seen, keep=True).valid
    True

Issues are collected as they are found, each naming its column and cell; the row ends valid,
invalid (an error) or held for a person (needs_person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from pydantic import ValidationError

from flows.account_filing.change_items import KNOWN_ITEMS, named_fields, unread_items
from flows.account_filing.columns import ColumnRules
from flows.account_filing.credit_code_kind import category_problem
from flows.account_filing.deadlines import DeadlineRules, earliest_deadline, unknown_years
from flows.account_filing.export_rows import ExportReadResult, RawRow
from flows.account_filing.fields import FieldProblem, check_id_number, parse_field, soft_findings
from flows.account_filing.issues import RowIssue, Severity, issue, shorten
from flows.account_filing.normalise import cell_text, clean_text
from flows.account_filing.records import KEPT_WHEN_ABSENT, FilingRecord
from flows.account_filing.registry import FIELDS
from flows.account_filing.report import RowOutcome, masked_account
from flows.account_filing.requirements import required_fields
from flows.account_filing.rich_text_cells import marked_params
from flows.account_filing.vocabulary import KIND_NAMES
from rpa.workdays import Deadline, WorkCalendar

_NO_RAW: Mapping[str, str] = MappingProxyType({})

EARLIEST_DATE = date(1990, 1, 1)  # no business date of an export is earlier (normalise's serials too)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class SeenRows:
    """Keys of the rows validated so far: for duplicates and conflicts within the file; and the
    deadlines counted so far (a file's rows share a few dates, each counted once)."""

    by_key: dict[str, int] = field(default_factory=dict)
    by_filing: dict[tuple[str, str, date], int] = field(default_factory=dict)
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # (first row, later row)
    deadlines: dict[tuple[str | None, str | None, date, date | None], Deadline] = field(default_factory=dict)


class RowCheck:
    """The checks of one row, collecting issues as they are found."""

    def __init__(self, result: ExportReadResult, raw_row: RawRow, today: date, columns: ColumnRules) -> None:
        self.result, self.raw_row, self.today, self.columns = result, raw_row, today, columns
        self.values: dict[str, object] = {}
        self.failed: set[str] = set()
        self.issues: list[RowIssue] = []
        self.absent: frozenset[str] = frozenset()  # a 变更's fields left to AMS (no column)

    def add(self, name: str, problem: FieldProblem) -> None:
        column = (self.raw_row.read_from or {}).get(name) or self.result.column_for(name)
        cell = f"{column.letter}{self.raw_row.row}" if column and column.letter else None
        header = column.header if column else self.result.header_for(name)
        self.issues.append(
            issue(problem.code, header, severity=problem.severity, cell=cell, **problem.params)
        )

    def run(self, calendar: WorkCalendar, rules: DeadlineRules, seen: SeenRows, keep: bool) -> RowOutcome:
        self._parse_fields()
        if self.values.get("action") == "open":
            self.columns.check_open_row(self.raw_row.row)
        elif self.values.get("action") == "change":
            self.columns.check_change_row(self.raw_row.row)
        absent = self.absent = self.columns.absent_for(self.values.get("action"))
        if absent:
            self.values["absent_fields"] = absent
            self._check_changed_items_have_columns(absent)
        self._check_required(absent | self._not_changed())
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
            parsed=MappingProxyType(dict(self.values)) if keep and invalid else _NO_RAW,
            read_from={name: c.header for name, c in (self.raw_row.read_from or {}).items()},
        )

    def _has(self, severity: Severity) -> bool:
        return any(i.severity is severity for i in self.issues)

    def _items_written(self) -> str:
        """变更事项 as the cell writes it (户名, not the 存款人名称 filed), for a message."""
        return shorten(clean_text(cell_text(self.raw_row.values.get("change_items"))))

    def _raw_account(self) -> str:
        return cell_text(self.raw_row.values.get("account_no"))

    def _parse_fields(self) -> None:
        bad = self.raw_row.bad or {}
        for name, multiplier in self.columns.read:
            if name in bad:  # an uncomputed formula or a control character: never a value
                self.failed.add(name)
                self.add(name, FieldProblem(bad[name], params=marked_params(self.raw_row.values.get(name))))
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
        for name in sorted(absent & named_fields(items)):
            self.add(name, FieldProblem("changed_without_column", params={"items": self._items_written()}))

    def _not_changed(self) -> frozenset[str]:
        """A 变更's fields its 变更事项 does not name: AMS keeps them, so a blank cell there is no
        error. A 变更事项 with an item that is not a known word (change_items.py), naming no field,
        or naming any field over a blank cell (注册资金 too: blank is 未标明注册资金 only for an
        开户), is a row error: the 变更 would file what was not declared, nothing, or erase AMS's
        value."""
        items = self.values.get("change_items")
        if self.values.get("action") != "change" or not isinstance(items, str):
            return frozenset()
        if not_read := unread_items(items):  # a remark, a negation, an item AMS has not: never guessed
            listed = "」「".join(shorten(item) for item in not_read)
            params: dict[str, object] = {"items": shorten(items, 40), "unread": listed, "known": KNOWN_ITEMS}
            self.add("change_items", FieldProblem("change_items_unread", params=params))
            return KEPT_WHEN_ABSENT  # not filed: its other blank cells are no further errors
        named = named_fields(items)
        if not named:
            self.add("change_items", FieldProblem("change_items_unknown",
                                                  params={"items": shorten(items), "known": KNOWN_ITEMS}))
            return frozenset()
        # a named field's blank cell: the required ones are _check_required's (required_missing);
        # the rest (注册地址, 注册资金, 经营范围) may be blank in an 开户, never in a change naming them
        required = required_fields("change", _str(self.values.get("account_kind")))
        for name in FIELDS:
            unread = name in self.failed or name in self.absent
            if name in named and name not in required and name not in self.values and not unread:
                self.add(name, FieldProblem("changed_to_blank", params={"items": self._items_written()}))
        return KEPT_WHEN_ABSENT - named

    def _check_required(self, absent: frozenset[str]) -> None:
        action, kind = self.values.get("action"), self.values.get("account_kind")
        for name, reason in required_fields(_str(action), _str(kind)).items():
            if name in self.values or name in self.failed or name in absent:
                continue
            code = "required_missing" if self.result.column_for(name) else "column_missing"
            self.add(name, FieldProblem(code, params={"reason": reason}))

    def _dated_now(self, name: str) -> bool:
        """Whether the date `name` is of the filing itself (tester T's S2: a 开户 of 1926-12-03, a
        typo for 2026, was filed): a notice, an opening; a 变更's or 撤销's 开户日期 may be the
        day an old account was opened (the code review of 2026-12-06)."""
        return name == "notice_date" or _str(self.values.get("action")) == "open"

    def _check_across_fields(self, rules: DeadlineRules) -> None:
        if "id_type" in self.values and "id_number" in self.values:
            try:
                check_id_number(str(self.values["id_type"]), str(self.values["id_number"]), self.today)
            except FieldProblem as problem:
                self.failed.add("id_number")
                self.add("id_number", problem)
        elif "id_number" in self.values and "id_type" not in self.values.keys() | self.failed | self.absent \
                and all(found.column != self.result.header_for("id_type") for found in self.issues):
            # a number under a type left blank where it may be (a 撤销, a 变更 not of the ID: tester
            # AO of 2026-12-06): not filed, but never passed unread; a type required is an error already
            self.add("id_number", FieldProblem("id_unchecked", Severity.WARNING))
        for name in ("business_date", "notice_date"):
            day = self.values.get(name)
            if isinstance(day, date) and day > self.today:
                self.add(name, FieldProblem("date_in_future", params={"value": day, "today": self.today}))
            elif isinstance(day, date) and day < EARLIEST_DATE and self._dated_now(name):  # 1926 for 2026
                early: dict[str, object] = {"value": day, "earliest": EARLIEST_DATE}
                self.add(name, FieldProblem("date_too_early", params=early))
        action, kind, category = (
            _str(self.values.get(n)) for n in ("action", "account_kind", "depositor_category")
        )
        # config/deadlines.yaml lists categories by their 01-17 codes (the registry's table)
        code = FIELDS["depositor_category"].export_code_of(category) if category else None
        lacking = [FIELDS[n].label for n in ("depositor_category", "uscc")  # a 撤销's category, checked
                   if action == "close" and not {n} & (self.values.keys() | self.failed)]  # against its code
        if action and kind and category and code and rules.approval.requires_approval(
                action=action, kind=kind, category=code):
            params: dict[str, object] = {"category": f"{code} {category}", "kind": KIND_NAMES[kind]}
            self.add("depositor_category", FieldProblem("approval_required", Severity.NEEDS_PERSON, params))
        elif kind and (lacking or "depositor_category" in self.absent) and rules.approval.applies(
                action, kind):
            # without them the bot cannot tell whether this 变更/撤销 needs the central bank's approval
            params = {"kind": KIND_NAMES[kind], "lacking": "」「".join(lacking)}
            code = "approval_unknown_blank" if lacking else "approval_unknown"
            self.add("depositor_category", FieldProblem(code, Severity.NEEDS_PERSON, params))
        if mismatch := category_problem(self.values, self.result.header_for("uscc")):
            self.add("depositor_category", mismatch)  # 备案 or 核准 follows the category: both must agree
        if action == "open" and kind == "basic" and ("basic_account_permit" in self.failed
                                                     or self.values.get("basic_account_permit")):
            # AMS issues it: a number the filing leaves out refuses no row, written however it is
            self.issues = [found for found in self.issues if found.code != "permit_format"]
            self.add("basic_account_permit", FieldProblem("permit_issued_by_ams", Severity.WARNING))

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

    def _compare_with_earlier(self, record: FilingRecord, seen: SeenRows) -> None:
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

    def _deadline(self, calendar: WorkCalendar, rules: DeadlineRules, seen: SeenRows) -> Deadline | None:
        action, kind, start = (
            self.values.get("action"),
            self.values.get("account_kind"),
            self.values.get("business_date"),
        )
        notice = self.values.get("notice_date")
        # one refused (after today, before 1990) counts no deadline (tester BE F2: 2026-12-09 gave
        # 2026-12-11 to a change due today): as one that does not read, the business date's
        refused = isinstance(notice, date) and not EARLIEST_DATE <= notice <= self.today
        notice_date = notice if isinstance(notice, date) and not refused else None
        if not isinstance(start, date):  # a 变更 counted from its notice needs no business date
            if action != "change" or notice_date is None or not rules.counts_from_notice("change"):
                return None
            start = notice_date
        action = action if isinstance(action, str) else None
        kind = kind if isinstance(kind, str) else None
        counted = (action, kind, start, notice_date)
        deadline = seen.deadlines.get(counted)
        if deadline is None:  # a 业务类型 or 账户性质 that does not read: the earliest it could be
            deadline = seen.deadlines[counted] = earliest_deadline(
                rules, calendar, action=action, kind=kind, business_date=start, notice_date=notice_date
            )
        if action is None or kind is None:
            self.add("business_date",
                     FieldProblem("deadline_earliest", Severity.WARNING, {"due": deadline.due}))
        unread = "notice_date" in self.failed or refused
        if unread and action in ("change", None) and rules.counts_from_notice("change"):
            # tester T's U4: a notice may come before the change, so its deadline before this one
            early = FieldProblem("deadline_from_business", Severity.WARNING, {"due": deadline.due})
            self.add("notice_date", early)
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
