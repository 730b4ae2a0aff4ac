"""How the check flow judges a row against the registration the system showed (no browser)."""

from __future__ import annotations

from bots.enterprise_check.pages import Registration
from flows.enterprise_check.flow import judge

SHOWN = Registration("91110000600037341L", "北京华信（中国）科技有限公司", "张 三", "存续",
                     "北京市市场监督管理局")


def test_width_and_spaces_aside_the_row_passes() -> None:
    judged = judge({"name": "北京华信(中国)科技有限公司", "legal_rep": "张三"}, SHOWN, "")
    assert judged["status"] == "passed" and judged["note"] == "与登记一致，存续"
    assert judged["answer"]["legal_rep"] == "张 三"


def test_a_field_the_row_does_not_give_is_said_not_compared() -> None:
    judged = judge({"name": "北京华信(中国)科技有限公司", "legal_rep": None}, SHOWN, "")
    assert judged["status"] == "passed" and "输入行无法定代表人，未比对" in judged["note"]


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
