"""A merged cell below the header over a column the filing reads refuses the file, naming it.

The tester's export merged 注册资金(万元) M2:M3 and 经营范围 N2:N3 over one depositor's two
accounts: the clerk sees 100 in row 3, but read-only openpyxl gives a merged range's value to its
top-left cell only, so row 3 was filed with 注册资金 blank (未标明注册资金) and no 经营范围,
without a word; over a required column it was a confusing 不能为空. Now any such merge, vertical
or across columns, refuses the file (exit 2) naming the ranges and asking to unmerge and fill
each row; a merge over columns the filing does not read, or over the export's footer
(合计：2笔 merged across), is no refusal. Workbooks are written here
by hand with DOMAIN.md's headers (tests/check_exports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from rpa.errors import InputFileError
from tests.check_exports import HEADERS, open_row, refused_before_filing, uscc
from tests.unit.test_filing_columns import validate


def _account(serial: int) -> list[Any]:
    """One of 北京华信's accounts: the same depositor, capital and scope on every row."""
    row = open_row(f"62284800123456{serial:05d}", "北京华信科技有限公司", uscc("91110000600037341"), "张三")
    row[HEADERS.index("注册资金(万元)")] = 100
    return row


def _export(tmp_path: Path, merges: tuple[str, ...], *, rows: int = 2) -> Path:
    """`rows` accounts under the header, then `merges`, the cells under a merge's top-left
    emptied as Excel leaves them."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    for serial in range(1, rows + 1):
        sheet.append(_account(serial))
    for ref in merges:
        sheet.merge_cells(ref)
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


def test_a_depositors_capital_and_scope_merged_over_two_rows_refuse_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as refused:
        validate(_export(tmp_path, ("M2:M3", "N2:N3")))
    said = str(refused.value)
    assert "export.xlsx（工作表「开户清单」）" in said
    assert "M2:M3（注册资金(万元)）" in said and "N2:N3（经营范围）" in said
    assert "取消合并单元格" in said and "每一行" in said


def test_a_merge_over_a_required_column_is_refused_not_read_as_blank(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"E2:E3（存款人名称）"):
        validate(_export(tmp_path, ("E2:E3",)))


def test_a_merge_across_columns_read_in_a_data_row_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"L3:M3（注册地址、注册资金\(万元\)）"):
        validate(_export(tmp_path, ("L3:M3",)))


def test_a_merge_far_below_the_top_rows_is_found(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"M40:M41（注册资金\(万元\)）"):
        validate(_export(tmp_path, ("M40:M41",), rows=45))


def test_a_merge_over_columns_not_read_reads_as_before(tmp_path: Path) -> None:
    report = validate(_export(tmp_path, ("U2:V3",)))  # beside the data: no column of the filing
    assert [o.valid for o in report.outcomes] == [True, True], [o.errors for o in report.outcomes]
    capitals = [str(o.record.registered_capital_yuan) for o in report.outcomes if o.record is not None]
    assert capitals == ["1000000.00", "1000000.00"]


def test_a_footer_merged_across_the_columns_is_passed_over_as_the_footer(tmp_path: Path) -> None:
    path = _export(tmp_path, ())
    book = load_workbook(path)
    sheet = book["开户清单"]
    sheet["A4"], sheet["A5"] = "合计：2笔", "制表人：王五"
    sheet.merge_cells("A4:T4")
    sheet.merge_cells("A5:T5")
    book.save(path)
    report = validate(path)
    assert [o.valid for o in report.outcomes] == [True, True]
    assert [f.row for f in report.footer_rows] == [4, 5]


@pytest.mark.timeout(120)
def test_validate_and_a_run_exit_2_naming_the_merged_range(tmp_path: Path) -> None:
    refused_before_filing(tmp_path, _export(tmp_path, ("M2:M3",)), "M2:M3（注册资金(万元)）")
