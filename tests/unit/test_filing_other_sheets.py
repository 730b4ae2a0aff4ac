"""A workbook whose other visible sheet holds the export's header and rows is refused, naming the
sheets, unless one is named: reading only the active sheet dropped the other's rows without a word.

A tester (2026-12-05) split an export over 开户 (active, 1 row) and 变更及撤销 (2 rows): validate
and run read 共1行 and ended 全部完成. The workbooks are written here by hand with DOMAIN.md's
headers and sample values (tests/check_exports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from rpa.errors import InputFileError
from tests.check_exports import HEADERS, open_row, uscc
from tests.unit.test_filing_columns import validate


def _opened(serial: int) -> list[Any]:
    return open_row(f"62284800123456{serial:05d}", "北京华信科技有限公司", uscc("91110000600037341"), "张三")


def _book(tmp_path: Path, sheets: list[tuple[str, list[list[Any]] | None, str]], active: int = 0) -> Path:
    """Sheets as (title, rows under DOMAIN.md's header or None for a cover note, state)."""
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        if rows is None:
            sheet.append(["本表由核心系统导出，开户明细见其他工作表"])
            continue
        sheet.append(HEADERS)
        for values in rows:
            sheet.append(values)
    book.active = active
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("active", [0, 1])
def test_a_second_visible_sheet_with_the_header_and_rows_refuses_the_file(
    tmp_path: Path, active: int
) -> None:
    path = _book(tmp_path, [("开户", [_opened(1)], "visible"),
                            ("变更及撤销", [_opened(2), _opened(3)], "visible")], active)  # fmt: skip
    with pytest.raises(InputFileError) as refused:
        validate(path)
    said = str(refused.value)
    assert "export.xlsx" in said and "「开户」" in said and "「变更及撤销」" in said
    assert "合并到一个工作表" in said and "--sheet" in said
    named = validate(path, sheet="变更及撤销")  # naming the sheet is reading that one, knowingly
    assert (named.sheet, named.counts["valid"]) == ("变更及撤销", 2)


def test_sheets_without_rows_of_the_export_do_not_refuse_it(tmp_path: Path) -> None:
    template = ("模板", [], "visible")  # the header alone: no row lost
    noted = ("备注", [[*[""] * len(HEADERS), "已核对"]], "visible")  # a note beside, no field's cell
    hidden = ("旧数据", [_opened(4)], "hidden")  # hidden: listed as skipped, as before
    path = _book(tmp_path, [("说明", None, "visible"), ("开户", [_opened(1)], "visible"),
                            template, noted, hidden], active=1)  # fmt: skip
    report = validate(path)
    assert (report.sheet, report.counts["valid"], report.hidden_sheets) == ("开户", 1, ["旧数据"])
