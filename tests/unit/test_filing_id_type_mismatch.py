"""A sound 居民身份证 number under another 证件种类 is the wrong type, not filed as given.

A tester (F8) saw `440304198808081238`, a sound 居民身份证 number (18 characters, GB 11643 check
digit, a real birth date, 深圳福田's county code), filed as 护照 validate and go into AMS under
that type: the bot checked numbers only when 证件种类 said 居民身份证. A 港澳居民来往内地通行证 is
H/M and 8 or 10 digits, a 台湾居民来往大陆通行证 8 digits, so such a number is none of theirs: the
证件种类 cell is the slip. 户口簿, 临时居民身份证 and the service and police cards (军官证,
警官证...) may carry the same 公民身份号码, so they keep it;
a 港澳台居民居住证 number (81/82/83) is no 居民身份证 number, so 其它 keeps it too.

Numbers are written here by hand: an address code, a birth date, a serial, and the check digit
computed by this file's own GB 11643 function (DOMAIN.md's weights), never by the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from flows.account_filing import FilingRecord, RowOutcome, validate_file
from rpa.settings import PROJECT_ROOT
from tests.check_exports import HEADERS, open_row, write_export
from tests.e2e.cli_helpers import make_cli_env

pytestmark = pytest.mark.timeout(120)

TODAY = date(2026, 11, 27)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC = "91110000600037341L"  # DOMAIN.md's sample
TYPE_AT, NUMBER_AT = HEADERS.index("证件种类"), HEADERS.index("证件号码")
ID_CELL = f"{chr(ord('A') + NUMBER_AT)}2"  # K2


def with_check_digit(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2), as DOMAIN.md writes it."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


SHENZHEN = with_check_digit("440304" + "19880808" + "123")  # 深圳市福田区
CHENGDU = with_check_digit("510107" + "19900214" + "002")  # 成都市武侯区
HONG_KONG_PERMIT = with_check_digit("810000" + "19850615" + "123")  # 港澳台居民居住证


def test_this_files_numbers_are_the_testers() -> None:
    assert (SHENZHEN, CHENGDU, HONG_KONG_PERMIT) == (
        "440304198808081238", "510107199002140025", "810000198506151234")  # fmt: skip


def masked(number: str) -> str:
    return "*" * (len(number) - 4) + number[-4:]


def row(id_type: str, id_number: str, **changes: str) -> list[Any]:
    cells = open_row("6228480012345678901", "北京华信科技有限公司", USCC, "张三", day="2026-11-20")
    cells[TYPE_AT], cells[NUMBER_AT] = id_type, id_number
    for header, value in changes.items():
        cells[HEADERS.index(header)] = value
    return cells


def outcome_of(tmp_path: Path, cells: list[Any]) -> RowOutcome:
    path = write_export(tmp_path / "export.xlsx", [cells])
    calendar = PROJECT_ROOT / "calendar.yaml"
    report = validate_file(path, config_dir=PROJECT_ROOT / "config", calendar_file=calendar, today=TODAY)
    (outcome,) = report.outcomes
    return outcome


def expected(number: str, id_type: str) -> str:
    return (f"「证件号码」「{masked(number)}」是居民身份证号码，与证件种类「{id_type}」不符："
            "请核对证件种类后重新导出")


@pytest.mark.parametrize("number", [SHENZHEN, CHENGDU])
@pytest.mark.parametrize(("written", "id_type"), [
    ("护照", "护照"),
    ("港澳居民来往内地通行证", "港澳居民来往内地通行证"),
    ("台湾居民来往大陆通行证", "台湾居民来往大陆通行证"),
    ("其它", "其它"),
    ("台胞证", "台湾居民来往大陆通行证"),  # an alias: the message names the type's label
    ("9", "其它"),  # the export's code for 其它
])  # fmt: skip
def test_a_resident_id_number_under_another_id_type_is_a_row_error_naming_both(
    tmp_path: Path, written: str, id_type: str, number: str
) -> None:
    outcome = outcome_of(tmp_path, row(written, number))
    assert not outcome.valid and not outcome.needs_person and outcome.record is None
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found == [("id_type_resident_number", "证件号码", ID_CELL)]
    assert outcome.errors[0].message == expected(number, id_type)
    assert number not in outcome.errors[0].message


def test_a_change_naming_the_id_is_refused_the_same(tmp_path: Path) -> None:
    change = row("护照", SHENZHEN, 业务类型="变更", 基本存款账户编号="J1000012345601", 变更事项="证件号码")
    outcome = outcome_of(tmp_path, change)
    assert not outcome.valid and outcome.record is None
    assert [(e.code, e.cell) for e in outcome.errors] == [("id_type_resident_number", ID_CELL)]
    assert outcome.errors[0].message == expected(SHENZHEN, "护照")


@pytest.mark.parametrize(("id_type", "name"), [
    ("户口簿", "户口簿"), ("户口本", "户口簿"),
    ("临时居民身份证", "临时居民身份证"), ("临时身份证", "临时居民身份证"),
    ("居民身份证", "居民身份证"), ("军官证", "军官证"), ("警官证", "警官证")])
def test_the_types_that_carry_the_citizen_number_keep_it(tmp_path: Path, id_type: str, name: str) -> None:
    outcome = outcome_of(tmp_path, row(id_type, SHENZHEN))
    assert outcome.valid, outcome.errors
    assert outcome.record is not None
    assert (outcome.record.id_type, outcome.record.id_number) == (name, SHENZHEN)


@pytest.mark.parametrize(("id_type", "number"), [
    ("其它", HONG_KONG_PERMIT),  # a 港澳台居民居住证 is filed under 其它: no 居民身份证 number
    ("港澳居民来往内地通行证", HONG_KONG_PERMIT),
    ("护照", "E12345678"),
    ("港澳居民来往内地通行证", "H01234567"),
    ("台湾居民来往大陆通行证", "01234567"),
    ("其它", SHENZHEN[:-1] + "0"),  # its check digit wrong: not a sound 居民身份证 number
])  # fmt: skip
def test_other_numbers_under_other_types_are_not_judged(tmp_path: Path, id_type: str, number: str) -> None:
    outcome = outcome_of(tmp_path, row(id_type, number))
    assert outcome.valid, outcome.errors
    assert outcome.record is not None and outcome.record.id_number == number


def test_no_record_holds_a_resident_id_number_under_another_type() -> None:
    values = {"action": "open", "account_no": "6228480012345678901", "account_kind": "basic",
              "business_date": "2026-11-20", "depositor_name": "北京华信科技有限公司",
              "depositor_category": "企业法人", "uscc": USCC, "legal_rep_role": "法定代表人",
              "legal_rep_name": "张三", "id_type": "护照", "id_number": "E12345678",
              "registered_address": "北京市朝阳区建国路88号", "bank_code": "102100099996"}  # fmt: skip
    assert FilingRecord.model_validate(values).id_type == "护照"
    with pytest.raises(ValidationError):
        FilingRecord.model_validate({**values, "id_number": SHENZHEN})
    household = FilingRecord.model_validate({**values, "id_type": "户口簿", "id_number": SHENZHEN})
    assert household.id_type == "户口簿"


def test_validate_json_shows_it(tmp_path: Path) -> None:
    path = write_export(tmp_path / "export.xlsx", [row("护照", SHENZHEN)])
    command = ("validate", "account-filing", str(path), "--today", "2026-11-27", "--json")
    done = make_cli_env(tmp_path).run(*command)
    assert done.returncode == 1, done.stderr
    (found,) = json.loads(done.stdout)["rows"]
    assert [(e["code"], e["cell"], e["message"]) for e in found["errors"]] == [
        ("id_type_resident_number", ID_CELL, expected(SHENZHEN, "护照"))
    ]
    assert SHENZHEN not in done.stdout and "Traceback" not in done.stderr


def closing(id_type: str, id_number: str) -> list[Any]:
    return row(id_type, id_number, 业务类型="撤销", 撤销原因="撤并", 基本存款账户编号="J1000012345601")


def test_a_close_s_number_under_a_blank_type_is_filed_with_a_warning_not_passed_unread(
    tmp_path: Path,
) -> None:
    """Tester AO of 2026-12-06 (F3): a 撤销 with 证件种类 blank and a number whose check digit is
    wrong read 有效 with nothing said. The close form sends no ID, so the row files; the 校验 sheet
    says the number could not be checked."""
    wrong = SHENZHEN[:-1] + "0"
    outcome = outcome_of(tmp_path, closing("", wrong))
    assert outcome.valid and outcome.record is not None, outcome.errors
    (said,) = [w for w in outcome.warnings if w.code == "id_unchecked"]
    assert (said.column, said.cell) == ("证件号码", ID_CELL)
    assert "无法按证件种类校验" in said.message and wrong not in said.message
    blank = outcome_of(tmp_path, closing("", ""))  # nothing given: nothing to check, nothing said
    assert blank.valid and "id_unchecked" not in [w.code for w in blank.warnings]
    typed = outcome_of(tmp_path, closing("居民身份证", wrong))  # with its type, checked as before
    assert not typed.valid and "id_unchecked" not in [w.code for w in typed.warnings]
    # a 变更 not of the ID leaves the type blank as a 撤销 does: said alike (tester AV)
    changed = row("", wrong, 业务类型="变更", 基本存款账户编号="J1000012345601", 变更事项="注册地址")
    change = outcome_of(tmp_path, changed)
    assert change.valid and "id_unchecked" in [w.code for w in change.warnings]
    # one that changes the ID must name its type: that error alone, no 提示 beside it
    changed = row("", wrong, 业务类型="变更", 基本存款账户编号="J1000012345601", 变更事项="证件号码")
    of_the_id = outcome_of(tmp_path, changed)
    assert not of_the_id.valid and "id_unchecked" not in [w.code for w in of_the_id.warnings], of_the_id
