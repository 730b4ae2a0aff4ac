"""The filing flow's field registry, and 居民身份证 numbers as they really are.

ID numbers here are written by hand: a birth date, an address code looked up in the published
re-districting history, and a check digit computed by this file's own GB 11643 function (the
weights of DOMAIN.md), never by the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from stdnum.cn import ric

from flows.account_filing.fields import FieldProblem, check_resident_id
from flows.account_filing.records import FilingRecord
from flows.account_filing.registry import FIELDS
from flows.account_filing.resident_id import resident_id_problem
from rpa.settings import PROJECT_ROOT

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_digit(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2), as DOMAIN.md writes it."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_the_check_digit_function_of_this_file_agrees_with_domain_md() -> None:
    assert with_check_digit("11010519491231002") == "11010519491231002X"
    assert with_check_digit("36042619910101007") == "360426199101010071"


# (address code, county and the year it was created, birth date): each holder was born before
# the county's code existed, as every adult's number from before a re-districting is.
BORN_BEFORE_THEIR_COUNTY = [
    ("110112", "北京 通州区 1997", "19400315"),
    ("110111", "北京 房山区 1986", "19831109"),
    ("110115", "北京 大兴区 2001", "19700704"),
    ("110118", "北京 密云区 2015", "19850228"),
    ("120116", "天津 滨海新区 2009", "19500101"),
    ("120119", "天津 蓟州区 2016", "20051231"),
    ("130108", "石家庄 裕华区 2001", "20000229"),
]


@pytest.mark.parametrize(("code", "county", "born"), BORN_BEFORE_THEIR_COUNTY)
def test_an_id_from_a_county_created_after_the_birth_year_is_accepted(
    code: str, county: str, born: str
) -> None:
    number = with_check_digit(code + born + "123")
    assert not ric.is_valid(number), "stdnum's own check refuses it: the case this rule is for"
    assert resident_id_problem(number, date(2026, 11, 27)) is None, county
    check_resident_id(number, date(2026, 11, 27))
    record = FilingRecord.model_validate(
        {
            "action": "open",
            "account_no": "6228480012345678901",
            "account_kind": "basic",
            "business_date": "2026-11-20",
            "depositor_name": "北京华信科技有限公司",
            "depositor_category": "企业法人",
            "uscc": "91110000600037341L",
            "legal_rep_role": "法定代表人",
            "legal_rep_name": "张三",
            "id_type": "居民身份证",
            "id_number": number,
            "registered_address": "北京市朝阳区建国路88号",
            "bank_code": "102100099996",
        }
    )
    assert record.id_number == number


INVALID_IDS = [
    ("11010519491231002X"[:-1] + "5", "id_checksum"),
    (with_check_digit("110105" + "19990229" + "123"), "id_birth_date"),  # 1999 is no leap year
    (with_check_digit("110105" + "19491331" + "002"), "id_birth_date"),
    (with_check_digit("110105" + "20270101" + "002"), "id_birth_date"),  # after "today"
    (with_check_digit("110105" + "18991231" + "002"), "id_birth_date"),  # before 1900
    (with_check_digit("110120" + "19800101" + "002"), "id_region"),  # 北京 has no 110120
    (with_check_digit("999999" + "19800101" + "002"), "id_region"),
    ("11010519491231002", "id_length"),
    ("1101051949123100AX", "id_format"),
]


@pytest.mark.parametrize(("number", "code"), INVALID_IDS)
def test_an_unsound_id_number_is_refused_with_what_is_wrong(number: str, code: str) -> None:
    assert resident_id_problem(number, date(2026, 11, 27)) == code
    with pytest.raises(FieldProblem) as caught:
        check_resident_id(number, date(2026, 11, 27))
    assert caught.value.code == code


def test_a_leap_day_birth_is_a_real_date() -> None:
    assert resident_id_problem(with_check_digit("110105" + "20000229" + "123"), date(2026, 11, 27)) is None


# --- the registry -----------------------------------------------------------------------------


def test_export_words_become_one_canonical_label() -> None:
    words = {
        ("id_type", "身份证"): "居民身份证",
        ("id_type", "1"): "居民身份证",
        ("id_type", "9"): "其它",
        ("id_type", "其他"): "其它",
        ("id_type", "护照"): "护照",
        ("id_type", "港澳通行证"): "港澳居民来往内地通行证",
        ("depositor_category", "01"): "企业法人",
        ("depositor_category", "1"): "企业法人",
        ("depositor_category", "17"): "其他组织",
        ("depositor_category", "有字号的个体工商户"): "有字号个体工商户",
        ("depositor_category", "01-企业法人"): "企业法人",
        ("legal_rep_role", "2"): "单位负责人",
        ("close_reason", "其他"): "其它",
        ("account_kind", "基本户"): "basic",
        ("account_kind", "基本存款帐户"): "basic",  # 帐, the older spelling core systems print
        ("account_kind", "一般帐户"): "general",
        ("account_kind", "临时存款帐户"): "temporary",
        ("action", "销户"): "close",
    }
    assert {key: FIELDS[key[0]].choice(key[1]) for key in words} == words


@pytest.mark.parametrize(("name", "code"), [("id_type", "6"), ("id_type", "7"), ("depositor_category", "18")])
def test_an_export_code_outside_the_explicit_table_is_not_guessed(name: str, code: str) -> None:
    assert FIELDS[name].choice(code) is None


def test_a_record_holds_labels_and_refuses_codes() -> None:
    with pytest.raises(ValueError, match="证件种类"):
        FilingRecord.model_validate(
            {
                "action": "open",
                "account_no": "6228480012345678901",
                "account_kind": "basic",
                "business_date": "2026-11-20",
                "depositor_name": "北京华信科技有限公司",
                "depositor_category": "企业法人",
                "uscc": "91110000600037341L",
                "legal_rep_role": "法定代表人",
                "legal_rep_name": "张三",
                "id_type": "6",
                "id_number": "E12345678",
                "registered_address": "北京市朝阳区建国路88号",
                "bank_code": "102100099996",
            }
        )


def test_the_registry_agrees_with_the_header_aliases_and_the_portal_selectors() -> None:
    aliases = yaml.safe_load((PROJECT_ROOT / "config" / "header_aliases.yaml").read_text(encoding="utf-8"))
    headers = {name: entry["header"] for name, entry in aliases["fields"].items()}
    assert {name: FIELDS[name].label for name in headers} == headers
    pages = yaml.safe_load((PROJECT_ROOT / "selectors" / "ams.yaml").read_text(encoding="utf-8"))["pages"]
    elements = {e for page in ("open_form", "change_form", "close_form") for e in pages[page]["elements"]}
    portal = {spec.portal_element for spec in FIELDS.values() if spec.portal_element}
    assert portal <= elements, portal - elements
