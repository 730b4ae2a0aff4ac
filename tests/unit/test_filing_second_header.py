"""A second export pasted under the first, its header in another column order or another unit
(tester BA, 2026-12-07): the rows under it were read by the first header's columns, a person's
name filed as the depositor and 1,000,000 元 as 100 亿元. Such a file is refused naming both rows;
the same header repeated (a multi-page export) is passed over as before. Written here from
DOMAIN.md's headers, not the code's tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa.errors import InputFileError
from tests.unit.test_filing_export_artefacts import HEADERS, _book, _edit, _row, _validate


def _swapped(headers: list[str], first: str, second: str) -> list[str]:
    swapped = list(headers)
    a, b = swapped.index(first), swapped.index(second)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    return swapped


def test_a_second_header_in_another_order_refuses_the_file_naming_both_rows(tmp_path: Path) -> None:
    again = _swapped(HEADERS, "存款人名称", "法定代表人姓名")
    second = _row("6217003300001234534")
    second[4], second[8] = second[8], second[4]  # the second export's rows in its own order
    path = _book(tmp_path, [_row("6217003300001234512"), [], list(again), second])
    with pytest.raises(InputFileError) as refused:
        _validate(path)
    said = str(refused.value)
    assert "第4行又是一行表头，但与第1行的表头不同" in said, said
    assert "「存款人名称」在E列，第4行在I列（「存款人名称」）" in said
    assert "请把两份导出分成两个文件" in said


def test_a_second_header_in_another_unit_refuses_the_file(tmp_path: Path) -> None:
    again = [("注册资金(元)" if h == "注册资金(万元)" else h) for h in HEADERS]
    below = _row("6217003300001234534")
    below[19] = 1000000  # 元 under the second header: read as 万元 it would be 100 亿元
    said = r"第3行又是一行表头.*T列第1行是「注册资金\(万元\)」，第3行是「注册资金\(元\)」（单位不同）"
    with pytest.raises(InputFileError, match=said):
        _validate(_book(tmp_path, [_row("6217003300001234512"), list(again), below]))


def test_the_same_header_repeated_on_a_page_break_is_passed_over(tmp_path: Path) -> None:
    rows = [_row("6217003300001234512"), list(HEADERS), _row("6217003300001234534")]
    report = _validate(_book(tmp_path, rows))
    assert [(o.row, o.valid) for o in report.outcomes] == [(2, True), (4, True)]


def test_account_rows_above_the_header_refuse_the_file_and_titles_do_not(tmp_path: Path) -> None:
    """Tester BA: two account rows pasted above the header were passed over as titles, exit 0,
    never filed. A title and a row of query conditions above it are no such rows."""
    misplaced = _row("6217003300001234512")
    path = tmp_path / "above.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["单位结算账户开户清单"], misplaced, list(HEADERS), _row("6217003300001234534")):
        sheet.append(row)
    book.save(path)
    with pytest.raises(InputFileError, match=r"表头（第3行）之上的第2行有业务类型和账号"):
        _validate(path)
    sheet.delete_rows(2)
    sheet.insert_rows(2)
    sheet.append([])
    sheet["A2"], sheet["B2"], sheet["C2"] = "查询条件：", "业务类型", "开户"  # conditions, no account
    book.save(path)
    assert [(o.row, o.valid) for o in _validate(path).outcomes] == [(4, True)]


@pytest.mark.parametrize("cols", ['<col min="20" max="21" hidden="1"/>',
                                  '<col min="20" max="21" width="0" customWidth="1"/>'],
                         ids=["hidden", "zero_width"])
def test_a_value_in_a_hidden_column_the_filing_reads_refuses_the_file(tmp_path: Path, cols: str) -> None:
    """Tester BA: 注册资金 and 经营范围 hidden (or 0 wide) were filed though the clerk saw neither;
    a hidden column the filing does not read, or one left blank, is no refusal. The <cols> are
    written into the sheet's XML by hand, as Excel writes them."""

    def hide(path: Path) -> Path:
        _edit(path, "xl/worksheets/sheet1.xml",
              lambda xml: xml.replace("<sheetData>", f"<cols>{cols}</cols><sheetData>", 1))
        return path

    rows = [[*_row("6217003300001234512"), "备注一"], [*_row("6217003300001234534"), "备注二"]]
    with pytest.raises(InputFileError, match=r"第2行在隐藏的列 T（注册资金\(万元\)） 中有值"):
        _validate(hide(_book(tmp_path, rows)))
    for row in rows:
        row[19] = ""  # 注册资金 blank: only the note (U, not read) holds a value unseen
    assert [o.row for o in _validate(hide(_book(tmp_path, rows))).outcomes] == [2, 3]


def test_a_second_header_in_the_exports_other_words_is_refused_too(tmp_path: Path) -> None:
    """The code review of 2026-12-07: a second header written with other words for the same
    columns (单位名称, 法人姓名, 注册资本(元)) was read as a data row, the rows under it filed by the
    first header's columns. The same fields in the same columns, in other words, are passed over."""
    words = {"存款人名称": "单位名称", "法定代表人姓名": "法人姓名", "注册资金(万元)": "注册资本(元)",
             "账号": "银行账号", "注册地址": "住所"}
    again = [words.get(h, h) for h in HEADERS]
    with pytest.raises(InputFileError, match=r"第3行又是一行表头.*第3行是「注册资本\(元\)」（单位不同）"):
        _validate(_book(tmp_path, [_row("6217003300001234512"), again, _row("6217003300001234534")]))
    same = [words.get(h, h) if h != "注册资金(万元)" else "注册资本(万元)" for h in HEADERS]
    report = _validate(_book(tmp_path, [_row("6217003300001234512"), same, _row("6217003300001234534")]))
    assert [(o.row, o.valid) for o in report.outcomes] == [(2, True), (4, True)]


@pytest.mark.parametrize("above", [["销户", "6217003300001234512"], ["开立", 6.217003300001235e18]],
                         ids=["closing_word", "account_as_float"])
def test_account_rows_above_the_header_in_the_exports_other_words_refuse_it(tmp_path: Path,
                                                                          above: list[object]) -> None:
    with pytest.raises(InputFileError, match="表头（第3行）之上的第2行有业务类型和账号"):
        _validate(_book_rows(tmp_path, [["开户清单"], above, list(HEADERS), _row("6217003300001234534")]))


@pytest.mark.parametrize("above", [["开户清单", "2026-12-07"], ["开户清单", 20261207],
                                   ["开户", "20261201-20261207"]],
                         ids=["title_and_date", "title_and_number", "query_dates"])
def test_a_title_or_a_query_above_the_header_is_no_account_row(tmp_path: Path, above: list[object]) -> None:
    report = _validate(_book_rows(tmp_path, [above, list(HEADERS), _row("6217003300001234534")]))
    assert [(o.row, o.valid) for o in report.outcomes] == [(3, True)]


def _book_rows(tmp_path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "rows.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("shift", [0, 1], ids=["blank_action", "shifted_right"])
def test_an_account_row_above_the_header_without_its_action_or_shifted_refuses_it(tmp_path: Path,
                                                                               shift: int) -> None:
    """Tester BC: an account row above the header with a blank 业务类型, or a column to the right,
    was passed over without a word."""
    row = _row("6217003300001234512")
    row[0] = "" if not shift else row[0]
    above = [""] * shift + row
    with pytest.raises(InputFileError, match="表头（第2行）之上的第1行"):
        _validate(_book_rows(tmp_path, [above, list(HEADERS), _row("6217003300001234534")]))
