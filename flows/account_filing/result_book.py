"""result.xlsx: one row per input row, what became of it.

A record, not a diagnostic: it holds the real account numbers and names, so it is written
owner-only (0600) into the run folder (0700). Text that comes from the input or the portal is
written as an explicit string cell, and text that starts like a formula (= + - @, or a tab or a
carriage return) also carries Excel's quote prefix: no cell of this book can ever be a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.account_filing.checks import PASSED, CheckLine
from rpa.atomic import atomic_write
from rpa.outcomes import OUTCOME_LABELS, outcome_label

SHEET_TITLE = "报备结果"
CHECKS_TITLE = "校验"
CHECK_COLUMNS: tuple[tuple[str, int], ...] = (
    ("校验项", 34), ("范围", 8), ("结果", 12), ("涉及行数", 10), ("说明", 80),
)  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (header, width)
COLUMNS: tuple[tuple[str, int], ...] = (
    ("行号", 7),
    ("业务类型", 9),
    ("账号", 24),
    ("存款人名称", 30),
    ("业务日期", 12),
    ("状态", 14),
    ("备案编号", 21),
    ("基本存款账户编号", 18),
    ("门户信息", 36),
    ("报备期限", 12),
    ("是否逾期", 9),
    ("证据文件", 34),
    ("说明", 60),
    ("处理批次", 30),
    ("账户性质", 14),  # last, so the columns before keep their places for readers of older books
    ("存款人类别", 18),
    ("证件种类", 14),
    # what the row files beside the columns above (tester BJ F14, 2026-12-07: a 变更 read 已报备 and
    # nothing said what it changed): its 变更事项, its 撤销原因, the 注册资金 it sends in 元
    ("变更事项", 24),
    ("撤销原因", 12),
    ("注册资金（元）", 16),
)

STATUS_LABELS: dict[str, str] = OUTCOME_LABELS  # one word per outcome: rpa.outcomes
_STATUS_COLOURS: dict[str, str] = {
    "filed": "C6EFCE",
    "already_filed": "DDEBF7",
    "would_file": "E2EFDA",
    "refused": "FFC7CE",
    "rejected": "FFC7CE",
    "held": "FFEB9C",
    "failed": "F4B084",
    "pending": "D9D9D9",
    "elsewhere": "D9D9D9",
    "invalid": "F8CBAD",
    "needs_person": "FFEB9C",
}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="BFBFBF")


@dataclass(frozen=True)
class ResultRow:
    """One input row's fate; `status` is a key of STATUS_LABELS."""

    sheet_row: int
    action: str
    account_no: str
    depositor_name: str
    business_date: str
    status: str
    filing_no: str = ""
    permit: str = ""
    portal_message: str = ""
    deadline: str = ""
    overdue: bool | None = None
    evidence: str = ""
    note: str = ""
    run_id: str = ""
    # coded fields as labels (the field registry's), or as the row wrote them when it is invalid
    account_kind: str = ""
    depositor_category: str = ""
    id_type: str = ""
    change_items: str = ""
    close_reason: str = ""
    capital_yuan: str = ""  # only where the row sends it: not a 变更's it leaves as AMS holds it

    def values(self) -> list[str | int]:
        overdue = "" if self.overdue is None else ("是" if self.overdue else "否")
        return [
            self.sheet_row,
            self.action,
            self.account_no,
            self.depositor_name,
            self.business_date,
            outcome_label(self.status),
            self.filing_no,
            self.permit,
            self.portal_message,
            self.deadline,
            overdue,
            self.evidence,
            self.note,
            self.run_id,
            self.account_kind,
            self.depositor_category,
            self.id_type,
            self.change_items,
            self.close_reason,
            self.capital_yuan,
        ]


def put_text(cell: Cell, value: str) -> None:
    """Write text that can never be taken for a formula (see the module docstring)."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def write_result_book(path: Path, rows: Iterable[ResultRow], checks: Sequence[CheckLine] = (),
                      title: str = SHEET_TITLE) -> Path:
    """Write the book (styled header, frozen panes, autofilter, status colours), mode 0600;
    with `checks`, a second sheet 校验 lists every check that ran and its result."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for col, (header, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(col)].width = width
    status_col = 1 + [h for h, _ in COLUMNS].index("状态")
    count = 0
    for count, result in enumerate(rows, start=1):
        for col, value in enumerate(result.values(), start=1):
            cell = sheet.cell(row=count + 1, column=col)
            if isinstance(value, int):
                cell.value = value
            else:
                put_text(cell, value)
            cell.border = Border(bottom=_THIN)
        colour = _STATUS_COLOURS.get(result.status)
        if colour:
            sheet.cell(row=count + 1, column=status_col).fill = PatternFill("solid", fgColor=colour)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    sheet.row_dimensions[1].height = 20
    if checks:
        _write_checks(workbook.create_sheet(CHECKS_TITLE), checks)
    buffer = io.BytesIO()  # zipped in memory: a disk that refuses the file leaves no zip half-closed
    workbook.save(buffer)
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return path


def _write_checks(sheet: Worksheet, checks: Sequence[CheckLine]) -> None:
    for col, (header, width) in enumerate(CHECK_COLUMNS, start=1):
        cell = sheet.cell(row=1, column=col, value=header)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        sheet.column_dimensions[get_column_letter(col)].width = width
    for number, line in enumerate(checks, start=2):
        for col, value in enumerate((line.name, line.scope, line.result), start=1):
            put_text(sheet.cell(row=number, column=col), value)
        sheet.cell(row=number, column=4, value=line.count)
        put_text(sheet.cell(row=number, column=5), line.detail)
        colour = "C6EFCE" if line.result == PASSED else "FFEB9C"
        sheet.cell(row=number, column=3).fill = PatternFill("solid", fgColor=colour)
    sheet.freeze_panes = "A2"
