"""`rpa runs list` in a clerk's 80-column terminal, and where `rpa demo` put its runs; `rpa runs
show`'s words for each item, and the start of a resumed run as it was."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.demo.run import new_demo_folder
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import open_run
from rpa.settings import Settings
from tests.e2e.cli_helpers import CliEnv, make_cli_env
from tests.integration.item_endings import ROW_WORDS, end_items

RUN_IDS = [
    "20261203-150405-account-filing-9f3a1c",
    "20261203-160000-report-extraction-0b2e7d",
]


def _write_run(folder: Path, run_id: str, flow: str, trigger: str) -> None:
    (folder / run_id).mkdir(parents=True)
    (folder / run_id / "run.json").write_text(json.dumps({
        "run_id": run_id, "flow": flow, "trigger": trigger, "started_at": "2026-12-03T15:04:05+08:00",
        "exit_code": 1, "counts": {"done": 41, "business_error": 3, "held": 2, "failed": 1},
    }), encoding="utf-8")


def test_a_dry_run_is_listed_as_one(tmp_path: Path) -> None:
    """A 演练 (--dry-run) filed nothing: its counts never read like a filing run's."""
    cli = make_cli_env(tmp_path, COLUMNS="160")
    _write_run(cli.runs, RUN_IDS[0], "account-filing", "cli")
    info = json.loads((cli.runs / RUN_IDS[0] / "run.json").read_text(encoding="utf-8"))
    info["parameters"] = {"flow_params": {"input": "export.xlsx", "dry_run": True}}
    (cli.runs / RUN_IDS[0] / "run.json").write_text(json.dumps(info), encoding="utf-8")
    _write_run(cli.runs, "20261203-170000-account-filing-1a2b3c", "account-filing", "cli")
    lines = cli.run("runs", "list", check_exit=0).stdout.splitlines()
    (dry,) = [line for line in lines if RUN_IDS[0] in line]
    (filing,) = [line for line in lines if "1a2b3c" in line]
    assert "演练，未向 AMS 提交" in dry and "演练" not in filing
    shown = cli.run("runs", "show", RUN_IDS[0], check_exit=0).stdout
    assert "计数：演练，未向 AMS 提交：已完成 41" in shown
    assert "演练" not in cli.run("runs", "show", "20261203-170000-account-filing-1a2b3c", check_exit=0).stdout


def test_a_dry_run_ends_saying_it_submitted_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rpa.cli.common import print_outcome
    from rpa.run.runs import RunOutcome

    folder = tmp_path / RUN_IDS[0]
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"parameters": {"flow_params": {"dry_run": True}}}), "utf-8")
    print_outcome(RunOutcome(RUN_IDS[0], 0, folder, {"done": 2}))
    assert f"运行 {RUN_IDS[0]}：全部完成（演练，未向 AMS 提交：已完成 2）" in capsys.readouterr().out
    (folder / "run.json").write_text(json.dumps({"parameters": {"flow_params": {}}}), "utf-8")
    print_outcome(RunOutcome(RUN_IDS[0], 0, folder, {"done": 2}))
    assert f"运行 {RUN_IDS[0]}：全部完成（已完成 2）" in capsys.readouterr().out


def test_a_stopped_run_says_resume_only_while_items_are_unfinished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tester Q's Q9: a run the circuit breaker stopped with every item failed said `--resume`,
    which files nothing; `rpa cases retry` does (its system failures only)."""
    from rpa.cli.common import print_outcome
    from rpa.run.runs import RunOutcome

    folder = tmp_path / RUN_IDS[0]
    folder.mkdir()
    print_outcome(RunOutcome(RUN_IDS[0], 3, folder, {"done": 1, "pending": 2}))
    assert "提前停止，可用 --resume 续跑（已完成 1，未完成 2）" in capsys.readouterr().out
    print_outcome(RunOutcome(RUN_IDS[0], 3, folder, {"failed": 3}))
    out = capsys.readouterr().out
    assert f"--resume 不再办理：查明原因后用 rpa cases retry {RUN_IDS[0]} 重试系统故障" in out
    assert "可用 --resume" not in out


def test_a_run_that_needs_a_person_for_no_item_says_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tester AG: 已结束，有事项需要处理（没有事项） for a run whose rows were all put aside, and
    （已完成 10） for one whose only open matter was such a row."""
    from rpa.cli.common import print_outcome
    from rpa.run.runs import RunOutcome

    folder = tmp_path / RUN_IDS[0]
    folder.mkdir()
    print_outcome(RunOutcome(RUN_IDS[0], 1, folder, {}))  # no workbook written: none named (tester AQ)
    assert "有事项需要处理（需要处理的见上方提示）" in capsys.readouterr().out
    (folder / "result.xlsx").write_bytes(b"PK")
    print_outcome(RunOutcome(RUN_IDS[0], 1, folder, {}))
    assert "有事项需要处理（需要处理的见上方提示和结果文件）" in capsys.readouterr().out
    print_outcome(RunOutcome(RUN_IDS[0], 1, folder, {"done": 0, "failed": 0}))  # counted, all zero
    assert "有事项需要处理（需要处理的见上方提示和结果文件）" in capsys.readouterr().out
    print_outcome(RunOutcome(RUN_IDS[0], 1, folder, {"done": 10}))
    assert "有事项需要处理（已完成 10；需要处理的见上方提示和结果文件）" in capsys.readouterr().out
    print_outcome(RunOutcome(RUN_IDS[0], 1, folder, {"done": 3, "failed": 1}))
    assert "有事项需要处理（已完成 3，失败 1）\n" in capsys.readouterr().out


def test_runs_list_shows_whole_run_ids_in_80_columns(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path, COLUMNS="80")
    _write_run(cli.runs, RUN_IDS[0], "account-filing", "schedule:daily-filing@2026-12-03T15:00")
    _write_run(cli.runs, RUN_IDS[1], "report-extraction", "cli")
    listed = cli.run("runs", "list", check_exit=0)
    lines = listed.stdout.splitlines()
    for run_id in RUN_IDS:
        assert any(run_id in line for line in lines), listed.stdout
    assert max(len(line) for line in lines if RUN_IDS[0] in line or RUN_IDS[1] in line) <= 80


def test_runs_list_after_a_demo_points_at_the_demo_folder(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path, COLUMNS="80")
    demo = cli.runs / "demo-20261203-170000"
    _write_run(demo, "20261203-170001-account-filing-aa11bb", "account-filing", "demo")
    listed = cli.run("runs", "list", check_exit=0)
    assert f"RPA_RUNS_DIR={demo} rpa runs list" in listed.stdout.replace("\n", ""), listed.stdout
    pointed = make_cli_env(tmp_path, COLUMNS="80", RPA_RUNS_DIR=str(demo))
    assert "20261203-170001-account-filing-aa11bb" in pointed.run("runs", "list", check_exit=0).stdout


def test_the_demo_folder_is_named_in_the_run_ids_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/Los_Angeles")  # the host's zone, far from Shanghai's
    time.tzset()
    try:
        folder = new_demo_folder(Settings(runs_dir=tmp_path / "runs", timezone="Asia/Shanghai"))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    shanghai = datetime.now(timezone(timedelta(hours=8)))  # China keeps UTC+8 all year
    named = datetime.strptime(folder.name, "demo-%Y%m%d-%H%M%S").replace(tzinfo=shanghai.tzinfo)
    assert abs((shanghai - named).total_seconds()) < 60, folder.name


def _settings(cli: CliEnv, tmp_path: Path) -> Settings:
    """The settings `make_cli_env`'s commands run with: the same runs folder, database and key."""
    return Settings(runs_dir=cli.runs, audit_key_file=tmp_path / "keys" / "audit.key")


def test_runs_show_gives_each_item_the_word_its_row_has_in_result_xlsx(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    settings = _settings(cli, tmp_path)
    run_id = open_run(settings, "account-filing", {}, trigger="cli").run_id
    ids = end_items(WorkQueue.from_settings(settings), run_id)
    shown = cli.run("runs", "show", run_id, check_exit=0).stdout
    lines = {int(line.split()[1]): line for line in shown.splitlines() if re.match(r"^\S?\s*\d+\s", line)}
    for name, item_id in ids.items():
        assert f" {ROW_WORDS[name]} " in lines[item_id], (name, shown)
    items = "\n".join(lines.values())  # the 计数 line above them tallies by state words (README)
    assert "业务错误" not in items and "已完成" not in items
    # a run not closed: counted from the queue, its business errors by their rows' words as its
    # close will (tester AP of 2026-12-07: the progress bar said 业务错误 of a 门户拒绝 row)
    assert "计数：已完成 2，未完成 1，复核退回 1，门户拒绝 1，待复核 1" in shown, shown
    assert not re.search(r"\b(refused|filed|awaiting_approval|rejected_by_checker)\b", shown), shown


def test_a_resume_keeps_how_and_when_the_run_began(tmp_path: Path) -> None:
    """run.json's trigger and start are the run's first; each resume is listed beside them, and
    `rpa runs list` / `runs show` show the start as it was."""
    cli = make_cli_env(tmp_path)
    settings = _settings(cli, tmp_path)
    first = open_run(settings, "account-filing", {}, trigger="cli")
    began = json.loads((first.folder / "run.json").read_text(encoding="utf-8"))
    open_run(settings, "account-filing", {}, trigger="cases:dave", resume=first.run_id)
    open_run(settings, "account-filing", {}, trigger="console:li.na", resume=first.run_id)
    info = json.loads((first.folder / "run.json").read_text(encoding="utf-8"))
    assert (info["trigger"], info["started_at"]) == ("cli", began["started_at"])
    assert [r["trigger"] for r in info["resumes"]] == ["cases:dave", "console:li.na"]
    assert all(r["started_at"] >= began["started_at"] for r in info["resumes"])

    listed = cli.run("runs", "list", check_exit=0).stdout
    (line,) = [line for line in listed.splitlines() if first.run_id in line]
    assert "命令行" in line and began["started_at"][:19] in line and "dave" not in line, listed
    shown = cli.run("runs", "show", first.run_id, check_exit=0).stdout
    assert "触发：命令行" in shown and f"开始时间：{began['started_at']}" in shown, shown
    resumed = info["resumes"][0]["started_at"][:19].replace("T", " ")
    assert f"续跑：{resumed}（异常处理 dave）；" in shown and "（控制台 li.na）" in shown, shown


def test_a_run_without_counts_in_run_json_is_counted_from_the_queue(tmp_path: Path) -> None:
    """A run killed (kill -9) before it wrote its counts: `runs list` counts its items from the
    queue, as `runs show` lists them, never "没有事项"."""
    cli = make_cli_env(tmp_path)
    settings = _settings(cli, tmp_path)
    run_id = open_run(settings, "account-filing", {}, trigger="cli").run_id
    end_items(WorkQueue.from_settings(settings), run_id)
    listed = cli.run("runs", "list", check_exit=0).stdout
    (line,) = [line for line in listed.splitlines() if run_id in line]
    assert "没有事项" not in line and "已完成 2" in line, listed
