"""A failure in a run's finishing steps (report.html, the audit chain's export) is never "all
done": the run exits 1, run.json says what failed and `rpa runs list` shows it. The failure is
real: a folder stands where the run's file must go, so the rename into place fails (EISDIR, not
a full disk). The run is the calendar check for a year the calendar knows: it exits 0 when
nothing is in the way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rpa.run.orchestrate import execute_run
from rpa.run.runs import new_run_id, now_in
from rpa.settings import OperatorCredential, Settings
from tests.e2e.cli_helpers import make_cli_env

ACCOUNTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs" / "accounts.xlsx"
KNOWN_YEAR = {"flow_params": {"year": 2026}}  # calendar.yaml holds 2026's published schedule


def _settings(tmp_path: Path) -> Settings:
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("blocked", ["report.html", "audit.jsonl"])
def test_a_failed_finishing_step_exits_1_and_the_run_says_so(tmp_path: Path, blocked: str) -> None:
    settings = _settings(tmp_path)
    control = execute_run(settings, "calendar-check", KNOWN_YEAR, trigger="test")
    assert control.exit_code == 0 and (control.folder / blocked).is_file()

    run_id = new_run_id("calendar-check", now_in(settings))
    (settings.runs_dir / run_id / blocked).mkdir(parents=True)
    outcome = execute_run(settings, "calendar-check", KNOWN_YEAR, trigger="test", run_id=run_id)
    assert outcome.exit_code == 1

    info = json.loads((outcome.folder / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 1 and info["ended_at"]
    assert info["finish_failed"].startswith("收尾步骤失败（IsADirectoryError）")
    log = (outcome.folder / "run.log").read_text(encoding="utf-8")
    assert "收尾步骤失败" in log and "Traceback (most recent call last):" in log

    listed = make_cli_env(tmp_path).run("runs", "list", check_exit=0).stdout
    row = next(line for line in listed.splitlines() if run_id in line)
    assert "1（收尾失败）" in row
    control_row = next(line for line in listed.splitlines() if control.run_id in line)
    assert "收尾失败" not in control_row


@pytest.mark.timeout(120)
def test_result_xlsx_that_cannot_be_written_marks_the_run(tmp_path: Path) -> None:
    """Account filing of an export whose rows are all invalid (no portal is reached): the
    result.xlsx that tells why cannot be put in place."""
    book = load_workbook(ACCOUNTS)
    sheet = book.active
    assert sheet is not None
    sheet.delete_rows(7, sheet.max_row)  # keep sheet rows 4-6 ...
    sheet.delete_rows(5, 1)  # ... less row 5: rows 4 and 6 lack what a filing needs
    book.save(tmp_path / "invalid.xlsx")
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_url="http://127.0.0.1:9/ams",  # never reached: no row is filed
                        ams_operators=[OperatorCredential(code="OP1", password="x")])
    run_id = new_run_id("account-filing", now_in(settings))
    (settings.runs_dir / run_id / "result.xlsx").mkdir(parents=True)
    params = {"flow_params": {"input": str(tmp_path / "invalid.xlsx")}}
    outcome = execute_run(settings, "account-filing", params, trigger="test", run_id=run_id)
    assert outcome.exit_code == 1
    info = json.loads((outcome.folder / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 1
    target = outcome.folder / "result.xlsx"
    assert info["finish_failed"] == f"写出结果文件失败：无法写入 {target}（Is a directory）"
    assert info["outputs"] == [str(outcome.folder / "report.html")]  # result.xlsx not among them
    assert info["resumes"] == []
    listed = make_cli_env(tmp_path).run("runs", "list", check_exit=0).stdout
    assert "1（收尾失败）" in next(line for line in listed.splitlines() if run_id in line)
