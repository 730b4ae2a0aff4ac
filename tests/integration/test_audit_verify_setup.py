"""`rpa audit verify` when the auditor's setup, not the record, is wrong: a key file that is not
there, a key that is not the one the records were made with, a database put back from an older
backup, a database gone. Each must say what it is, never read as every record tampered with (nor
as "never run"), and a check never makes a key. Real runs (no row reaches AMS: none is valid),
the real CLI, a real SQLite database and ledger copy; the key made here by hand."""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env

pytestmark = pytest.mark.timeout(180)


def _two_runs(tmp_path: Path) -> tuple[Settings, CliEnv, list[str], Path]:
    """Two finished runs; returns the settings, a CLI on them, the run ids and a copy of the
    database taken between them (an older backup)."""
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_operators=[OperatorCredential(code="A10001", password="x")])
    code = uscc("91110105MA02XYKW8")
    row = open_row("6228480055550000341", "北京癸科技有限公司", code[:-1] + ("0" if code[-1] != "0" else "1"),
                   "孙七", "2026-12-03")  # a wrong check character: invalid, nothing reaches AMS
    export = write_export(tmp_path / "e.xlsx", [row])
    params = {"flow_params": {"input": str(export), "today": "2026-12-04"}}
    first = execute_run(settings, "account-filing", params, trigger="test")
    backup = tmp_path / "queue-backup.db"
    with sqlite3.connect(settings.runs_dir / "queue.db") as source, sqlite3.connect(backup) as target:
        source.backup(target)  # as an operator's backup tool takes it: the WAL's pages included
    second = execute_run(settings, "account-filing", params, trigger="test")
    cli = make_cli_env(tmp_path, RPA_RUNS_DIR=str(settings.runs_dir),
                       RPA_AUDIT_KEY_FILE=str(settings.audit_key_file))
    assert cli.run("audit", "verify", "--all").returncode == 0
    return settings, cli, [first.run_id, second.run_id], backup


def _with_key(tmp_path: Path, settings: Settings, key: Path) -> CliEnv:
    """The CLI on the same runs and ledger copy, with another key file."""
    return make_cli_env(tmp_path, RPA_RUNS_DIR=str(settings.runs_dir), RPA_AUDIT_KEY_FILE=str(key),
                        RPA_LEDGER_FILE=str(settings.ledger_path()))


def test_a_missing_or_wrong_key_is_named_as_such_and_no_key_is_made(tmp_path: Path) -> None:
    settings, _cli, runs, _backup = _two_runs(tmp_path)
    nowhere = tmp_path / "elsewhere" / "audit.key"
    missing = _with_key(tmp_path, settings, nowhere).run("audit", "verify", runs[0])
    said = missing.stdout + missing.stderr
    assert missing.returncode == 2 and "不存在" in said and str(nowhere) in said, said
    assert "【不符】" not in said and "Traceback" not in said
    assert not nowhere.exists()  # a check never makes a key

    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32), encoding="utf-8")
    wrong = _with_key(tmp_path, settings, other).run("audit", "verify", "--all")
    said = wrong.stdout + wrong.stderr
    assert wrong.returncode == 2 and "审计密钥与数据库中的记录对不上" in said and str(other) in said, said
    assert "【不符】" not in said and "被修改" not in said  # one line, not every record "edited"
    assert len(said.strip().splitlines()) <= 2


def test_an_older_database_put_back_blames_the_database_and_none_left_is_not_never_run(
    tmp_path: Path,
) -> None:
    settings, cli, runs, backup = _two_runs(tmp_path)
    typo = cli.run("audit", "verify", runs[0][:-1] + "x")  # a mistyped id: no run, not a tampered one
    assert typo.returncode == 2 and "没有运行" in typo.stderr and "【不符】" not in typo.stdout, typo
    database = settings.runs_dir / "queue.db"
    for left in database.parent.glob("queue.db*"):  # the database, its WAL and shared memory
        left.unlink()
    shutil.copy(backup, database)  # the database as it was before the second run
    restored = cli.run("audit", "verify", "--all")
    lines = restored.stdout.splitlines()
    ledger_lines = [line for line in lines if line.startswith("运行账本：【不符】")]
    assert restored.returncode == 1 and ledger_lines, restored.stdout
    assert "在数据库中缺失" in ledger_lines[0] and "较早的备份" in ledger_lines[0], ledger_lines
    assert "被插入" not in restored.stdout
    assert any(line.startswith(f"运行 {runs[1]}：【不符】") for line in lines), restored.stdout

    database.unlink()
    gone = cli.run("audit", "verify", "--all")
    said = gone.stdout + gone.stderr
    assert gone.returncode == 1 and "尚未运行过" not in said, said
    assert "记录了 2 次运行" in said and "运行文件夹" in said and "数据库可能被删除或换掉" in said, said
    json.loads((settings.runs_dir / runs[0] / "run.json").read_text(encoding="utf-8"))  # untouched


def test_the_stand_alone_script_says_a_wrong_key_in_one_line(tmp_path: Path) -> None:
    settings, _cli, runs, _backup = _two_runs(tmp_path)
    script = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32), encoding="utf-8")
    for key, code in ((settings.audit_key_file, 0), (other, 2)):
        done = subprocess.run(
            [sys.executable, "-I", "-S", str(script), str(settings.runs_dir / runs[0]),
             "--ledger", str(settings.ledger_path()), "--key-file", str(key)],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert done.returncode == code, done.stdout + done.stderr
    assert "审计密钥与这些记录对不上" in done.stderr and "【不符】" not in done.stdout, done.stdout


def test_a_run_refuses_a_key_the_database_s_records_were_not_made_with(tmp_path: Path) -> None:
    """A mistyped RPA_AUDIT_KEY_FILE would make a new key and file with it: every earlier record
    and this run's would no longer check together. The run is refused before it starts."""
    settings, _cli, _runs, _backup = _two_runs(tmp_path)
    export = tmp_path / "e.xlsx"
    nowhere = tmp_path / "typo" / "audit.key"
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32), encoding="utf-8")
    for key, said in ((nowhere, "不存在，而数据库中已有审计记录"),
                      (other, "审计密钥与数据库中已有的记录对不上")):
        env = _with_key(tmp_path, settings, key)
        env.env["RPA_AMS_OPERATORS"] = json.dumps([{"code": "A10001", "password": "x"}])
        refused = env.run("run", "account-filing", "--input", str(export))
        out = refused.stdout + refused.stderr
        assert refused.returncode == 2 and said in out and "Traceback" not in out, out
    assert not nowhere.exists()
    assert len([p for p in settings.runs_dir.iterdir() if (p / "run.json").exists()]) == 2  # no third run


def test_a_ledger_copy_that_is_not_this_database_s_stops_a_run_before_it_starts(tmp_path: Path) -> None:
    """The copy of another database's ledger (RPA_LEDGER_FILE shared by mistake), or the copy of a
    database since put back from an older backup, would take no entry of the runs to come."""
    settings, _cli, _runs, backup = _two_runs(tmp_path)
    export = tmp_path / "e.xlsx"
    operators = json.dumps([{"code": "A10001", "password": "x"}])
    elsewhere = make_cli_env(tmp_path, RPA_RUNS_DIR=str(tmp_path / "other-runs"),
                             RPA_AUDIT_KEY_FILE=str(settings.audit_key_file),
                             RPA_LEDGER_FILE=str(settings.ledger_path()), RPA_AMS_OPERATORS=operators)
    refused = elsewhere.run("run", "account-filing", "--input", str(export))
    out = refused.stdout + refused.stderr
    assert refused.returncode == 2 and "比数据库中的账本多" in out and "另一个数据库的副本" in out, out

    database = settings.runs_dir / "queue.db"
    for left in database.parent.glob("queue.db*"):
        left.unlink()
    shutil.copy(backup, database)
    here = _with_key(tmp_path, settings, settings.audit_key_file)
    here.env["RPA_AMS_OPERATORS"] = operators
    kept = settings.ledger_path().read_bytes()
    restored = here.run("run", "account-filing", "--input", str(export))
    out = restored.stdout + restored.stderr
    assert restored.returncode == 2 and "数据库可能被换回较早的备份" in out and "Traceback" not in out, out
    assert settings.ledger_path().read_bytes() == kept


def test_doctor_says_whether_the_key_and_the_ledger_copy_are_this_database_s(tmp_path: Path) -> None:
    settings, cli, _runs, _backup = _two_runs(tmp_path)
    right = cli.run("doctor")
    assert "✓ 审计密钥和运行账本：密钥与数据库中的记录相符" in right.stdout, right.stdout
    other = tmp_path / "other.key"
    other.write_text(secrets.token_hex(32), encoding="utf-8")
    wrong = _with_key(tmp_path, settings, other).run("doctor")
    said = wrong.stdout
    assert wrong.returncode == 2 and "✗ 审计密钥和运行账本" in said and "对不上" in said, said
