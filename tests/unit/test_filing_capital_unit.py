"""注册资金 under a header that does not say its unit is refused, never guessed.

One bank's export writes 注册资金 in 万元 (DOMAIN.md's 注册资金(万元)), another's writes 元 under
the same bare word; read as 万元, 1,000,000 元 was filed as 100 亿元. Exports are typed here by
hand with openpyxl and as CSV, headers from DOMAIN.md's table and another bank's wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa.errors import InputFileError
from tests.unit.test_filing_columns import DOMAIN_HEADERS, open_row, validate, workbook


@pytest.mark.parametrize("header", ["注册资金", "注册资本", "注册资金 ", "*注册资本"])
def test_a_capital_header_without_its_unit_refuses_the_file_asking_for_the_unit(
    tmp_path: Path, header: str
) -> None:
    path = workbook(tmp_path, [*DOMAIN_HEADERS, header], [[*open_row(), "1000000"]])
    with pytest.raises(InputFileError) as caught:
        validate(path)
    message = str(caught.value)
    stem = header.strip(" *")
    assert "export.xlsx（工作表「明细」）" in message and "第1行" in message
    assert f"「{header.strip()}」未写明金额单位" in message
    assert f"「{stem}(万元)」或「{stem}(元)」" in message
    assert len(message.splitlines()) <= 2


def test_the_same_in_a_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    rows = [",".join([*DOMAIN_HEADERS, "注册资金"]), ",".join([*map(str, open_row()), "1000000"])]
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="「注册资金」未写明金额单位"):
        validate(path)


@pytest.mark.parametrize(("header", "yuan"), [
    ("注册资金(万元)", 10_000_000), ("注册资本（万元）", 10_000_000), ("注册资金(元)", 1000),
    ("注册资本(元)", 1000), ("注册资本金(万元)", 10_000_000),
])  # fmt: skip
def test_a_header_that_says_its_unit_is_read_in_that_unit(tmp_path: Path, header: str, yuan: int) -> None:
    path = workbook(tmp_path, [*DOMAIN_HEADERS, header], [[*open_row(), "1000"]])
    (outcome,) = validate(path).outcomes
    assert outcome.valid and outcome.record is not None
    assert outcome.record.registered_capital_yuan == yuan


def test_a_bare_header_beside_one_with_its_unit_is_passed_over_and_listed(tmp_path: Path) -> None:
    headers = [*DOMAIN_HEADERS, "注册资金(万元)", "注册资金"]
    path = workbook(tmp_path, headers, [[*open_row(), "500", "5000000"]])
    report = validate(path)
    (outcome,) = report.outcomes
    assert outcome.record is not None and outcome.record.registered_capital_yuan == 5_000_000
    assert "注册资金" in [alike[0] for alike in report.look_alikes]


def test_absent_column_still_names_the_field_by_its_bare_word(tmp_path: Path) -> None:
    report = validate(workbook(tmp_path, DOMAIN_HEADERS, [open_row()]), absent_columns=["注册资本"])
    assert report.absent_stated == ["注册资金(万元)"]
