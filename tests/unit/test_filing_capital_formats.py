"""注册资金 stored as a number is read only under a number format that shows that number.

A tester's export stored 1000000 in 注册资金(万元) with the format `0!.0000`: Excel shows
100.0000 (万元), the bot read 1,000,000 万元 and filed 100 亿元; `#,##0.00,,` shows 1000000 as
1.00 the same way. A format that scales the number, inserts a point, or shows a per cent, an
exponent, a fraction or a unit (`0.00"万元"` under a 注册资金(元) column would read as 元) is now a
row error naming the cell and the format; `#,##0.00`, `#,##0.00 `, `G/通用格式`, `¥#,##0.00` and
a red negative section read as before. Workbooks are written here
by hand with DOMAIN.md's headers (tests/check_exports.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.check_exports import HEADERS, open_row, uscc
from tests.unit.test_filing_columns import validate

CAPITAL = HEADERS.index("注册资金(万元)") + 1


def _export(tmp_path: Path, stored: float, number_format: str) -> Path:
    code = uscc("91110000600037341")
    row: list[Any] = open_row("6228480012345600001", "北京华信科技有限公司", code, "张三")
    row[CAPITAL - 1] = stored
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    sheet.append(row)
    sheet.cell(2, CAPITAL).number_format = number_format
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(("stored", "number_format"), [
    (1000000, "0!.0000"), (1000000, '0"."0000'), (1000000, "#,##0.00,,"), (100000, "0.00,"),
    (1, "0%"), (100, "0.00E+00"), (100.5, "# ?/?"), (100, '#,##0"元"'), (100, '0.00"万元"'),
    (100, "[>=100]0.00;0"),
    # decimals the format rounds away (tester AK: 1234.5678 shows as 1,234.57 and was filed as stored)
    (1234.5678, "#,##0.00"), (1234.5, "#,##0"), (12.345, "0.00_);[Red](0.00)"), (1234.5678, "0"),
    (200000.4, "#,##0")])
def test_a_capital_whose_format_shows_another_amount_is_a_row_error(
    tmp_path: Path, stored: float, number_format: str
) -> None:
    (outcome,) = validate(_export(tmp_path, stored, number_format)).outcomes
    assert not outcome.valid
    (error,) = [e for e in outcome.errors if e.column == "注册资金(万元)"]
    assert error.code == "capital_format_shown" and error.cell == "M2"
    assert f"数字格式「{number_format}」" in error.message and "不是所存的数" in error.message


@pytest.mark.parametrize("number_format", ["#,##0.00", "0.00", "General", "G/通用格式", "#,##0.00 ",
                                           "¥#,##0.00",
                                           "#,##0.00_);[Red](#,##0.00)", "[$¥-804]#,##0.00"])
def test_a_capital_shown_as_stored_is_read(tmp_path: Path, number_format: str) -> None:
    (outcome,) = validate(_export(tmp_path, 100, number_format)).outcomes
    assert outcome.valid, outcome.errors
    assert outcome.record is not None and str(outcome.record.registered_capital_yuan) == "1000000.00"


@pytest.mark.parametrize(("stored", "yuan"), [(1234.57, "12345700.00"), (0.30000000000000004, "3000.00"),
                                              (0.1 + 0.2 + 1234.27, "12345700.00")])
def test_a_float_s_last_digit_noise_is_no_decimal_rounded_away(
        tmp_path: Path, stored: float, yuan: str) -> None:
    (outcome,) = validate(_export(tmp_path, stored, "#,##0.00")).outcomes
    assert outcome.valid, outcome.errors
    assert outcome.record is not None and str(outcome.record.registered_capital_yuan) == yuan
