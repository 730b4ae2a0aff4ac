"""A person's correction of one filing item (异常处理, `rpa.casework`): the fields shown, and the
corrected row validated by the very validator the export's rows go through (`validate_file`:
reader, parsers, what the action and kind require, checks across fields, the rules that hand a
row to a person, the record model), so a correction is never looser than the input.

    >>> corrected_payload(payload, {"基本存款账户编号": "J3930000567802"}, config_dir=..., calendar_file=...,
    ...                   today=date(2026, 12, 2))["record"]["basic_account_permit"]
    'J3930000567802'

The row is written as a one-row CSV in the canonical headers (in a private temporary folder,
removed at once) with the changes applied, and validated. A row that comes out invalid or for a
person is a `UsageError` quoting the validator's own messages, which name the column. 业务类型,
账号 and 开户日期 say which filing it is: they are shown but never corrected here (a different
filing is a new row of a new export).

With RPA_FILING_REQUIRE_CHECK a corrected 开户/变更 row passes the very gate an export's row does
(`correction_held`: `check_gate.hold_unchecked` on the corrected row) before it is filed: its
check is looked up under the corrected row's key, which is its whole content's, so any correction,
even of a field the check does not compare (证件种类), needs a check of the corrected row (run
enterprise-check on the corrected export), as a new export row would; a check covers the content
it was run on, never other content, whichever fields differ. Else it is held (需人工处理) with the
gate's note; `rpa cases retry` files it once such a check passed.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.account_filing.check_gate import hold_unchecked
from flows.account_filing.records import FilingRecord
from flows.account_filing.registry import FIELDS, personal_class
from flows.account_filing.report import RowOutcome, ValidationReport
from rpa.approvals.words import APPROVED_AT, APPROVED_BY
from rpa.errors import UsageError
from rpa.masking import FieldClass

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkQueue
    from rpa.settings import Settings

FIXED = ("action", "account_no", "business_date")  # which filing it is
CAPITAL = "registered_capital_yuan"  # kept in 元, shown and typed in 万元 as the export has it
_BY_LABEL = {spec.label: name for name, spec in FIELDS.items()}


def export_texts(record: Mapping[str, Any]) -> dict[str, str]:
    """The record's fields as an export writes them, by field name (labels for coded values)."""
    texts = {}
    for name, spec in FIELDS.items():
        value = record.get(name)
        text = "" if value is None else str(value)
        if name in ("action", "account_kind") and text:
            text = spec.label_of(text)
        elif name == CAPITAL and text:
            text = format((Decimal(text) / 10_000).normalize(), "f")
        texts[name] = text
    return texts


# a row's codes and amounts, never personal data, shown whole where the row is reviewed or held (a
# checker saw 开户银行机构代码 ********0013 and 注册资金 ****0000.00: tester BJ F12, 2026-12-07)
_SHOWN_WHOLE = {"bank_code": FieldClass.REFERENCE, "registered_capital_yuan": FieldClass.AMOUNT}


def shown_class(name: str, depositor_category: str | None, uscc: str | None) -> FieldClass:
    """How a field's value is shown: masked by what it is in this row (`registry.personal_class`),
    a code or amount whole, anything else as free text, scrubbed."""
    return personal_class(name, depositor_category, uscc) or _SHOWN_WHOLE.get(name, FieldClass.PLAIN)


def case_fields(payload: Mapping[str, Any]) -> list[tuple[str, str, FieldClass | None, bool]]:
    """(label, value as the export writes it, how the value is shown, may be corrected) per field;
    how it is shown by `shown_class` (a 无字号个体工商户's name is its owner's)."""
    record = payload.get("record")
    if not isinstance(record, Mapping):
        return []
    absent = set(record.get("absent_fields") or ())
    category = record.get("depositor_category")
    return [(FIELDS[name].label, text, shown_class(name, category, record.get("uscc")),
             name not in FIXED and name not in absent)
            for name, text in export_texts(record).items()]


def corrected_payload(payload: Mapping[str, Any], changes: Mapping[str, str], *, config_dir: Path,
                      calendar_file: Path, today: date) -> dict[str, Any]:
    """The payload with `changes` (label -> text as in the export) applied and validated; a
    checker's earlier approval is dropped, so a run set for approval asks again."""
    from flows.account_filing.validate import validate_file

    record = payload.get("record")
    if not isinstance(record, Mapping):
        raise UsageError("该事项没有可更正的报备内容")
    absent = set(record.get("absent_fields") or ())
    texts = export_texts(record)
    for label, text in changes.items():
        name = _BY_LABEL.get(label)
        if name is None:
            raise UsageError(f"「{label}」不是报备的项：请按页面上列出的项更正")
        if name in FIXED:
            raise UsageError(f"「{label}」标明是哪一笔报备，不能在此更正：请改正导出后作为新行重新运行")
        if name in absent:
            raise UsageError(f"「{label}」在原导出中没有这一列（AMS 中保留原值），不能在此更正")
        texts[name] = text
    names = [name for name in FIELDS if name not in absent]
    with tempfile.TemporaryDirectory(prefix="rpa-correction-") as folder:  # 0700, removed at once
        path = Path(folder) / "correction.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([FIELDS[name].label for name in names])
            writer.writerow([texts[name] for name in names])
        report = validate_file(path, config_dir=config_dir, calendar_file=calendar_file, today=today,
                               absent_columns=[FIELDS[name].label for name in sorted(absent)])
    [outcome] = report.outcomes
    if not outcome.valid or outcome.record is None:
        reasons = "；".join(found.message for found in outcome.errors) or "该行不能报备"
        raise UsageError(f"更正未采纳：{reasons}；请改正后再提交")
    kept = {k: v for k, v in payload.items() if k not in (APPROVED_BY, APPROVED_AT)}
    return {**kept, "record": outcome.record.model_dump(mode="json")}


def correction_held(settings: Settings, queue: WorkQueue,
                    payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(code, note) of the registration-check gate when it stops the corrected row, as it stops an
    export's row (RPA_FILING_REQUIRE_CHECK); None when the row may be filed."""
    record = payload.get("record")
    if not settings.filing_require_check or not isinstance(record, Mapping):
        return None
    row = RowOutcome(sheet=str(payload.get("sheet") or ""), row=int(payload.get("row") or 0), valid=True,
                     needs_person=False, record=FilingRecord.model_validate(record), errors=[], warnings=[],
                     deadline=None, overdue=False, due_today=False, raw={})
    if not hold_unchecked(ValidationReport(Path("correction"), row.sheet, 1, [row], date.today()), queue):
        return None
    issue = row.errors[-1]
    return issue.code, (f"更正后的行须按更正后的内容重新核查，暂不报备：{issue.message}；"
                        "原导出的核查不算数，须对载有更正后内容的导出运行 rpa run enterprise-check，"
                        "核查通过后用 rpa cases retry 报备")
