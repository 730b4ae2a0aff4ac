"""Row outcomes and the validation report (text for people, JSON for scripts).

Both renderings are diagnostics: they show messages (already free of personal data) and account
numbers masked to their last 4 digits, never the values themselves. The raw values of each row
stay on the outcome (`raw`) for the records that need them (result.xlsx).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flows.account_filing.footer_rows import FooterRow, listed
from flows.account_filing.issues import RowIssue, Severity
from flows.account_filing.normalise import compact
from flows.account_filing.records import FilingRecord
from rpa.masking import FieldClass, mask, scrub_text
from rpa.outcomes import outcome_label
from rpa.workdays import Deadline


@dataclass(slots=True)
class RowOutcome:
    """What validation made of one input row.

    valid: the row becomes a filing. needs_person: sound data the bot must not file (核准, a
    name outside GBK, a conflicting duplicate). Otherwise the row is invalid: `errors` says why.
    `errors` holds the needs-person reasons too (severity NEEDS_PERSON); `warnings` never stop a row.
    `parsed`: an invalid row (no record) keeps the fields that did parse, so its account, action and
    business date can still be matched (the reconciliation); empty otherwise.
    """

    sheet: str
    row: int
    valid: bool
    needs_person: bool
    record: FilingRecord | None
    errors: list[RowIssue]
    warnings: list[RowIssue]
    deadline: Deadline | None
    overdue: bool
    due_today: bool
    raw: Mapping[str, str]
    account_masked: str = ""
    parsed: Mapping[str, object] = field(default_factory=dict)  # an invalid row's fields that did parse
    # field -> the header it was read from, where the file has several columns for it (`date_columns`)
    read_from: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """ "valid", "needs_person" or "invalid"."""
        if self.valid:
            return "valid"
        return "needs_person" if self.needs_person else "invalid"

    def to_json(self) -> dict[str, Any]:
        """One row for `rpa validate --json`: no raw values, messages only."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "valid": self.valid,
            "needs_person": self.needs_person,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
            "deadline": None
            if self.deadline is None
            else {"due": self.deadline.due.isoformat(), "estimated": self.deadline.estimated},
            "overdue": self.overdue,
            "due_today": self.due_today,
        }


def masked_account(raw_account: str) -> str:
    """An account number as diagnostics may show it: the last 4 characters."""
    return mask(compact(raw_account), FieldClass.ACCOUNT_NO) if raw_account.strip() else "（无账号）"


@dataclass
class ValidationReport:
    """The outcome of every row of one export, in sheet order."""

    file: Path
    sheet: str
    header_row: int
    outcomes: list[RowOutcome]
    today: date
    missing_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    headers: list[str] = field(default_factory=list)  # the keys of each outcome's `raw`, in order
    mapped: dict[str, str] = field(default_factory=dict)  # sheet header -> field
    unmapped_fields: list[str] = field(default_factory=list)  # fields with no column
    ignored_headers: list[str] = field(default_factory=list)  # columns no field reads
    look_alikes: list[tuple[str, str, str]] = field(default_factory=list)  # (header, field header, alias)
    hidden_sheets: list[str] = field(default_factory=list)  # skipped
    absent_stated: list[str] = field(default_factory=list)  # --absent-column, as canonical headers
    kept_on_change: list[str] = field(default_factory=list)  # columns a 变更 leaves to AMS
    footer_rows: list[FooterRow] = field(default_factory=list)  # 合计, 制表人: passed over, no rows

    @property
    def counts(self) -> dict[str, int]:
        statuses = [o.status for o in self.outcomes]
        return {
            "rows": len(self.outcomes),
            "valid": statuses.count("valid"),
            "invalid": statuses.count("invalid"),
            "needs_person": statuses.count("needs_person"),
            "with_warnings": sum(1 for o in self.outcomes if o.warnings),
            "overdue": sum(1 for o in self.outcomes if o.overdue),
            "due_today": sum(1 for o in self.outcomes if o.due_today),
        }

    def put_aside(self, work: str, where: str, done: Collection[tuple[str, int]] = ()) -> list[str]:
        """Rows that never became items (invalid, or for a person), one line per kind, for the
        run's end (`Flow.output_problems`): the `work` (报备, 核查) not done, `where` says why;
        `done`: (sheet, row) of those a person did since (filed by hand, a checker approving)."""
        left = [o.status for o in self.outcomes if (o.sheet, o.row) not in done]
        kinds = (("invalid", "无效"), ("needs_person", "需人工处理"))
        return [f"{left.count(kind)} 行{word}，未{work}：原因见 {where}"
                for kind, word in kinds if kind in left]

    @property
    def exit_code(self) -> int:
        """0 when every row will be filed, 1 when some row is invalid or needs a person."""
        return 0 if all(o.valid for o in self.outcomes) else 1

    def valid_records(self) -> list[FilingRecord]:
        """The records to file, in sheet order."""
        return [o.record for o in self.outcomes if o.valid and o.record is not None]

    def file_warnings(self) -> list[str]:
        """What the person should know about the file as a whole, in Chinese."""
        warnings = self.sheet_warnings()
        if self.absent_stated:
            warnings.append(
                f"按 --absent-column 声明导出中没有这些列：{'、'.join(self.absent_stated)}"
                "（开户按未填写报备，注册资金为未标明）"
            )
        if self.kept_on_change:
            warnings.append(
                f"导出中没有这些列，变更时不修改、保留AMS中的原值：{'、'.join(self.kept_on_change)}"
            )
        return warnings

    def sheet_warnings(self) -> list[str]:
        """What was read of the sheet otherwise than as rows (look-alike columns, footer rows,
        hidden sheets), or that it has no row: shown on a run's terminal too (tester AI: a
        header-only export read as 每一行都通过了校验)."""
        warnings = [] if self.outcomes else [
            f"工作表「{self.sheet}」只有表头，没有数据行：若当天确有开户、变更或销户，请核对导出是否完整"]
        warnings += [
            f"列「{header}」未读取：与「{target}」的列名「{alias}」相近，但不是其别名；"
            "如确为该项，请在 config/header_aliases.yaml 中加入"
            for header, target, alias in self.look_alikes
        ]
        warnings.extend(self.footer_notes())
        if self.hidden_sheets:
            hidden = "、".join(self.hidden_sheets)
            warnings.append(f"已跳过隐藏的工作表：{hidden}（如需读取请用 --sheet 指定）")
        return warnings

    def footer_notes(self) -> list[str]:
        """The footer rows passed over (合计, 制表人), and any found between data rows."""
        notes = []
        if between := [f for f in self.footer_rows if f.between]:
            notes.append(f"{listed(between)}在数据行之间，是合计或签字行，已略过，其后的行照常读取："
                         "请核对导出是否完整（是否两份导出拼在一起）")
        if after := [f for f in self.footer_rows if not f.between]:
            notes.append(f"略过的表尾行：{listed(after)}（合计或签字行，不是账号，不报备）")
        return notes

    def to_json(self) -> dict[str, Any]:
        """The file (columns mapped, fields without a column, columns ignored, warnings) and one
        object per input row (see RowOutcome.to_json)."""
        return {**self._json_head(), "rows": [o.to_json() for o in self.outcomes]}

    def write_json(self, write: Callable[[str], object]) -> None:
        """`to_json()` as indented text, one row at a time: 200,000 rows are never one string."""
        head = json.dumps({**self._json_head(), "rows": []}, ensure_ascii=False, indent=2)
        write(head[: head.rindex("[]")] + "[")
        for number, outcome in enumerate(self.outcomes):
            write(("," if number else "") + "\n    " + json.dumps(outcome.to_json(), ensure_ascii=False))
        write("\n  ]\n}\n")

    def _json_head(self) -> dict[str, Any]:
        return {
            "file": scrub_text(self.file.name),
            "sheet": self.sheet,
            "header_row": self.header_row,
            "encoding": self.encoding,
            "columns": {
                "mapped": dict(self.mapped),
                "fields_without_column": list(self.unmapped_fields),
                "ignored": list(self.ignored_headers),
                "look_alikes": [
                    {"header": header, "like": target, "alias": alias}
                    for header, target, alias in self.look_alikes
                ],
                "absent_stated": list(self.absent_stated),
                "kept_on_change": list(self.kept_on_change),
            },
            "hidden_sheets_skipped": list(self.hidden_sheets),
            "footer_rows_skipped": [f.as_dict() for f in self.footer_rows],
            "warnings": self.file_warnings(),
            "counts": self.counts,
        }

    def render_text(self) -> str:
        """The report for a person, in Chinese: problems by row, then deadlines; accounts masked."""
        counts = self.counts
        lines = [
            f"文件：{scrub_text(self.file.name)}　工作表：{self.sheet}　表头在第{self.header_row}行"
            f"　核对日期：{self.today}",
            f"共{counts['rows']}行：有效 {counts['valid']}，无效 {counts['invalid']}，"
            f"需人工处理 {counts['needs_person']}；"
            f"已逾期 {counts['overdue']}，今日到期 {counts['due_today']}",
        ]
        if self.missing_columns:
            lines.append(f"表头中没有这些列：{'、'.join(self.missing_columns)}")
        lines.extend(f"[提示] {warning}" for warning in self.file_warnings())
        sections = (
            (outcome_label("invalid"), "invalid", lambda o: [*o.errors, *self._notes(o)]),
            ("需人工处理，不由机器人报备", "needs_person", lambda o: [*o.errors, *self._notes(o)]),
            ("有效，但请核对", "valid", self._notes),
        )
        for title, status, issues_of in sections:
            rows = [(o, issues_of(o)) for o in self.outcomes if o.status == status]
            rows = [(o, found) for o, found in rows if found]
            if rows:
                lines.append(f"\n{title}（{len(rows)}行）：")
            for outcome, found in rows:
                lines.append(f"第{outcome.row}行　账号 {outcome.account_masked}")
                lines.extend(f"    [{_LEVELS[i.severity]}] {_where(i)}{i.message}（{i.code}）" for i in found)
        lines.extend(self._deadline_lines())
        return "\n".join(lines) + "\n"

    @staticmethod
    def _notes(outcome: RowOutcome) -> list[RowIssue]:
        """Warnings other than 'overdue', which the deadline lines list."""
        return [i for i in outcome.warnings if i.code != "deadline_overdue"]

    def _deadline_lines(self) -> list[str]:
        lines = []
        for label, rows in (
            ("已逾期", [o for o in self.outcomes if o.overdue]),
            ("今日到期", [o for o in self.outcomes if o.due_today]),
        ):
            if rows:
                numbers = "、".join(str(o.row) for o in rows)
                lines.append(f"\n报备期限{label}（{len(rows)}行）：第{numbers}行")
        return lines


_LEVELS = {Severity.ERROR: "错误", Severity.NEEDS_PERSON: "人工", Severity.WARNING: "提示"}


def _where(found: RowIssue) -> str:
    return f"{found.cell} " if found.cell else ""
