"""A black-box tester's findings on the reconciliation's classes, from hand-written rows, filings
and AMS list entries (the tester's accounts, names and filing numbers):

- AMS holds two filings of one key, one differing from the export row: 数据不一致 whichever is
  listed first, naming the differing filing;
- the export holds two rows of one key: each compared, the line naming both, in one class;
- a blank in AMS's list where the export row has a value is a difference (a blank export cell,
  a 变更's unchanged field, is not compared);
- our filing number listed by AMS under another date: both lines say so; AMS holding another
  filing number for our key: 数据不一致 on 备案编号;
- letter case in a name is a difference (in a code it is not).
"""

from __future__ import annotations

from typing import Any

from bots.ams import ListedFiling
from flows.account_reconciliation.classify import ExportRow, reconcile

BANK = "102100099996"
ACCOUNT = "6222000077700003"
NAME, OTHER_NAME = "广州辛一实业有限公司", "广州辛一实业集团有限公司"
CODE = "91440101MA5CXK1T4R"


def _row(line: int, name: str = NAME, day: str = "2026-11-25", **more: Any) -> ExportRow:
    values: dict[str, Any] = {"source": f"s3.xlsx 变更清单 第{line}行", "action": "change",
                              "account_no": ACCOUNT, "business_date": day, "depositor_name": name,
                              "account_kind": "基本存款账户", "uscc": CODE, "bank_code": BANK}  # fmt: skip
    values.update(more)
    return ExportRow(**values)


def _listed(number: str, name: str = NAME, day: str = "2026-11-25", **more: str) -> ListedFiling:
    values = {"filing_no": number, "action": "change", "business_date": day, "account_no": ACCOUNT,
              "account_kind": "基本存款账户", "depositor_name": name, "uscc": CODE, "bank_code": BANK}
    values.update(more)
    return ListedFiling(**values)


def _only(reconciled: Any) -> tuple[str, Any]:
    """The one line of a one-key reconciliation, and its class."""
    (placed,) = [(name, line) for name, lines in reconciled.lines.items() for line in lines]
    return placed


def test_a_blank_in_ams_list_where_the_export_has_a_value_is_a_difference() -> None:
    name, line = _only(reconcile([_row(2)], [], [_listed("100020261125000005", "")]))
    assert name == "数据不一致"
    assert [tuple(d[:3]) for d in line.differences] == [("存款人名称", NAME, "（空）")]


def test_a_blank_export_cell_is_not_compared() -> None:
    # a 变更 row leaves the fields it does not change blank
    name, _ = _only(reconcile([_row(2, "", uscc="")], [], [_listed("100020261125000006")]))
    assert name == "非本行报送"


def test_letter_case_in_a_name_is_a_difference_but_not_in_a_code() -> None:
    row = _row(2, "广州ABC实业有限公司", uscc=CODE.lower())
    name, line = _only(reconcile([row], [], [_listed("100020261125000007", "广州abc实业有限公司")]))
    assert name == "数据不一致"
    assert [tuple(d[:3]) for d in line.differences] == [
        ("存款人名称", "广州ABC实业有限公司", "广州abc实业有限公司")]
    # width and spaces aside, as the registration check
    same = _listed("100020261125000008", "广州ＡＢＣ 实业有限公司")
    assert _only(reconcile([_row(2, "广州ABC实业有限公司")], [], [same]))[0] == "非本行报送"
