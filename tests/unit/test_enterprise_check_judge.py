"""How the check flow judges a row against the registration the system showed (no browser)."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from bots.enterprise_check.pages import Registration
from flows.enterprise_check.flow import judge

SHOWN = Registration("91110000600037341L", "北京华信（中国）科技有限公司", "张 三", "存续",
                     "北京市市场监督管理局")


def test_width_and_spaces_aside_the_row_passes() -> None:
    judged = judge({"name": "北京华信(中国)科技有限公司", "legal_rep": "张三"}, SHOWN, "")
    assert judged["status"] == "passed" and judged["note"] == "与登记一致，存续"
    assert judged["answer"]["legal_rep"] == "张 三"


def test_a_change_without_legal_rep_passes_on_the_rest_saying_it_was_not_compared() -> None:
    judged = judge({"name": "北京华信(中国)科技有限公司", "legal_rep": None}, SHOWN, "")
    assert judged["status"] == "passed"
    assert judged["note"] == "与登记一致，存续（输入行无法定代表人：本次变更不涉及，未比对）"


def test_a_row_without_a_name_is_held_nothing_compared_is_no_pass() -> None:
    for rep in ("张三", None, ""):
        judged = judge({"name": None, "legal_rep": rep}, SHOWN, "")
        assert judged["status"] == "held" and "输入行无名称，未比对企业名称" in judged["note"], judged
    assert judge({"name": "", "legal_rep": "张三"}, SHOWN, "")["status"] == "held"


def test_letter_case_is_a_difference_width_and_spaces_are_not() -> None:
    shown = Registration(SHOWN.credit_code, "北京XYZ科技有限公司", "JOHN SMITH", "存续", SHOWN.authority)
    full_width = {"name": "北京ＸＹＺ 科技有限公司", "legal_rep": "ＪＯＨＮ　ＳＭＩＴＨ"}
    assert judge(full_width, shown, "")["status"] == "passed"
    judged = judge({"name": "北京xyz科技有限公司", "legal_rep": "John Smith"}, shown, "")
    assert judged["status"] == "held"
    assert judged["note"] == ("企业名称不符（登记为「北京XYZ科技有限公司」），仅字母大小写不同；"
                              "法定代表人与登记的不同，仅字母大小写不同")
    other = judge({"name": "北京xyz科技有限公司", "legal_rep": "JOHN SMYTH"}, shown, "")["note"]
    assert other.endswith("；法定代表人与登记的不同")  # more than case: no "仅"


def test_a_status_other_than_cancelled_or_revoked_is_said_as_shown() -> None:
    row = {"name": SHOWN.name, "legal_rep": "张三"}
    for status, note in (("在业", "登记状态为“在业”（不是存续）"), ("正常", "登记状态为“正常”（不是存续）"),
                         ("", "核查系统未显示登记状态"), ("注销", "企业已注销")):
        shown = Registration(SHOWN.credit_code, SHOWN.name, SHOWN.legal_rep, status, SHOWN.authority)
        assert judge(row, shown, "") == {"status": "held", "note": note, "answer": asdict(shown)}


def test_every_difference_is_named() -> None:
    revoked = Registration(SHOWN.credit_code, SHOWN.name, "李四", "吊销", SHOWN.authority)
    judged = judge({"name": "北京华信科技有限公司", "legal_rep": "张三"}, revoked, "")
    assert judged["status"] == "held"
    assert judged["note"] == (
        "企业名称不符（登记为「北京华信（中国）科技有限公司」）；法定代表人与登记的不同；企业已吊销"
    )


def test_no_registration_is_held_in_the_systems_words() -> None:
    judged = judge({"name": "x", "legal_rep": "y"}, None, "未查询到该统一社会信用代码的登记信息")
    assert judged["status"] == "held" and "未查询到该统一社会信用代码的登记信息" in judged["note"]


def test_an_answer_about_another_code_is_never_a_pass() -> None:
    judged = judge({"credit_code": "91350200776049653A", "name": SHOWN.name, "legal_rep": "张三"}, SHOWN, "")
    assert judged["status"] == "held" and "91110000600037341L" in judged["note"]


def test_the_registered_name_of_a_sole_trader_without_a_shop_name_is_masked_in_the_note() -> None:
    owner = Registration("92110105768293509Y", "王大锤", "王大锤", "存续", SHOWN.authority)
    row = {"name": "王大垂", "legal_rep": "王大锤"}
    judged = judge({**row, "category": "14"}, owner, "")  # 无字号个体工商户: named by its owner
    assert judged["note"] == "企业名称不符（登记为「王**」）" and judged["answer"]["name"] == "王大锤"
    assert judge({**row, "category": "01"}, owner, "")["note"] == "企业名称不符（登记为「王大锤」）"


@pytest.mark.parametrize("status", ["存续（在营、开业、在册）", "存续(在营、开业、在册)"])
def test_the_national_publicity_system_s_words_for_existing_pass(status: str) -> None:
    shown = Registration(SHOWN.credit_code, SHOWN.name, SHOWN.legal_rep, status, SHOWN.authority)
    assert judge({"name": SHOWN.name, "legal_rep": "张三"}, shown, "")["status"] == "passed"
    listed = Registration(SHOWN.credit_code, SHOWN.name, SHOWN.legal_rep, "存续（列入严重违法失信名单）",
                          SHOWN.authority)
    assert judge({"name": SHOWN.name, "legal_rep": "张三"}, listed, "")["status"] == "held"
