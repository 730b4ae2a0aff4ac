"""存款人类别 against the kind of organisation the 统一社会信用代码 says (GB 32100 positions 1-2).

Whether a basic or temporary account is filed (备案) or needs the central bank's approval (核准)
hangs on the depositor being an enterprise: a row whose 存款人类别 says 企业法人 while its credit
code was issued to a 事业单位 (12...) must not be filed as an enterprise's account, nor the reverse.
Credit codes here are hand-made: first 17 characters written from the standard, the check
character computed by tests/check_exports.uscc, never taken from the code under test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing import RowOutcome, validate_file
from rpa.settings import PROJECT_ROOT
from tests.check_exports import HEADERS, open_row, uscc, write_export

TODAY = date(2026, 11, 26)  # open_row's day: no deadline warning
ACCOUNT = "6228480012340077001"
CODE = "统一社会信用代码"
CATEGORY = "存款人类别"
MISMATCH = "category_code_mismatch"


def _set(row: list[Any], **cells: Any) -> list[Any]:
    for header, value in cells.items():
        row[HEADERS.index(header)] = value
    return row


def _validate(tmp_path: Path, *rows: list[Any]) -> list[RowOutcome]:
    export = write_export(tmp_path / "export.xlsx", list(rows))
    report = validate_file(export, config_dir=PROJECT_ROOT / "config",
                           calendar_file=PROJECT_ROOT / "calendar.yaml", today=TODAY)
    return report.outcomes


def _opened(category: str, code: str, kind: str = "基本存款账户") -> list[Any]:
    row = _set(open_row(ACCOUNT, "北京市某某单位", code, "王五"), **{CATEGORY: category, "账户性质": kind})
    return row if kind == "基本存款账户" else _set(row, 基本存款账户编号="J1000000000001")


def _mismatch(outcome: RowOutcome) -> list[str]:
    return [i.message for i in outcome.errors if i.code == MISMATCH]


@pytest.mark.parametrize(("first17", "kind"), [
    ("12110105MB0234567", "事业单位"),
    ("11110105MB0123456", "机关"),
    ("51110105MJ0345678", "社会团体"),
    ("52110105MJ0456789", "民办非企业单位"),
    ("53110000MJ0567890", "基金会"),
])  # fmt: skip
def test_an_enterprise_category_with_a_non_enterprise_code_goes_to_a_person(
    tmp_path: Path, first17: str, kind: str
) -> None:
    (outcome,) = _validate(tmp_path, _opened("01", uscc(first17)))
    assert (outcome.valid, outcome.needs_person) == (False, True)
    (message,) = _mismatch(outcome)
    assert message == (
        f"存款人类别「企业法人」与统一社会信用代码所示的机构类别「{kind}」（{first17[:2]}开头）不符："
        "请核对；非企业存款人开立基本/临时存款账户需人民银行核准"
    )
    (found,) = [i for i in outcome.errors if i.code == MISMATCH]
    assert found.cell == f"{chr(ord('A') + HEADERS.index(CATEGORY))}2"  # the 存款人类别 cell
    assert outcome.record is not None  # sound data, held rather than filed


@pytest.mark.parametrize(("category", "first17"), [
    ("01", "91110105MA01ABCD1"),  # 企业法人, 企业
    ("企业法人", "91350200776049653"),
    ("02", "91110105MA01ABCE3"),  # 非法人企业 (a branch, a partnership), 企业
    ("13", "92110105MA01ABCF5"),  # 有字号个体工商户, 个体工商户
    ("14", "92110105L01234567"),
    ("01", "93110105MA01ABCG7"),  # 农民专业合作社 registered by 市场监管
])  # fmt: skip
def test_an_enterprise_with_an_enterprise_code_stays_valid(
    tmp_path: Path, category: str, first17: str
) -> None:
    (outcome,) = _validate(tmp_path, _opened(category, uscc(first17)))
    assert outcome.valid and not outcome.errors


def test_a_public_body_category_with_an_enterprise_code_goes_to_a_person(tmp_path: Path) -> None:
    general = _opened("机关", uscc("91110105MA01ABCD1"), "一般存款账户")  # 机关's 一般 accounts are filed
    (outcome,) = _validate(tmp_path, general)
    assert outcome.needs_person
    assert _mismatch(outcome) == [
        "存款人类别「机关」与统一社会信用代码所示的机构类别「企业」（91开头）不符："
        "请核对；非企业存款人开立基本/临时存款账户需人民银行核准"
    ]
    institution = _opened("04", uscc("92110105MA01ABCF5"), "专用存款账户")
    (outcome,) = _validate(tmp_path, institution)
    assert outcome.needs_person and "「个体工商户」（92开头）" in _mismatch(outcome)[0]
    # the basic account of a 机关 whose code says a 企业: both reasons, never filed
    (basic,) = _validate(tmp_path, _opened("03", uscc("91110105MA01ABCD1")))
    assert basic.needs_person and {i.code for i in basic.errors} == {"approval_required", MISMATCH}


def test_a_public_body_with_its_own_kind_of_code_is_judged_by_category_alone(tmp_path: Path) -> None:
    (general,) = _validate(tmp_path, _opened("03", uscc("11110105MB0123456"), "一般存款账户"))
    assert general.valid
    (basic,) = _validate(tmp_path, _opened("05", uscc("12110105MB0234567")))
    assert basic.needs_person and [i.code for i in basic.errors] == ["approval_required"]


@pytest.mark.parametrize("first17", [
    "Y1110105MA01ABCD1",  # 其他 (registration authority Y): no judgement
    "N2330110MF0123451",  # 农村集体经济组织, not in the table: no judgement
    "A1110105MB0123456",
])  # fmt: skip
def test_a_code_kind_not_in_the_table_is_no_judgement(tmp_path: Path, first17: str) -> None:
    (outcome,) = _validate(tmp_path, _opened("01", uscc(first17)))
    assert MISMATCH not in [i.code for i in outcome.errors]


def test_categories_of_any_registration_are_not_judged(tmp_path: Path) -> None:
    for category in ("16", "17"):  # 附属机构, 其他组织: a 律师事务所 is often 17
        (outcome,) = _validate(tmp_path, _opened(category, uscc("31110000E01234567"), "一般存款账户"))
        assert MISMATCH not in [i.code for i in outcome.errors]


def _changed(code: str, items: str = "注册地址") -> list[Any]:
    row = _set(_opened("01", code), 业务类型="变更", 基本存款账户编号="J1000000000001", 变更事项=items)
    return _set(row, 注册地址="北京市朝阳区建国路99号")


def test_a_change_or_close_that_disagrees_goes_to_a_person_and_a_blank_code_is_no_judgement(
    tmp_path: Path,
) -> None:
    changed, blank, closed = _validate(
        tmp_path,
        _changed(uscc("12110105MB0234567")),
        _set(_changed("", "注册地址"), 账号="6228480012340077019"),  # 变更 not naming the code: blank
        _set(_opened("01", uscc("52110105MJ0456789")), 业务类型="撤销", 账号="6228480012340077027",
             基本存款账户编号="J1000000000001", 撤销原因="解散"),
    )
    assert changed.needs_person and "「事业单位」（12开头）" in _mismatch(changed)[0]
    assert blank.valid, [i.message for i in blank.errors]
    assert closed.needs_person and "「民办非企业单位」（52开头）" in _mismatch(closed)[0]
