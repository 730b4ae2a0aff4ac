"""A 变更 that names a field files its new value: a blank cell there is a row error, never a blank.

A tester (F4) saw a 变更 whose 变更事项 is 注册资金 over a blank 注册资金(万元) cell validate and
file AMS's registered capital as 未标明注册资金, overwriting its 1,000,000.00, with no warning.
DOMAIN.md's "blank = 未标明注册资金" is the 开户's rule; a declared change with no new value is an
export gap, as it already was for 注册地址 and 经营范围. Every field a 变更事项 can name is
checked here. Rows are typed by hand with DOMAIN.md's headers and samples (tests/check_exports.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing import ValidationReport, validate_file
from rpa.settings import PROJECT_ROOT
from tests.check_exports import HEADERS, write_export

TODAY = date(2026, 11, 27)


def change_row(items: str, capital: str = "100") -> list[Any]:
    """A 变更 of a basic account, DOMAIN.md's samples, 注册资金 100 万元 unless told."""
    return ["变更", "6228480012345678902", "基本存款账户", "2026-11-23", "厦门海联贸易有限公司", "01",
            "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
            "厦门市思明区湖滨南路1号", capital, "货物进出口", "102100099996", "J1000000000002", items, "", "",
            "310002"]  # fmt: skip


def validate(tmp_path: Path, row: list[Any]) -> ValidationReport:
    path = write_export(tmp_path / "export.xlsx", [row])
    calendar = PROJECT_ROOT / "calendar.yaml"
    return validate_file(path, config_dir=PROJECT_ROOT / "config", calendar_file=calendar, today=TODAY)


def cell(header: str) -> str:
    return f"{chr(ord('A') + HEADERS.index(header))}2"


@pytest.mark.parametrize("items", ["注册资金", "注册资本", "变更注册资金", "注册资金、经营范围"])
def test_a_change_naming_the_capital_over_a_blank_cell_is_a_row_error_naming_it(
    tmp_path: Path, items: str
) -> None:
    report = validate(tmp_path, change_row(items, capital=""))
    (outcome,) = report.outcomes
    assert not outcome.valid and outcome.record is None  # not filed as 未标明注册资金
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found == [("changed_to_blank", "注册资金(万元)", cell("注册资金(万元)"))]
    message = outcome.errors[0].message
    assert f"变更事项「{items}」要变更「注册资金(万元)」，但该格为空：请填写变更后的内容" == message
    assert "第2行" in report.render_text() and "注册资金(万元)" in report.render_text()


def test_the_capital_named_with_a_value_is_filed_and_unnamed_over_a_blank_is_kept(tmp_path: Path) -> None:
    (named,) = validate(tmp_path, change_row("注册资金", capital="100")).outcomes
    assert named.valid and named.record is not None
    assert named.record.registered_capital_yuan == Decimal("1000000.00")
    assert "registered_capital_yuan" not in named.record.kept_fields
    (unnamed,) = validate(tmp_path, change_row("经营范围", capital="")).outcomes
    assert unnamed.valid and unnamed.record is not None  # AMS keeps its own capital
    assert "registered_capital_yuan" in unnamed.record.kept_fields


# every field a 变更事项 can name (DOMAIN.md's headers; a representative comes with their ID),
# its item's word, and the cell left blank
EVERY_NAMED_FIELD = [
    ("存款人名称", "存款人名称"),
    ("存款人类别", "存款人类别"),
    ("统一社会信用代码", "统一社会信用代码"),
    ("法定代表人", "法定代表人类别"),
    ("法定代表人", "法定代表人姓名"),
    ("法定代表人", "证件种类"),
    ("法定代表人", "证件号码"),
    ("证件", "证件种类"),
    ("证件", "证件号码"),
    ("注册地址", "注册地址"),
    ("注册资金", "注册资金(万元)"),
    ("经营范围", "经营范围"),
    ("开户银行", "开户银行机构代码"),
]


@pytest.mark.parametrize(("items", "header"), EVERY_NAMED_FIELD)
def test_every_field_a_change_names_is_a_row_error_when_blank(
    tmp_path: Path, items: str, header: str
) -> None:
    row = change_row(items)
    row[HEADERS.index(header)] = ""
    (outcome,) = validate(tmp_path, row).outcomes
    assert not outcome.valid and outcome.record is None
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found and all(column == header and at == cell(header) for _, column, at in found), found
    assert {code for code, _, _ in found} <= {"changed_to_blank", "required_missing"}, found
