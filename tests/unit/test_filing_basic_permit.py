"""A basic account's 基本存款账户编号 is AMS's to issue at its 开户: a row that carries one is filed
without it (the form leaves it, 信息核对 does not compare it) and the 校验 sheet says so as a 提示;
every other kind's 开户 files the number its row carries (DOMAIN.md: required for them)."""

from __future__ import annotations

from pathlib import Path

from bots.ams._forms import form_steps
from tests.unit.test_filing_export_artefacts import _book, _row, _validate

PERMIT = "J1021000000101"


def _opened(tmp_path: Path, kind: str) -> list[str | int]:
    row = _row("6228480012345670085")
    row[2], row[14] = kind, PERMIT  # 账户性质, 基本存款账户编号
    return row


def test_a_basic_open_leaves_its_permit_to_ams_and_says_so(tmp_path: Path) -> None:
    (outcome,) = _validate(_book(tmp_path, [_opened(tmp_path, "基本存款账户")])).outcomes
    assert outcome.valid and outcome.record is not None
    assert "permit_issued_by_ams" in [w.code for w in outcome.warnings]
    assert "basic_account_permit" in outcome.record.kept_fields
    assert "basic_account_permit" not in [step.element for step in form_steps(outcome.record)]


def test_a_general_open_files_the_permit_its_row_carries(tmp_path: Path) -> None:
    (outcome,) = _validate(_book(tmp_path, [_opened(tmp_path, "一般存款账户")])).outcomes
    assert outcome.valid and outcome.record is not None
    assert "permit_issued_by_ams" not in [w.code for w in outcome.warnings]
    steps = {step.element: step for step in form_steps(outcome.record)}
    assert steps["basic_account_permit"].value == PERMIT


def test_a_basic_open_s_permit_written_wrong_refuses_no_row(tmp_path: Path) -> None:
    """The review of 2026-12-06: a number the filing leaves out (J12) made the row invalid."""
    row = _opened(tmp_path, "基本存款账户")
    row[14] = "J12"
    (outcome,) = _validate(_book(tmp_path, [row])).outcomes
    assert outcome.valid and outcome.record is not None and outcome.record.basic_account_permit is None
    assert "permit_issued_by_ams" in [w.code for w in outcome.warnings]
    row[2] = "一般存款账户"  # where the number is filed, a wrong one still refuses the row
    (general,) = _validate(_book(tmp_path, [row])).outcomes
    assert not general.valid and "permit_format" in [e.code for e in general.errors]
