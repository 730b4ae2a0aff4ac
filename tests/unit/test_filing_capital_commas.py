"""A comma in 注册资金 is a thousands separator only where it groups digits by three.

The reader dropped every comma: "12,5" (12.5 written with a decimal comma) was read as 125 万元
and filed as 1,250,000 元, ten times the capital; "100，5", "1,00,000" and "3,1415" likewise.
Now, after full-width forms are folded (NFKC), a comma is read only between groups of exactly
three digits after a first group of one to three ("1,000", "12,345.5"); any other comma is a row
error naming the cell and what to do, never a guess. Exports are written here by hand with
DOMAIN.md's headers and sample values (tests/check_exports.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.account_filing.normalise import parse_decimal
from tests.check_exports import HEADERS, open_row, uscc, write_export
from tests.unit.test_filing_columns import validate

CAPITAL = HEADERS.index("注册资金(万元)")
CELL = "M2"  # 注册资金(万元) of the first data row


def _report_for(tmp_path: Path, capital: object) -> tuple[bool, list[tuple[str, str | None, str]]]:
    row = open_row("6228480012345678901", "北京华信科技有限公司", uscc("91110000600037341"), "张三")
    row[CAPITAL] = capital
    (outcome,) = validate(write_export(tmp_path / "export.xlsx", [row])).outcomes
    return outcome.valid, [(i.code, i.cell, i.message) for i in outcome.errors]


@pytest.mark.parametrize(
    ("text", "yuan"),
    [("1,000", "10000000.00"), ("12,345.5", "123455000.00"), ("1,000,000", "10000000000.00"),
     ("１，０００", "10000000.00"), ("500", "5000000.00"), ("1,000万元", "10000000.00"),
     ("0.5", "5000.00")],
)
def test_thousands_separators_are_read(tmp_path: Path, text: str, yuan: str) -> None:
    row = open_row("6228480012345678901", "北京华信科技有限公司", uscc("91110000600037341"), "张三")
    row[CAPITAL] = text
    (outcome,) = validate(write_export(tmp_path / "export.xlsx", [row])).outcomes
    assert outcome.valid and outcome.record is not None, outcome.errors
    assert outcome.record.registered_capital_yuan == Decimal(yuan)


@pytest.mark.parametrize("text", ["12,5", "100，5", "1,00,000", "3,1415", ",100", "100,", "1,000.5,5",
                                  "12,5万元", "1,0000"])
def test_a_comma_that_groups_no_thousands_is_a_row_error_naming_the_cell(tmp_path: Path, text: str) -> None:
    valid, errors = _report_for(tmp_path, text)
    assert not valid
    ((code, cell, message),) = errors
    assert (code, cell) == ("capital_comma", CELL)
    assert "「注册资金(万元)」" in message and "逗号不是千位分隔符" in message
    assert "请" in message  # says what to do


@pytest.mark.parametrize("text", ["12_5", "1e3", "1E+03", "Infinity"])
def test_what_decimal_would_read_but_a_clerk_does_not_write_is_refused(tmp_path: Path, text: str) -> None:
    # Decimal("12_5") is 125 and Decimal("1e3") is 1000: neither is how an amount is written
    valid, errors = _report_for(tmp_path, text)
    assert not valid and [code for code, _, _ in errors] == ["capital_invalid"]


def test_parse_decimal_keeps_commas_to_thousands() -> None:
    assert parse_decimal("１２，３４５．５万元", strip_units=("万元",)) == Decimal("12345.5")
    for text in ("12,5", "3,1415", "1,00,000"):
        with pytest.raises(ValueError, match="thousands"):
            parse_decimal(text)
