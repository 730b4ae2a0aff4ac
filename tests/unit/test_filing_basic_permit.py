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
