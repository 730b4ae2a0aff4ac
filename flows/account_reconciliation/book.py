"""reconciliation.xlsx: one sheet per class (classify.py), Chinese headers, and a first sheet
汇总 with the period, the exports read (how many files and rows, or that none was), each class's
count, their total (the keys: each in one class) and which fields were compared and which not
(`SCOPE`).

A record, like result.xlsx: real account numbers and names, written owner-only and atomically;
every text cell is written so that it can never be a formula (`put_text`).
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.result_book import put_text
from flows.account_reconciliation.classify import CLASSES, DIFFERS, DUE, SCOPE, Line, Reconciled
from rpa.atomic import atomic_write

SUMMARY = "汇总"
_COMMON = (("业务类型", 9), ("账号", 24), ("业务日期", 12), ("存款人名称", 30))
_EXTRA: dict[str, tuple[tuple[str, int], ...]] = {
    DUE: (("报备期限", 12), ("是否逾期", 9), ("来源", 36), ("说明", 50)),
    DIFFERS: (("不一致的字段", 18), ("导出文件中的值", 30), ("AMS中的值", 30), ("AMS备案编号", 22),
              ("来源", 36), ("报送方", 40), ("说明", 40)),
}
_DEFAULT = (("AMS备案编号", 22), ("本行备案编号", 22), ("报备运行", 30), ("来源", 36), ("说明", 40))
_HEADER_FILL, _HEADER_FONT = PatternFill("solid", fgColor="1F4E78"), Font(bold=True, color="FFFFFF")


def _values(name: str, line: Line) -> list[list[str]]:
    """The sheet rows of one line (a line whose fields differ: one row per field, naming the AMS
    filing and the export row that differ in it)."""
    action = ACTION_LABELS.get(line.action, line.action)
    common = [action, line.account_no, line.business_date, line.depositor_name]
    if name == DUE:
        return [[*common, line.deadline, "是" if line.overdue else "否", line.source, line.note]]
    if name == DIFFERS:
        who = (f"本行报备运行 {line.run_id}（本行备案编号 {line.our_filing_no}）" if line.our_filing_no
               else "非本行报备运行报送（人工或他行）")
        return [[*common, d.label, d.export, d.ams, d.filing_no or line.ams_filing_no,
                 d.source or line.source, who, line.note] for d in line.differences]  # fmt: skip
    return [[*common, line.ams_filing_no, line.our_filing_no, line.run_id, line.source, line.note]]


def _count(name: str, reconciled: Reconciled) -> str:
    """A class's count of keys; 数据不一致's sheet has a row per differing field, and says so
    where that makes more rows than keys (tester V's 2.5)."""
    keys = len(reconciled.lines[name])
    rows = sum(len(_values(name, line)) for line in reconciled.lines[name])
    return str(keys) if rows == keys else f"{keys}（表中 {rows} 行：每个不一致的字段一行）"


def write_book(path: Path, reconciled: Reconciled, period: str, notes: list[str], *, read: str = "") -> Path:
    """The book, mode 0600, written in one piece; `read` (汇总's 导出文件) says which exports were
    read and how many of their rows are in the period, or that none was."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = SUMMARY
    for number, (label, value) in enumerate(
        [("核对期间", period), *([("已读导出文件", read)] if read else []),
         *((name, _count(name, reconciled)) for name in CLASSES),
         ("合计", f"{reconciled.total}（每笔按账号、业务类型、业务日期计，只归一类）"),
         ("其中已逾期", str(reconciled.overdue)), ("核对范围", SCOPE), *(("说明", note) for note in notes)],
            start=1):
        put_text(summary.cell(row=number, column=1), label)
        put_text(summary.cell(row=number, column=2), value)
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 20, 60
    for name in CLASSES:
        sheet = book.create_sheet(name)
        columns = (*_COMMON, *_EXTRA.get(name, _DEFAULT))
        for col, (header, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=col, value=header)
            cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
            sheet.column_dimensions[get_column_letter(col)].width = width
        rows = [values for line in reconciled.lines[name] for values in _values(name, line)]
        for number, values in enumerate(rows, start=2):
            for col, value in enumerate(values, start=1):
                put_text(sheet.cell(row=number, column=col), value)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return path
