"""统一社会信用代码 of every registering authority, checked by GB 32100 as DOMAIN.md states it.

Until 2026-12-04 the codes of bodies registered by 农业 (N: village collectives), 中央军委 (A) and
other authorities (Y) were refused as "含有不允许的字符": python-stdnum's `validate` wants digits
in positions 1-8. The codes below are made here from DOMAIN.md's alphabet and weights, not by
the code under test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_filing_input import codes, single

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def with_check(body: str) -> str:
    """`body` (17 characters) and its check character: (31 - sum mod 31) mod 31."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + ALPHABET[(31 - total % 31) % 31]


def test_domain_samples_are_made_right_here() -> None:
    assert with_check("91110000600037341") == "91110000600037341L"
    assert with_check("91350200776049653") == "91350200776049653A"


# a 社会团体 or 事业单位 code under its own 存款人类别, on a 一般 account (a basic one needs 核准)
GENERAL = {"账户性质": "一般存款账户", "基本存款账户编号": "J1000000000001"}


@pytest.mark.parametrize(("body", "row"), [
    ("91110000600037341", {}),   # 9 工商, 1 企业
    ("51440300MJL123456", {"存款人类别": "08", **GENERAL}),   # 5 民政, 1 社会团体
    ("N2330110MF0123451", {}),   # N 农业, 2 村级集体经济组织
    ("N1440305MG8765432", {}),   # N 农业, 1 组级集体经济组织
    ("N3510100MH1234567", {}),   # N 农业, 3 乡镇级集体经济组织
    ("Y1110000MA0012345", {}),   # Y 其他
    ("A1110108MB2345678", {}),   # A 中央军委改革和编制办公室
    ("12100000400012345", {"存款人类别": "05", **GENERAL}),   # 1 机构编制, 2 事业单位
])
def test_a_code_of_any_registering_authority_is_valid(tmp_path: Path, body: str, row: dict[str, str]) -> None:
    outcome = single(tmp_path, {**row, "统一社会信用代码": with_check(body).lower()})
    assert codes(outcome) == [], outcome.errors
    assert outcome.record is not None and outcome.record.uscc == with_check(body)


@pytest.mark.parametrize(("code", "problem"), [
    ("N2330110MF0123451" + "D", "uscc_checksum"),  # the check of N2330110MF0123451 is not D
    ("N2330110MF012345IC", "uscc_format"),          # I is not in the alphabet
    ("N23301A0MF0123451C", "uscc_format"),          # the division code (3-8) is digits
    ("N2330110MF0123451", "uscc_length"),
])
def test_a_code_with_a_letter_prefix_is_still_checked(tmp_path: Path, code: str, problem: str) -> None:
    if problem == "uscc_checksum":
        assert with_check(code[:17]) != code
    assert codes(single(tmp_path, {"统一社会信用代码": code})) == [problem]
