"""A 居民身份证 number is a mainland resident's: 81/82/83 numbers and province codes are not.

A tester (F3) saw `810000198506151234`, a 港澳台居民居住证 number with a sound GB 11643 check
digit, validate as a 居民身份证 and be filed into AMS under that type; `830000…` was refused as
行政区划代码不存在, which sends the clerk looking for a typo; `110000…` (北京市, a province-level
code) was accepted, though a 居民身份证 carries a county's code. The numbers are written here by
hand: an address code, a birth date, a serial, and the check digit computed by this file's own
GB 11643 function (DOMAIN.md's weights), never by the code under test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from flows.account_filing import FilingRecord, ValidationReport, validate_file
from flows.account_filing.resident_id import resident_id_problem
from rpa.settings import PROJECT_ROOT
from tests.check_exports import HEADERS, write_export

TODAY = date(2026, 11, 27)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CELL = f"{chr(ord('A') + HEADERS.index('证件号码'))}2"  # K2


def with_check_digit(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2), as DOMAIN.md writes it."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_this_files_check_digits_are_domain_mds_and_the_testers() -> None:
    assert with_check_digit("11010519491231002") == "11010519491231002X"
    assert with_check_digit("36042619910101007") == "360426199101010071"
    assert with_check_digit("81000019850615123") == "810000198506151234"  # the tester's number


HONG_KONG = "810000198506151234"
MACAU = with_check_digit("820000" + "19900101" + "002")
TAIWAN = with_check_digit("830000" + "19800101" + "002")
BEIJING_PROVINCE = with_check_digit("110000" + "19800101" + "002")  # 北京市 itself
GUANGDONG_PROVINCE = with_check_digit("440000" + "19800101" + "002")  # 广东省 itself


def row(id_type: str, id_number: str) -> list[Any]:
    """An 开户 of a basic account, DOMAIN.md's headers and samples, with this ID."""
    return ["开户", "6228480012345678901", "基本存款账户", "2026-11-20", "北京华信科技有限公司", "01",
            "91110000600037341L", "法定代表人", "张三", id_type, id_number, "北京市朝阳区建国路88号", "500",
            "技术开发", "102100099996", "", "", "", "", "310001"]  # fmt: skip


def validate(tmp_path: Path, id_type: str, id_number: str) -> ValidationReport:
    path = write_export(tmp_path / "export.xlsx", [row(id_type, id_number)])
    calendar = PROJECT_ROOT / "calendar.yaml"
    return validate_file(path, config_dir=PROJECT_ROOT / "config", calendar_file=calendar, today=TODAY)


def record_with(id_number: str) -> dict[str, object]:
    return {"action": "open", "account_no": "6228480012345678901", "account_kind": "basic",
            "business_date": "2026-11-20", "depositor_name": "北京华信科技有限公司",
            "depositor_category": "企业法人", "uscc": "91110000600037341L", "legal_rep_role": "法定代表人",
            "legal_rep_name": "张三", "id_type": "居民身份证", "id_number": id_number,
            "registered_address": "北京市朝阳区建国路88号", "bank_code": "102100099996"}  # fmt: skip


@pytest.mark.parametrize("number", [HONG_KONG, MACAU, TAIWAN])
def test_a_residence_permit_number_typed_as_a_resident_id_is_a_row_error_naming_the_type(
    tmp_path: Path, number: str
) -> None:
    assert resident_id_problem(number, TODAY) == "id_hmt_residence"
    report = validate(tmp_path, "居民身份证", number)
    (outcome,) = report.outcomes
    assert not outcome.valid and outcome.record is None
    assert [(e.code, e.column, e.cell) for e in outcome.errors] == [("id_hmt_residence", "证件号码", ID_CELL)]
    message = outcome.errors[0].message
    assert "港澳台居民居住证号码（81/82/83开头），与证件种类「居民身份证」不符" in message
    assert "请核对证件种类" in message and "行政区划代码不存在" not in message
    assert number not in message and "*" * 14 + number[-4:] in message  # the value, masked
    with pytest.raises(ValidationError):  # nor can anyone build such a record
        FilingRecord.model_validate(record_with(number))


def test_the_same_number_under_its_own_id_type_is_no_resident_id_error(tmp_path: Path) -> None:
    (outcome,) = validate(tmp_path, "其它", HONG_KONG).outcomes
    assert outcome.valid and outcome.record is not None
    assert (outcome.record.id_type, outcome.record.id_number) == ("其它", HONG_KONG)


@pytest.mark.parametrize("number", [BEIJING_PROVINCE, GUANGDONG_PROVINCE])
def test_a_province_level_address_code_is_refused_saying_so(tmp_path: Path, number: str) -> None:
    assert resident_id_problem(number, TODAY) == "id_region_province"
    (outcome,) = validate(tmp_path, "居民身份证", number).outcomes
    assert not outcome.valid and outcome.record is None
    found = [(e.code, e.column, e.cell) for e in outcome.errors]
    assert found == [("id_region_province", "证件号码", ID_CELL)]
    message = outcome.errors[0].message
    assert "省级行政区划代码" in message and "县级" in message and "请核对" in message
    assert number not in message
    with pytest.raises(ValidationError):
        FilingRecord.model_validate(record_with(number))


@pytest.mark.parametrize("code", [
    "110101",  # 北京 东城区, a county-level district
    "441900",  # 东莞市: a prefecture-level city with no counties, its own code on its people's IDs
    "442000",  # 中山市, the same
])  # fmt: skip
def test_county_level_codes_and_cities_without_counties_are_still_accepted(tmp_path: Path, code: str) -> None:
    number = with_check_digit(code + "19800101" + "002")
    assert resident_id_problem(number, TODAY) is None
    (outcome,) = validate(tmp_path, "居民身份证", number).outcomes
    assert outcome.valid, outcome.errors
