"""变更事项 is read item by item, each exactly a known word: a remark, a negation or an item the
变更 form has not makes the row an error, never a field filed.

A tester (2026-12-05) saw `经营范围（注册地址不变）` file the row's other address into AMS,
`经营范围，未变更注册资金` overwrite 注册资金 and `除法定代表人外，变更经营范围` replace the
representative; 财务负责人, 法定代表人联系电话 and 经营地址 were read as 法定代表人 and 注册地址.
The exports are built by hand (tests/unit/test_filing_columns.py's rows, DOMAIN.md's samples).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_filing_columns import DOMAIN_HEADERS, change_row, validate, workbook

REP = {"legal_rep_role", "legal_rep_name", "id_type", "id_number"}  # a representative comes with their ID
ITEMS_CELL = f"{chr(ord('A') + DOMAIN_HEADERS.index('变更事项'))}2"


@pytest.mark.parametrize(("items", "unread"), [
    ("经营范围（注册地址不变）", "经营范围（注册地址不变）"),
    ("经营范围，未变更注册资金", "未变更注册资金"),
    ("除法定代表人外，变更经营范围", "除法定代表人外"),
    ("经营范围；法定代表人无变化", "法定代表人无变化"),
    ("财务负责人", "财务负责人"),
    ("法定代表人联系电话", "法定代表人联系电话"),
    ("经营地址", "经营地址"),
    ("注册资金未变更", "注册资金未变更"),
])  # fmt: skip
def test_an_item_that_is_no_known_word_makes_the_row_an_error_naming_it(
    tmp_path: Path, items: str, unread: str
) -> None:
    row = change_row(items=items)
    for kept in ("存款人名称", "法定代表人姓名", "证件号码", "注册地址"):  # blank, as AMS holds them
        row[DOMAIN_HEADERS.index(kept)] = ""
    report = validate(workbook(tmp_path, DOMAIN_HEADERS, [row]))
    (outcome,) = report.outcomes
    assert not outcome.valid and outcome.record is None
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found == [("change_items_unread", "变更事项", ITEMS_CELL)]
    message = outcome.errors[0].message
    assert f"「{unread}」" in message and "不是可报备的变更项，未报备" in message
    text = report.render_text()  # what `rpa validate account-filing` prints
    assert "第2行" in text and "变更事项" in text and unread in text


@pytest.mark.parametrize(("items", "changed"), [
    ("注册地址、经营范围", {"registered_address", "business_scope"}),
    ("注册地址；经营范围", {"registered_address", "business_scope"}),
    ("注册地址，经营范围", {"registered_address", "business_scope"}),
    ("注册地址 和 经营范围", {"registered_address", "business_scope"}),
    # a space (half or full width) or a line break alone between two items (tester AD)
    ("注册地址 经营范围", {"registered_address", "business_scope"}),
    ("注册地址\u3000经营范围", {"registered_address", "business_scope"}),
    ("注册地址\n经营范围", {"registered_address", "business_scope"}),
    ("法定代表人 变更", REP),
    ("住所/经营范围", {"registered_address", "business_scope"}),
    ("法定代表人变更、变更经营范围", {*REP, "business_scope"}),
    ("法定代表人（单位负责人）", REP),
    ("存款人名称及法定代表人", {"depositor_name", *REP}),
    # a list's numbers, a full stop, a bracketed other name of the same item
    ("1.注册地址 2.经营范围", {"registered_address", "business_scope"}),
    ("1、注册地址；2、经营范围。", {"registered_address", "business_scope"}),
    ("（1）住所（注册地址）", {"registered_address"}),
    ("法定代表人（负责人）", REP),
])  # fmt: skip
def test_the_listed_items_in_any_usual_separation_are_filed_and_nothing_else(
    tmp_path: Path, items: str, changed: set[str]
) -> None:
    (outcome,) = validate(workbook(tmp_path, DOMAIN_HEADERS, [change_row(items=items)])).outcomes
    assert outcome.valid and outcome.record is not None, outcome.errors
    every = {"depositor_name", "uscc", "legal_rep_role", "legal_rep_name", "id_type", "id_number",
             "registered_address", "business_scope", "bank_code"}  # fmt: skip
    assert every - outcome.record.kept_fields == changed
