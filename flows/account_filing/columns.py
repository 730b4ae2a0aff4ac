"""What an export's missing columns mean for its rows (see `requirements`), worked out once per
file: an 开户 row needs every column its form sends (or the column stated absent with
`--absent-column`), a 变更 row the columns that identify its filing; a 变更 leaves the fields of
the other missing columns to AMS (their old values kept).

    >>> columns = ColumnRules(export, frozenset({"registered_capital_yuan"}), aliases)
    >>> columns.check_open_row(7)      # InputFileError naming the file, sheet, row and column

A column stated absent that the file has is a usage error: the statement is wrong.
"""

from __future__ import annotations

from flows.account_filing.aliases import HeaderAliases
from flows.account_filing.export_rows import ExportReadResult, file_and_sheet
from flows.account_filing.records import FilingRecord
from flows.account_filing.requirements import KEPT_WHEN_ABSENT, MAY_BE_STATED_ABSENT, OPEN_FORM_FIELDS
from rpa.errors import InputFileError, UsageError

# What a 变更 needs to find and identify its filing: without one of these columns a file with
# 变更 rows is refused (the other fields the 变更 form sends may be left to AMS).
CHANGE_KEY_FIELDS = ("account_no", "account_kind", "business_date", "change_items", "basic_account_permit")


def result_place(result: ExportReadResult) -> str:
    """The file's name, and its sheet when the sheet has another name: for a clerk's message."""
    return file_and_sheet(result.file.name, result.sheet)


class ColumnRules:
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
                    f"但 {result_place(result)}"
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
            f"无法报备 {result_place(result)}：第{row}行是{action}，"
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
