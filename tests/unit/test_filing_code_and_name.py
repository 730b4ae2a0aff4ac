"""A coded cell written `代码-名称` whose code and name are two different choices (tester BA,
2026-12-07: `02-企业法人` and `13-企业法人` were filed as 企业法人, the code dropped without a word).
存款人类别 decides 备案 or 核准 and is compared with the credit code, so neither reading is
guessed: a row error naming both. A code and name that agree read as before. The codes are
DOMAIN.md's (01 企业法人, 02 非法人企业, 13 有字号个体工商户)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_filing_export_artefacts import _book, _codes, _row, _validate

ACCOUNTS = ("6217003300001234512", "6217003300001234534", "6217003300001234556", "6217003300001234578")


def test_a_code_and_a_name_of_two_choices_is_a_row_error_naming_both(tmp_path: Path) -> None:
    rows = [_row(account) for account in ACCOUNTS]
    for row, written in zip(rows, ("02-企业法人", "13-企业法人", "01-企业法人", "01 企业法人"), strict=True):
        row[5] = written
    report = _validate(_book(tmp_path, rows))
    ambiguous = {("choice_ambiguous", "存款人类别")}
    assert _codes(report) == {2: ambiguous, 3: ambiguous, 4: set(), 5: set()}
    said = [o.errors[0].message for o in report.outcomes[:2]]
    assert "可指 02 非法人企业、01 企业法人" in said[0], said
    assert "可指 13 有字号个体工商户、01 企业法人" in said[1], said


def test_a_code_the_table_does_not_hold_before_a_name_is_not_dropped(tmp_path: Path) -> None:
    """The code review of 2026-12-07: `18-企业法人` read as 企业法人, its unknown code dropped."""
    row = _row(ACCOUNTS[0])
    row[5] = "18-企业法人"
    report = _validate(_book(tmp_path, [row]))
    assert _codes(report) == {2: {("choice_ambiguous", "存款人类别")}}
    assert "18（代码表中没有这个代码）、01 企业法人" in report.outcomes[0].errors[0].message
