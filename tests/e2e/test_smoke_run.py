"""The engine end to end through the real CLI: workers, queue, audit chain, outcomes, resume."""

from __future__ import annotations

import json
import signal
import stat
import time
from pathlib import Path

import pytest

from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env, run_id_from

pytestmark = pytest.mark.browser


def _items_by_mode(runs: Path, run_id: str) -> dict[str, list]:
    queue = WorkQueue(f"sqlite:///{runs / 'queue.db'}")
    grouped: dict[str, list] = {}
    for item in queue.items(run_id):
        grouped.setdefault(item.payload["mode"], []).append(item)
    return grouped


def test_smoke_run_then_list_show_export_verify(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    done = cli.run("run", "smoke", "--items", "6", "--workers", "2", check_exit=0)
    run_id = run_id_from(done.stdout)
    folder = cli.runs / run_id
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    info = json.loads((folder / "run.json").read_text())
    assert info["counts"]["done"] == 6 and info["exit_code"] == 0
    assert info["trigger"] == "cli" and info["versions"]["playwright"] != "unknown"
    assert any(path.endswith("smoke_site.yaml") for path in info["shaping_files_sha256"])
    assert stat.S_IMODE((folder / "run.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "audit.jsonl").stat().st_mode) == 0o600
    evidence = sorted((folder / "evidence").glob("*.png"))
    assert len(evidence) == 6 and all(p.stat().st_size > 1000 for p in evidence)

    listed = cli.run("runs", "list", check_exit=0)
    assert run_id in listed.stdout
    shown = cli.run("runs", "show", run_id, check_exit=0)
    assert "已完成" in shown.stdout and "smoke" in shown.stdout
    exported = cli.run("audit", "export", run_id, check_exit=0)
    assert Path(exported.stdout.strip()).name == "audit.jsonl"
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    assert sum(1 for e in events if e["event"] == "item.done") == 6
    verified = cli.run("audit", "verify", run_id, check_exit=0)
    assert f"运行 {run_id}：数据库审计链完整" in verified.stdout and "核对通过" in verified.stdout


def test_outcomes_business_never_retried_system_retried_then_failed(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path, RPA_MAX_ATTEMPTS="3")
    done = cli.run(
        "run",
        "smoke",
        "--modes",
        "business,system_once,system_always,ok",
        "--items",
        "4",
        "--workers",
        "2",
        check_exit=1,
    )
    groups = _items_by_mode(cli.runs, run_id_from(done.stdout))
    (business,) = groups["business"]
    assert business.state == "business_error" and business.attempts == 1
    assert "业务拒绝" in (business.last_error_message or "")
    (flaky,) = groups["system_once"]
    assert flaky.state == "done" and flaky.attempts == 2
    (broken,) = groups["system_always"]
    assert broken.state == "failed" and broken.attempts == 3


def test_run_fatal_stops_every_worker_and_resume_finishes(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    modes = "fatal," + ",".join(["ok"] * 9)
    stopped = cli.run("run", "smoke", "--modes", modes, "--items", "10", "--workers", "2", check_exit=3)
    run_id = run_id_from(stopped.stdout)
    assert "用户被锁定" in stopped.stdout + stopped.stderr
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    counts = queue.counts(run_id)
    assert counts["pending"] >= 1 and counts["leased"] == 0
    assert counts["done"] < 10
    began = json.loads((cli.runs / run_id / "run.json").read_text())
    assert began["resumes"] == []  # the key is there before any resume, as README lists it
    folder = cli.runs / run_id
    assert began["outputs"] == [str(folder / "report.html")]  # smoke writes no result.xlsx

    resumed = cli.run("run", "smoke", "--resume", run_id, "--unlocked", "--workers", "2", check_exit=0)
    assert run_id_from(resumed.stdout) == run_id
    counts = queue.counts(run_id)
    assert counts["done"] == 10 and counts["pending"] == 0
    info = json.loads((cli.runs / run_id / "run.json").read_text())
    assert info["exit_code"] == 0 and len(info["resumes"]) == 1
    # run.json still says how and when the run began; the resume is listed beside it
    assert (info["trigger"], info["started_at"]) == ("cli", began["started_at"])
    assert info["resumes"][0]["trigger"] == "cli" and info["resumes"][0]["started_at"] > began["started_at"]
    verified = cli.run("audit", "verify", run_id, check_exit=0)
    assert "核对通过" in verified.stdout


def test_sigint_lets_items_in_hand_finish_and_the_run_resumes(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path)
    proc = cli.popen("run", "smoke", "--modes", "slow", "--items", "8", "--workers", "2")
    queue_db = cli.runs / "queue.db"
    deadline = time.monotonic() + 60
    run_id = None
    while time.monotonic() < deadline and run_id is None:
        if queue_db.exists():
            leased = [
                i
                for r in _run_ids(cli.runs)
                for i in WorkQueue(f"sqlite:///{queue_db}").items(r)
                if i.state == "leased"
            ]
            if leased:
                run_id = leased[0].run_id
        time.sleep(0.2)
    assert run_id, "no item was ever claimed"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 3, out + err
    queue = WorkQueue(f"sqlite:///{queue_db}")
    counts = queue.counts(run_id)
    assert counts["leased"] == 0 and counts["done"] >= 1 and counts["pending"] >= 1
    cli.run("run", "smoke", "--resume", run_id, check_exit=0)
    assert queue.counts(run_id)["done"] == 8


def _run_ids(runs: Path) -> list[str]:
    return [p.name for p in runs.iterdir() if (p / "run.json").exists()] if runs.exists() else []


def test_retry_puts_chosen_items_back_and_records_it(tmp_path: Path) -> None:
    cli = make_cli_env(tmp_path, RPA_MAX_ATTEMPTS="2")
    done = cli.run(
        "run", "smoke", "--modes", "ok,system_always,business", "--items", "3", "--workers", "1", check_exit=1
    )
    run_id = run_id_from(done.stdout)
    groups = _items_by_mode(cli.runs, run_id)
    (failed,) = groups["system_always"]
    assert failed.state == "failed" and failed.attempts == 2

    retried = cli.run("runs", "retry", run_id, "--items", str(failed.id), "--workers", "1", check_exit=1)
    assert f"1 个事项放回待办：{failed.id}" in retried.stdout
    again = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}").get(failed.id)
    assert again.state == "failed" and again.attempts == 2  # attempts reset, then used up again
    (business,) = _items_by_mode(cli.runs, run_id)["business"]
    assert business.state == "business_error" and business.attempts == 1  # not chosen: untouched
    events = [json.loads(line) for line in (cli.runs / run_id / "audit.jsonl").read_text().splitlines()]
    assert any(e["event"] == "items.retried" for e in events)
    cli.run("audit", "verify", run_id, check_exit=0)
