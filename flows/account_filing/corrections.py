"""A person's correction of one filing item (异常处理, `rpa.casework`): the fields shown and
the corrected record re-validated by the same parsers, checks and record model as the export's
rows, so a correction is never looser than the input.

    >>> corrected_payload(payload, {"基本存款账户编号": "J1000123456789"})["record"]["basic_account_permit"]
    'J1000123456789'

A value that does not parse, a finding that would hold or refuse the row, or a record the model
refuses is a `UsageError` naming the field (its label, as the export's header has it). 业务类型,
账号 and 开户日期 say which filing it is: they are shown but never corrected here (a different
filing is a new row of a new export).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from flows.account_filing.fields import FieldProblem, check_resident_id, parse_field, soft_findings
from flows.account_filing.issues import Severity, issue
from flows.account_filing.records import FilingRecord
from flows.account_filing.registry import FIELDS, RESIDENT_ID
from rpa.approvals.words import APPROVED_AT, APPROVED_BY
from rpa.errors import UsageError
from rpa.masking import FieldClass

FIXED = ("action", "account_no", "business_date")  # which filing it is
CAPITAL = "registered_capital_yuan"  # kept in 元, shown and typed in 万元 as the export has it
PERSONAL: dict[str, FieldClass] = {
    "account_no": FieldClass.ACCOUNT_NO,
    "uscc": FieldClass.CREDIT_CODE,
    "id_number": FieldClass.ID_NUMBER,
    "basic_account_permit": FieldClass.BASIC_ACCOUNT_PERMIT,
    "legal_rep_name": FieldClass.PERSON_NAME,
}
_BY_LABEL = {spec.label: name for name, spec in FIELDS.items()}


def case_fields(payload: Mapping[str, Any]) -> list[tuple[str, str, FieldClass | None, bool]]:
    """(label, value as the export writes it, what the value is, may be corrected) per field."""
    record = payload.get("record")
    if not isinstance(record, Mapping):
        return []
    shown = []
    for name, spec in FIELDS.items():
        value = record.get(name)
        text = "" if value is None else str(value)
        if name in ("action", "account_kind") and text:
            text = spec.label_of(text)
        elif name == CAPITAL and text:
            text = format((Decimal(text) / 10_000).normalize(), "f")
        shown.append((spec.label, text, PERSONAL.get(name), name not in FIXED))
    return shown


def corrected_payload(payload: Mapping[str, Any], changes: Mapping[str, str],
                      today: date | None = None) -> dict[str, Any]:
    """The payload with `changes` (label -> text as in the export) applied and validated; a
    checker's earlier approval is dropped, so a run set for approval asks again."""
    record = payload.get("record")
    if not isinstance(record, Mapping):
        raise UsageError("该事项没有可更正的报备内容")
    values: dict[str, Any] = dict(record)
    for label, text in changes.items():
        name = _BY_LABEL.get(label)
        if name is None:
            raise UsageError(f"「{label}」不是报备的项：请按页面上列出的项更正")
        if name in FIXED:
            raise UsageError(f"「{label}」标明是哪一笔报备，不能在此更正：请改正导出后作为新行重新运行")
        values[name] = _parsed(name, label, text)
    if values.get("id_type") == RESIDENT_ID and values.get("id_number"):
        try:
            check_resident_id(str(values["id_number"]), today)
        except FieldProblem as problem:
            label = FIELDS["id_number"].label
            raise UsageError(_refusal(_message(problem, label))) from None
    try:
        corrected = FilingRecord.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = first.get("loc") or ()
        detail = str(first.get("msg", "")).removeprefix("Value error, ")
        if where and str(where[0]) in FIELDS:
            found = issue("record_invalid", FIELDS[str(where[0])].label, detail=detail)
        else:  # a rule across fields: its message names them
            found = issue("record_rule", "", detail=detail)
        raise UsageError(_refusal(found.message)) from None
    kept = {k: v for k, v in payload.items() if k not in (APPROVED_BY, APPROVED_AT)}
    return {**kept, "record": corrected.model_dump(mode="json")}


def _parsed(name: str, label: str, text: str) -> Any:
    try:
        value = parse_field(name, text, 10_000 if name == CAPITAL else 1)
    except FieldProblem as problem:
        raise UsageError(_refusal(_message(problem, label))) from None
    for finding in soft_findings(name, value):
        if finding.severity != Severity.WARNING:
            raise UsageError(_refusal(_message(finding, label)))
    return value


def _message(problem: FieldProblem, label: str) -> str:
    params: dict[str, Any] = {key: str(value) for key, value in problem.params.items()}
    return issue(problem.code, label, **params).message


def _refusal(message: str) -> str:
    return f"更正未采纳：{message}；请改正后再提交"
