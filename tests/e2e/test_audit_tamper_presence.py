"""What a run left, removed or forged where verify did not look: a deleted run.json, an item
deleted from the queue or set back to pending, a run folder nobody recorded, a database rolled
back behind the ledger copy. `rpa audit verify` (and, for run.json, scripts/verify_audit.py)
fails and names it.

One real smoke run (real Chromium against the local smoke site); each case copies its whole
world (runs folder, queue database, audit key, ledger copy) and edits the copy as an attacker
with full file and database rights would, then runs the real CLI on it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@dataclass(frozen=True)
class Finished:
    root: Path
    run_id: str


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    root = tmp_path_factory.mktemp("present")
    cli = _cli(root)
    done = cli.run("run", "smoke", "--items", "4", "--workers", "1", check_exit=0)
    return Finished(root, run_id_from(done.stdout))


def _cli(world: Path) -> CliEnv:
    return make_cli_env(world, RPA_LEDGER_FILE=str(world / "keys" / "ledger.jsonl"))


def _copy(finished: Finished, tmp_path: Path) -> CliEnv:
    world = tmp_path / "world"
    shutil.copytree(finished.root, world)
    return _cli(world)


def _verify_fails(cli: CliEnv, *args: str) -> str:
    done = cli.run("audit", "verify", *args)
    assert done.returncode == 1, f"verify passed a tampered run:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr + done.stdout
    return done.stdout


def _items(cli: CliEnv, run_id: str) -> list[tuple[int, str]]:
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        query = "SELECT id, state FROM queue_items WHERE run_id = ? ORDER BY id"
        return conn.execute(query, (run_id,)).fetchall()


def _sql(cli: CliEnv, statement: str, args: tuple[object, ...]) -> None:
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        conn.execute(statement, args)


def test_an_untouched_run_has_every_item_of_its_chain_in_the_queue(
    finished: Finished, tmp_path: Path
) -> None:
    cli = _copy(finished, tmp_path)
    done = cli.run("audit", "verify", "--all", check_exit=0)
    assert f"运行 {finished.run_id}：审计链记录的 4 个事项都在队列中" in done.stdout, done.stdout


def test_a_deleted_run_json_is_named_by_both_verifiers(finished: Finished, tmp_path: Path) -> None:
    cli = _copy(finished, tmp_path)
    (cli.runs / finished.run_id / "run.json").unlink()
    listed = cli.run("runs", "list", check_exit=0).stdout
    assert finished.run_id not in listed  # gone from the operators' view
    for args in ((finished.run_id,), ("--all",)):
        out = _verify_fails(cli, *args)
        assert f"运行 {finished.run_id}：【不符】run.json 不存在" in out, out
    world = cli.runs.parent
    script = subprocess.run(
        [sys.executable, "-I", "-S", str(Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"),
         str(cli.runs / finished.run_id), "--ledger", str(world / "keys" / "ledger.jsonl"),
         "--key-file", str(world / "keys" / "audit.key")],
        capture_output=True, text=True, timeout=60, check=False, cwd=world,
    )
    assert script.returncode == 1 and "【不符】run.json 不存在" in script.stdout, script.stdout


def test_an_item_deleted_from_the_queue_is_named_before_and_after_a_resume(
    finished: Finished, tmp_path: Path
) -> None:
    cli = _copy(finished, tmp_path)
    run = finished.run_id
    item_id, _ = _items(cli, run)[1]
    _sql(cli, "DELETE FROM queue_items WHERE id = ?", (item_id,))
    out = _verify_fails(cli, run)
    assert f"运行 {run}：【不符】事项 {item_id}" in out and "在队列中不存在（审计链第" in out, out
    # a resume enqueues the row again under the same key and works it: the chain shows it done twice
    cli.run("run", "smoke", "--resume", run, "--workers", "1")
    out = _verify_fails(cli, "--all")
    assert "条事件已完成，第" in out and "条事件又被领取办理" in out, out


def test_a_done_item_set_back_to_pending_is_named_before_and_after_a_resume(
    finished: Finished, tmp_path: Path
) -> None:
    cli = _copy(finished, tmp_path)
    run = finished.run_id
    item_id, state = _items(cli, run)[2]
    assert state == "done"
    _sql(cli, "UPDATE queue_items SET state = 'pending' WHERE id = ?", (item_id,))
    out = _verify_fails(cli, "--all")
    assert f"运行 {run}：【不符】事项 {item_id}" in out and "的状态：队列中为“" in out, out
    assert "记录的为“已完成”，审计链中没有它此后被放回待办的记录" in out, out
    cli.run("run", "smoke", "--resume", run, "--workers", "1")
    out = _verify_fails(cli, run)
    assert f"【不符】事项 {item_id}" in out and "条事件又被领取办理" in out, out


def test_a_forged_run_folder_is_named_by_verify_all(finished: Finished, tmp_path: Path) -> None:
    cli = _copy(finished, tmp_path)
    forged = "20261205-235959-smoke-f0f0f0"
    shutil.copytree(cli.runs / finished.run_id, cli.runs / forged)
    info = json.loads((cli.runs / forged / "run.json").read_text(encoding="utf-8"))
    (cli.runs / forged / "run.json").write_text(json.dumps({**info, "run_id": forged}), encoding="utf-8")
    assert forged in cli.run("runs", "list", check_exit=0).stdout
    out = _verify_fails(cli, "--all")
    assert f"运行 {forged}：【不符】数据库和运行账本中都没有这次运行" in out, out
    assert f"核对不通过：运行 {forged}" in out, out


def test_runs_only_the_ledger_copy_knows_are_named_after_a_database_rollback(
    finished: Finished, tmp_path: Path
) -> None:
    cli = _copy(finished, tmp_path)
    backup = tmp_path / "queue.db.bak"
    with sqlite3.connect(cli.runs / "queue.db") as live, sqlite3.connect(backup) as copy:
        live.backup(copy)  # an ordinary backup, WAL included
    later = run_id_from(cli.run("run", "smoke", "--items", "2", "--workers", "1", check_exit=0).stdout)
    for extra in ("queue.db-wal", "queue.db-shm"):
        (cli.runs / extra).unlink(missing_ok=True)
    shutil.copyfile(backup, cli.runs / "queue.db")  # the database restored from before the later run
    out = _verify_fails(cli, "--all")
    assert f"运行 {later}：【不符】数据库中没有这次运行的审计链，但运行账本记录了它" in out, out
    assert f"运行 {finished.run_id}：审计链记录的 4 个事项都在队列中" in out, out


def test_a_refused_items_message_or_result_rewritten_in_the_queue_is_named(tmp_path: Path) -> None:
    """A refused row is judged on the portal's words (门户信息 in result.xlsx and report.html):
    an invented reason written into the queue differs from what the chain recorded."""
    root = tmp_path / "refused"
    cli = _cli(root)
    done = cli.run("run", "smoke", "--items", "2", "--modes", "business", "--workers", "1", check_exit=1)
    run_id = run_id_from(done.stdout)
    cli.run("audit", "verify", run_id, check_exit=0)
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        (item_id,) = conn.execute(
            "SELECT min(id) FROM queue_items WHERE run_id = ? AND state = 'business_error'", (run_id,)
        ).fetchone()
    for column, value in (("last_error_message", "'客户主动撤回申请'"),
                          ("result", "json_object('note', '客户主动撤回申请')")):
        world = tmp_path / column
        shutil.copytree(root, world)
        forged = _cli(world)
        with sqlite3.connect(forged.runs / "queue.db") as conn:
            conn.execute(f"UPDATE queue_items SET {column} = {value} WHERE id = ?", (item_id,))
        out = _verify_fails(forged, run_id)
        assert f"事项 {item_id}" in out and "与审计链第" in out, out


def test_a_run_erased_with_the_ledgers_head_deleted_is_named_by_verify_all(
    finished: Finished, tmp_path: Path
) -> None:
    """Tester AU of 2026-12-07 (F1): the newest run's events, head, items and folder deleted, the
    ledger's events of it cut from the database and the copy, and the ledger's head row deleted
    rather than rolled back: `verify --all` said 核对通过 and the run was gone unseen."""
    cli = _copy(finished, tmp_path)
    ledger_before = len((tmp_path / "world" / "keys" / "ledger.jsonl").read_text().splitlines())
    later = run_id_from(cli.run("run", "smoke", "--items", "2", "--workers", "1", check_exit=0).stdout)
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        for trigger in ("audit_events_no_update", "audit_events_no_delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.execute("DELETE FROM audit_events WHERE run_id = ?", (later,))
        conn.execute("DELETE FROM audit_heads WHERE run_id = ?", (later,))
        items = "SELECT id FROM queue_items WHERE run_id = ?"
        conn.execute(f"DELETE FROM queue_attempts WHERE item_id IN ({items})", (later,))
        conn.execute("DELETE FROM queue_items WHERE run_id = ?", (later,))
        conn.execute("DELETE FROM audit_events WHERE run_id = '=ledger' AND seq > ?", (ledger_before,))
        conn.execute("DELETE FROM audit_heads WHERE run_id = '=ledger'")
    shutil.rmtree(cli.runs / later)
    copy = tmp_path / "world" / "keys" / "ledger.jsonl"
    copy.write_text("".join(line + "\n" for line in copy.read_text().splitlines()[:ledger_before]))
    assert later not in cli.run("runs", "list", check_exit=0).stdout
    out = _verify_fails(cli, "--all")
    assert "运行账本：【不符】数据库中的账本的链头缺失或被删除（链头行被删除，链中的事件却还在" in out, out
