"""report.html names a depositor as result.xlsx does, except a 无字号个体工商户: its name is its
owner's own name, personal data, and the report masks personal data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.account_filing.result_book import ResultRow
from flows.account_filing.row_results import input_row
from tests.unit.test_filing_notes import _outcome


def _row(name: str, category: str) -> ResultRow:
    return ResultRow(sheet_row=9, action="开户", account_no="6222020200112233445", depositor_name=name,
                     business_date="2026-12-01", status="filed", depositor_category=category)


@pytest.mark.parametrize("category", ["无字号个体工商户", "14", "无字号的个体工商户"])
def test_an_owner_named_depositor_is_masked(category: str) -> None:
    shown = input_row(_outcome(), None, _row("张三丰", category))
    assert shown.name == "张**" and shown.account.endswith("3445") and "6222020200" not in shown.account


@pytest.mark.parametrize(("category", "uscc"), [("企业法人", None), ("有字号个体工商户", None),
                                              ("", "91330106MA2KXQ2N0G")])
def test_an_enterprise_s_name_is_shown(category: str, uscc: str | None) -> None:
    outcome = replace(_outcome(), valid=False, parsed={"uscc": uscc} if uscc else {})
    assert input_row(outcome, None, _row("上海甲乙贸易有限公司", category)).name == "上海甲乙贸易有限公司"


@pytest.mark.parametrize("uscc", [None, "92330106MA2KXQ2N0G"])
def test_a_row_that_may_be_a_sole_trader_s_is_masked(uscc: str | None) -> None:
    """Neither 存款人类别 nor a credit code (a 撤销 need give neither, tester AK's F5), or a
    个体工商户's code without a category: the name may be its owner's, so it is masked."""
    outcome = replace(_outcome(), valid=False, parsed={"uscc": uscc} if uscc else {})
    assert input_row(outcome, None, _row("张三丰", "")).name == "张**"
