"""The auditor's stand-alone script (scripts/verify_audit.py) names a chain's gap beside a result
file it finds changed: tester BJ F10 (2026-12-07) deleted audit.jsonl's last line, a second
`outputs.written`, and the script blamed the untouched result.xlsx and report.html against the
run's first `outputs.written`, without the note its docs promise."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_audit_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("broken", [True, False])
def test_a_changed_or_missing_result_file_carries_the_gap_note_only_when_the_chain_has_a_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: bool
) -> None:
    (tmp_path / "result.xlsx").write_bytes(b"written again by the second finishing step")
    written = {"seq": 72, "event": "outputs.written", "details": {"files": [
        {"file": "result.xlsx", "file_sha256": "0" * 64}, {"file": "report.html", "file_sha256": "1" * 64}]}}
    checker = _script().Checker(tmp_path, tmp_path / "ledger.jsonl", b"k")
    checker.chain_broken = broken
    checker.check_outputs([written])
    said = capsys.readouterr().out
    note = "（审计链不完整：也可能是记录它的事件缺失）"
    assert "结果文件 result.xlsx 的 SHA-256 与审计链第 72 条事件记录的不同" in said
    assert "结果文件 report.html 不存在（审计链第 72 条事件记录了它）" in said
    assert said.count(note) == (2 if broken else 0), said
