"""An identity number stored as a number is read as Excel shows it, or refused: never as the bare
number when its cell's number format shows something else.

The tester's export stored 账号 as the number 23456789 with the number format `000000000000`:
Excel shows 000023456789, validate said valid and the run filed account 23456789. Now a number
whose format only pads it with zeros is read padded, as shown; one whose format shows other
digits or words (literal text, scientific, decimals) is a row error naming the cell and its
format. Workbooks are written here by hand with DOMAIN.md's headers (tests/check_exports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.check_exports import HEADERS, open_row, uscc
from tests.unit.test_filing_columns import validate

ACCOUNT, PERMIT, CAPITAL, OPERATOR = (HEADERS.index(h) + 1 for h in ("账号", "基本存款账户编号",
                                                                      "注册资金(万元)", "经办人"))


def _opened(account: object) -> list[Any]:
    return open_row(account, "北京华信科技有限公司", uscc("91110000600037341"), "张三")  # type: ignore[arg-type]


def _export(tmp_path: Path, rows: list[list[Any]], formats: dict[tuple[int, int], str],
            *, formula: bool = False) -> Path:
    """The rows under DOMAIN.md's header; `formats`: (sheet row, column) -> number format."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    for (row, column), number_format in formats.items():
        sheet.cell(row, column).number_format = number_format
    if formula:  # an uncomputed formula beside the data: the rows are read a second way
        sheet.cell(2, len(HEADERS) + 1, "=1+1")
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("formula", [False, True], ids=["values", "with_a_formula"])
def test_a_zero_padded_account_number_is_read_as_excel_shows_it(tmp_path: Path, formula: bool) -> None:
    path = _export(tmp_path, [_opened(23456789), _opened(6228480012345)],
                   {(2, ACCOUNT): "000000000000", (3, ACCOUNT): "000000000000"}, formula=formula)
    report = validate(path)
    assert [o.valid for o in report.outcomes] == [True, True], [o.errors for o in report.outcomes]
    accounts = [o.record.account_no for o in report.outcomes if o.record is not None]
    assert accounts == ["000023456789", "6228480012345"]  # not 23456789: a different account


@pytest.mark.parametrize(
    ("number_format", "value"),
    [('"6228"0000000', 23456789), ("0.00E+00", 23456789), ("0.00", 62284800123), ("[DBNum1]0", 23456789)],
    ids=["literal_text", "scientific", "decimals", "chinese_numerals"],
)
def test_a_number_shown_otherwise_is_a_row_error_naming_cell_and_format(
    tmp_path: Path, number_format: str, value: int
) -> None:
    path = _export(tmp_path, [_opened(value), _opened("6228480012345678901")], {(2, ACCOUNT): number_format})
    first, second = validate(path).outcomes
    assert [(i.code, i.column, i.cell) for i in first.errors] == [("number_format_shown", "账号", "B2")]
    said = first.errors[0].message
    assert f"「{number_format}」" in said and "文本" in said
    assert first.record is None and second.valid


def test_a_permit_number_with_its_letter_in_the_format_is_refused(tmp_path: Path) -> None:
    general = _opened("6228480012345678902")
    general[2], general[PERMIT - 1] = "一般存款账户", 1000000000002  # shown as J1000000000002
    first, = validate(_export(tmp_path, [general], {(2, PERMIT): '"J"0000000000000'})).outcomes
    assert [(i.code, i.cell) for i in first.errors] == [("number_format_shown", "P2")]


def test_formats_that_show_the_stored_digits_read_as_before(tmp_path: Path) -> None:
    rows = [_opened(62284800123), _opened(62284800124), _opened(62284800125), _opened(62284800126)]
    rows[0][OPERATOR - 1] = 310001
    formats = {(2, ACCOUNT): "0_ ", (3, ACCOUNT): "#,##0", (4, ACCOUNT): "0000",  # 0000: no padding
               (5, ACCOUNT): "G/通用格式",  # General as WPS writes it
               (2, CAPITAL): "0.00", (2, OPERATOR): "000000"}
    rows[0][CAPITAL - 1] = 500
    outcomes = validate(_export(tmp_path, rows, formats)).outcomes
    assert all(o.valid for o in outcomes), [o.errors for o in outcomes]
    records = [o.record for o in outcomes if o.record is not None]
    assert [r.account_no for r in records] == ["62284800123", "62284800124", "62284800125", "62284800126"]
    assert (str(records[0].registered_capital_yuan), records[0].operator_id) == ("5000000.00", "310001")


def test_a_sixteen_digit_number_stays_refused_whatever_its_format(tmp_path: Path) -> None:
    path = _export(tmp_path, [_opened(6222020200012345)], {(2, ACCOUNT): "0000000000000000000"})
    first, = validate(path).outcomes
    assert [i.code for i in first.errors] == ["number_as_numeric"]


@pytest.mark.timeout(120)
def test_rpa_validate_names_the_cell_and_its_format(tmp_path: Path) -> None:
    from tests.e2e.cli_helpers import make_cli_env

    cli = make_cli_env(tmp_path)
    path = _export(tmp_path, [_opened(23456789)], {(2, ACCOUNT): '"6228"0000000'})
    shown = cli.run("validate", "account-filing", str(path), "--today", "2026-11-27")
    assert shown.returncode == 1, (shown.stdout, shown.stderr)
    assert "B2" in shown.stdout and '「"6228"0000000」' in shown.stdout and "Traceback" not in shown.stderr
