"""A resume reads the files its run started with, unchanged: an export replaced at the same path
(the next day's written over yesterday's), corrected in place, or another path put into the
run's parameters would be validated and filed under the old run, and result.xlsx would lose the
rows that run filed. Such a resume is refused (exit 2, naming the file) before anything is
queued; with the original file back it goes on. A real run (no row reaches AMS: none is valid),
the real CLI, a real SQLite queue and audit chain."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rpa.audit.log import AuditLog
from rpa.errors import UsageError
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env

pytestmark = pytest.mark.timeout(120)


def _wrong_code(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_a_resume_refuses_an_input_replaced_changed_or_moved_since_the_run_began(tmp_path: Path) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_operators=[OperatorCredential(code="A10001", password="x")])
    yesterday = open_row("6228480055550000317", "北京庚科技有限公司", _wrong_code(uscc("91110105MA02XYKW5")),
                         "钱多", "2026-12-03")  # invalid: nothing reaches AMS
    daily = write_export(tmp_path / "daily.xlsx", [yesterday])
    kept = shutil.copy(daily, tmp_path / "kept.xlsx")
    params = {"flow_params": {"input": str(daily), "today": "2026-12-04"}}
    first = execute_run(settings, "account-filing", params, trigger="test")
    assert first.exit_code == 1

    again = execute_run(settings, "account-filing", {}, trigger="test", resume=first.run_id)
    assert again.exit_code == 1  # the same file: the resume goes on
    ended = _end_of(settings, first.run_id)

    # the next day's export written over yesterday's, at the same path
    today = open_row("6228480055550000325", "北京辛科技有限公司", _wrong_code(uscc("91110105MA02XYKW6")),
                     "李四", "2026-12-04")
    write_export(daily, [today])
    cli = make_cli_env(tmp_path, RPA_RUNS_DIR=str(settings.runs_dir),
                       RPA_AUDIT_KEY_FILE=str(settings.audit_key_file),
                       RPA_AMS_OPERATORS=json.dumps([{"code": "A10001", "password": "x"}]))
    refused = cli.run("run", "account-filing", "--resume", first.run_id)
    said = refused.stdout + refused.stderr
    assert refused.returncode == 2, said
    assert "daily.xlsx" in said and "改动或替换" in said and "另起一次运行" in said
    assert "Traceback" not in said
    retried = cli.run("runs", "retry", first.run_id)
    assert retried.returncode == 2 and "改动或替换" in retried.stdout + retried.stderr
    assert "本次操作未做任何改动" in retried.stdout + retried.stderr and "放回待办" not in retried.stdout
    assert not WorkQueue.from_settings(settings).items(first.run_id)  # nothing of it queued
    book = (settings.runs_dir / first.run_id / "result.xlsx").read_bytes()
    _unchanged_by_the_refusal(cli, settings, first.run_id, ended, listed=False)

    # another path put into the run's parameters
    shutil.copy(kept, daily)
    params_file = settings.runs_dir / first.run_id / "params.json"
    given = json.loads(params_file.read_text(encoding="utf-8"))
    other = write_export(tmp_path / "other.xlsx", [today])
    given["flow_params"]["input"] = str(other)
    params_file.write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
    moved = cli.run("run", "account-filing", "--resume", first.run_id)
    assert moved.returncode == 2 and "不是该运行开始时读取的文件" in moved.stdout + moved.stderr
    assert (settings.runs_dir / first.run_id / "result.xlsx").read_bytes() == book  # not rewritten
    _unchanged_by_the_refusal(cli, settings, first.run_id, ended, listed=True)

    # the original export back where it was read: the resume goes on
    given["flow_params"]["input"] = str(daily)
    params_file.write_text(json.dumps(given, ensure_ascii=False), encoding="utf-8")
    assert cli.run("run", "account-filing", "--resume", first.run_id).returncode == 1


def _end_of(settings: Settings, run_id: str) -> tuple[object, ...]:
    run = json.loads((settings.runs_dir / run_id / "run.json").read_text(encoding="utf-8"))
    # aside: what `rpa runs list` shows of the rows put aside (a refused resume dropped it)
    return tuple(run.get(key) for key in ("exit_code", "ended_at", "stop_reason", "counts", "aside"))


def _unchanged_by_the_refusal(cli: CliEnv, settings: Settings, run_id: str, ended: tuple[object, ...],
                              *, listed: bool) -> None:
    """A refused resume leaves the run as it was (a finished run does not read 被拒绝 in `rpa runs
    list` or the console), says so among its resumes when it was refused after it began
    (`listed`: the chain's input check; a changed file is refused before anything is recorded),
    and the record still verifies."""
    assert _end_of(settings, run_id) == ended
    shown = cli.run("runs", "show", run_id)
    assert shown.returncode == 0 and ("被拒绝，运行未改动" in shown.stdout) == listed, shown.stdout
    # its one row was invalid: never an item, so in no count, yet said beside them
    assert "校验时搁置：无效，未报备 1 行（未成为事项" in shown.stdout, shown.stdout
    page = (settings.runs_dir / run_id / "report.html").read_text(encoding="utf-8")
    assert "另有 1 行在校验输入时即搁置，未成为事项" in page
    verified = cli.run("audit", "verify", run_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_resume_that_would_change_the_runs_parameters_is_refused_before_it_records_anything(
    tmp_path: Path,
) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_operators=[OperatorCredential(code="A10001", password="x")])
    row = open_row("6228480055550000333", "北京壬科技有限公司", _wrong_code(uscc("91110105MA02XYKW7")),
                   "赵六", "2026-12-03")  # invalid: nothing reaches AMS
    params = {"flow_params": {"input": str(write_export(tmp_path / "e.xlsx", [row])), "today": "2026-12-04"}}
    first = execute_run(settings, "account-filing", params, trigger="test")
    folder = settings.runs_dir / first.run_id
    kept = {name: (folder / name).read_bytes() for name in ("run.json", "params.json")}
    events = len(AuditLog.from_settings(settings).events(first.run_id))

    again = {"flow_params": {**params["flow_params"], "today": "2026-12-10"}}  # the same input, another day
    with pytest.raises(UsageError, match="不能改动 today"):
        execute_run(settings, "account-filing", again, trigger="test", resume=first.run_id)
    assert {name: (folder / name).read_bytes() for name in kept} == kept
    assert len(AuditLog.from_settings(settings).events(first.run_id)) == events
    with pytest.raises(UsageError, match="是 account-filing 的运行，不能用 enterprise-check 续跑"):
        execute_run(settings, "enterprise-check", {}, trigger="test", resume=first.run_id)
    assert {name: (folder / name).read_bytes() for name in kept} == kept

    same = execute_run(settings, "account-filing", params, trigger="test", resume=first.run_id)
    assert same.exit_code == 1  # given again as they were (a scheduled fire's resume): it goes on
