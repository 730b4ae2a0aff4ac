"""An export whose data rows are hidden in Excel (filtered out, or hidden by hand) is refused.

A clerk who filters an export to the rows to file, or hides the others, and saves it sees those
rows only; the reader read every row and filed the hidden ones without a word. Now the first
hidden row holding data refuses the file (exit 2) naming the sheet and the rows, in validate and
in a run, before anything is queued; hidden blank rows and a hidden title row above the header
are no rows lost. Workbooks are written here by hand with DOMAIN.md's headers and sample values
(tests/check_exports.py), hidden rows as Excel writes them (`<row hidden="1">`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from rpa.errors import InputFileError
from tests.check_exports import HEADERS, open_row, refused_before_filing, uscc
from tests.unit.test_filing_columns import validate


def _opened(serial: int) -> list[Any]:
    return open_row(f"62284800123456{serial:05d}", "北京华信科技有限公司", uscc("91110000600037341"), "张三")


def _export(tmp_path: Path, hidden: tuple[int, ...], *, title: bool = False, filtered: bool = False,
            blank_after: bool = False) -> Path:
    """Four rows under the header (a title row above it when `title`), sheet rows `hidden` hidden."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    if title:
        sheet.append(["2026年11月对公开户明细（核心系统导出）"])
    sheet.append(HEADERS)
    for serial in range(1, 5):
        sheet.append(_opened(serial))
    if blank_after:
        sheet.append([])
        sheet.append([])
    if filtered:  # an AutoFilter on 存款人名称, as Excel saves it: the rows left out are hidden
        sheet.auto_filter.ref = f"A{sheet.min_row}:T{sheet.max_row}"
        sheet.auto_filter.add_filter_column(4, ["北京华信科技有限公司"])
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("filtered", [False, True])
def test_hidden_data_rows_refuse_the_file_naming_them(tmp_path: Path, filtered: bool) -> None:
    path = _export(tmp_path, (3, 5), filtered=filtered)
    with pytest.raises(InputFileError) as refused:
        validate(path)
    said = str(refused.value)
    assert "export.xlsx（工作表「开户清单」）：第3、5行是隐藏的行" in said
    assert "取消筛选和隐藏" in said


def test_hidden_rows_that_hold_no_row_of_the_export_are_read_past(tmp_path: Path) -> None:
    # a hidden title row above the header and two hidden blank rows under the data
    path = _export(tmp_path, (1, 7, 8), title=True, blank_after=True)
    report = validate(path)
    assert (report.counts["valid"], report.counts["rows"]) == (4, 4)


def test_an_export_without_hidden_rows_reads_every_row(tmp_path: Path) -> None:
    assert validate(_export(tmp_path, ())).counts["valid"] == 4


@pytest.mark.timeout(120)
def test_validate_and_a_run_exit_2_naming_the_hidden_rows(tmp_path: Path) -> None:
    refused_before_filing(tmp_path, _export(tmp_path, (4,)), "第4行是隐藏的行")
