"""A header cell merged over several columns or rows (the top of a two-row header) refuses the
file: read-only openpyxl gives the merged text to the first column only, so 法定代表人 over
类别 and 姓名 was read as the name column while it held the roles. A merged title row above a
one-row header, and merged cells below it, read as before.

The workbooks are written here with openpyxl, not by the project's sample generator."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from flows.account_filing import ValidationReport, validate_file
from rpa.errors import InputFileError
from rpa.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config"
CALENDAR = PROJECT_ROOT / "calendar.yaml"
TODAY = date(2026, 11, 27)
HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
ROLE = HEADERS.index("法定代表人类别") + 1  # column H


def change_row(account: str, items: str, role: str = "法定代表人", name: str = "李四") -> list[Any]:
    return [
        "变更", account, "基本存款账户", "2026-11-25", "厦门海联贸易有限公司", "01",
        "91350200776049653A", role, name, "居民身份证", "360426199101010071",
        "厦门市思明区湖滨南路1号", "货物进出口", "102100099996", "J1000000000002", items, "", "",
        "310002",
    ]  # fmt: skip


ROWS = [change_row("6228480012345678902", "注册地址"), change_row("6228480012345678903", "经营范围")]


def sheet_of(book: Workbook) -> Worksheet:
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "开户明细"
    return sheet


def save(book: Workbook, tmp_path: Path) -> Path:
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


def two_row_header(tmp_path: Path, *, formula: bool = False) -> Path:
    """法定代表人 merged over H1:I1, its sub-headers 类别 and 姓名 in row 2, as the tester's export."""
    book = Workbook()
    sheet = sheet_of(book)
    top = ["法定代表人" if h.startswith("法定代表人") else h for h in HEADERS]
    top[ROLE] = None
    sheet.append(top)
    sheet.append([{ROLE - 1: "类别", ROLE: "姓名"}.get(i) for i in range(len(HEADERS))])
    sheet.merge_cells(start_row=1, start_column=ROLE, end_row=1, end_column=ROLE + 1)
    for values in ROWS:
        sheet.append(values)
    if formula:
        sheet["T3"] = "=1+1"  # a formula cell: the scan must still find the merged range after it
    return save(book, tmp_path)


def validate(path: Path) -> ValidationReport:
    return validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=TODAY)


@pytest.mark.parametrize("formula", [False, True], ids=["values", "with_a_formula"])
def test_a_two_row_header_is_refused_naming_the_merged_range(tmp_path: Path, formula: bool) -> None:
    with pytest.raises(InputFileError) as refused:
        validate(two_row_header(tmp_path, formula=formula))
    message = str(refused.value)
    assert "export.xlsx" in message and "工作表「开户明细」" in message
    assert "「法定代表人」（H1:I1，跨2列）" in message and "第1行" in message
    assert "表头只占一行" in message and "config/header_aliases.yaml" in message
    assert len(message.splitlines()) <= 2


def test_a_header_cell_merged_down_into_the_next_row_is_refused(tmp_path: Path) -> None:
    book = Workbook()
    sheet = sheet_of(book)
    sheet.append(HEADERS)
    sheet.append([None] * len(HEADERS))
    sheet.merge_cells("B1:B2")  # 账号 over two rows: row 2 belongs to the header
    for values in ROWS:
        sheet.append(values)
    with pytest.raises(InputFileError, match=r"「账号」（B1:B2，跨2行）"):
        validate(save(book, tmp_path))


def test_a_merged_title_above_a_one_row_header_reads_as_before(tmp_path: Path) -> None:
    book = Workbook()
    sheet = sheet_of(book)
    sheet.append(["2026年11月开户清单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(["基本信息", None, None, None, None, None, None, "法定代表人"])
    sheet.merge_cells("A2:G2")  # a group row above the header: each column still has its own name
    sheet.merge_cells("H2:K2")
    sheet.append(HEADERS)
    for values in ROWS:
        sheet.append(values)
    sheet.append([None] * len(HEADERS) + ["经办网点：思明支行"])
    sheet.merge_cells("T6:V6")  # a merged note beside the data is no header
    report = validate(save(book, tmp_path))
    assert report.header_row == 3
    assert [o.row for o in report.outcomes] == [4, 5]
    assert all(o.valid for o in report.outcomes), [o.errors for o in report.outcomes]
    names = [o.record.legal_rep_name for o in report.outcomes if o.record is not None]
    assert names == ["李四", "李四"]
