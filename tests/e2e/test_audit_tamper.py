"""What a run left, tampered with after the fact: `rpa audit verify` fails and names what differs.

One real smoke run (real Chromium against the local smoke site, with a screenshot per item);
each case copies its whole world (runs folder, queue database, audit key, ledger copy), edits
the copy as an attacker with full file and database rights would, and runs the real CLI on it.
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

from tests.e2e.cli_helpers import CliEnv, end_long_ago, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@dataclass(frozen=True)
class Finished:
    root: Path
    run_id: str


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Finished:
    root = tmp_path_factory.mktemp("audited")
    cli = make_cli_env(root, RPA_LEDGER_FILE=str(root / "keys" / "ledger.jsonl"))
    done = cli.run("run", "smoke", "--items", "4", "--workers", "1", check_exit=0)
    return Finished(root, run_id_from(done.stdout))


def _copy(finished: Finished, tmp_path: Path) -> tuple[CliEnv, Path]:
    """A private copy of the finished run's world, and the copied run folder."""
    world = tmp_path / "world"
    shutil.copytree(finished.root, world)
    cli = make_cli_env(world, RPA_LEDGER_FILE=str(world / "keys" / "ledger.jsonl"))
    return cli, cli.runs / finished.run_id


def _sql(cli: CliEnv, *statements: tuple[str, tuple[object, ...]]) -> None:
    """Edit the queue database directly, after dropping the append-only guards."""
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        for statement, args in statements:
            conn.execute(statement, args)


def _verify_fails(cli: CliEnv, *args: str) -> str:
    done = cli.run("audit", "verify", *args)
    assert done.returncode == 1, f"verify passed a tampered run:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


def _evidence(folder: Path) -> list[Path]:
    shots = sorted((folder / "evidence").glob("*.png"))
    assert len(shots) == 4, "the smoke run keeps one screenshot per item"
    return shots


def test_an_untouched_run_verifies_and_every_evidence_reference_names_its_file(
    finished: Finished, tmp_path: Path
) -> None:
    cli, folder = _copy(finished, tmp_path)
    done = cli.run("audit", "verify", "--all", check_exit=0)
    assert f"运行 {finished.run_id}：数据库审计链完整" in done.stdout
    assert "4 个证据文件的 SHA-256 与审计链一致" in done.stdout
    assert "核对通过：1 次运行" in done.stdout
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    references = [e["details"]["evidence"] for e in events if "evidence" in e["details"]]
    assert len(references) == 4
    assert all((folder / ref).is_file() for ref in references), references
    ledger = (tmp_path / "world" / "keys" / "ledger.jsonl").read_text().splitlines()
    assert [json.loads(line)["event"] for line in ledger] == ["run.started", "run.ended"]


def test_a_chain_cut_short_in_the_database_and_re_exported_is_caught_by_the_ledger(
    finished: Finished, tmp_path: Path
) -> None:
    cli, _ = _copy(finished, tmp_path)
    run = finished.run_id
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        (total,) = conn.execute("SELECT last_seq FROM audit_heads WHERE run_id = ?", (run,)).fetchone()
        (kept_hash,) = conn.execute(
            "SELECT hash FROM audit_events WHERE run_id = ? AND seq = ?", (run, total - 2)
        ).fetchone()
    _sql(
        cli,
        ("DELETE FROM audit_events WHERE run_id = ? AND seq > ?", (run, total - 2)),
        ("UPDATE audit_heads SET last_seq = ?, last_hash = ? WHERE run_id = ?", (total - 2, kept_hash, run)),
    )
    cli.run("audit", "export", run, check_exit=0)
    out = _verify_fails(cli, run)
    assert f"数据库审计链被截短：账本记录结束时有 {total} 条事件，现只有 {total - 2} 条" in out
    assert f"audit.jsonl 被截短：账本记录结束时有 {total} 条事件" in out


def test_an_event_deleted_mid_chain_in_the_database_is_named_once_not_as_a_cut(
    finished: Finished, tmp_path: Path
) -> None:
    cli, _ = _copy(finished, tmp_path)
    run = finished.run_id
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        (total,) = conn.execute("SELECT last_seq FROM audit_heads WHERE run_id = ?", (run,)).fetchone()
    _sql(cli, ("DELETE FROM audit_events WHERE run_id = ? AND seq = ?", (run, 3)))
    out = _verify_fails(cli, run)
    assert "数据库审计链" in out and "第 3 条事件" in out, out
    assert "被截短" not in out, out
    assert f"数据库审计链与账本记录的链头一致（第 {total} 条事件）" in out, out


def test_an_event_edited_in_the_database_is_named_there_and_the_intact_export_is_not_blamed(
    finished: Finished, tmp_path: Path
) -> None:
    cli, _ = _copy(finished, tmp_path)
    run = finished.run_id
    edit = "UPDATE audit_events SET details = replace(details, 'smoke', 'smokf') WHERE run_id = ? AND seq = 1"
    _sql(cli, (edit, (run,)))
    out = _verify_fails(cli, run)
    assert f"运行 {run}：【不符】数据库审计链第 1 条事件被修改" in out
    assert f"运行 {run}：audit.jsonl 完整" in out and "数据库一侧被改动" in out
    assert "【不符】audit.jsonl" not in out


def test_a_chain_deleted_whole_from_the_database_fails_verify_all(finished: Finished, tmp_path: Path) -> None:
    cli, _ = _copy(finished, tmp_path)
    run = finished.run_id
    _sql(
        cli,
        ("DELETE FROM audit_events WHERE run_id = ?", (run,)),
        ("DELETE FROM audit_heads WHERE run_id = ?", (run,)),
    )
    out = _verify_fails(cli, "--all")
    assert f"运行 {run}：【不符】数据库中没有这次运行的审计链，但运行账本记录了它" in out


def test_a_deleted_screenshot_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    shot = _evidence(folder)[1]
    shot.unlink()
    out = _verify_fails(cli, finished.run_id)
    assert f"证据文件 evidence/{shot.name} 不存在" in out


def test_a_replaced_screenshot_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    first, second = _evidence(folder)[:2]
    shutil.copyfile(second, first)  # a genuine PNG of the same run, in the wrong place
    out = _verify_fails(cli, finished.run_id)
    assert f"证据文件 evidence/{first.name} 的 SHA-256 与审计链记录的不同" in out


def test_an_added_screenshot_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    shutil.copyfile(_evidence(folder)[0], folder / "evidence" / "0123456789abcdef.png")
    out = _verify_fails(cli, finished.run_id)
    assert "证据文件 evidence/0123456789abcdef.png 不在审计链中" in out


def test_a_deleted_export_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    (folder / "audit.jsonl").unlink()
    out = _verify_fails(cli, "--all")
    assert f"运行 {finished.run_id}：【不符】audit.jsonl 不存在" in out


def test_a_deleted_run_folder_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    shutil.rmtree(folder)
    out = _verify_fails(cli, "--all")
    assert f"运行文件夹 {folder} 不存在，账本中没有清理记录" in out


def test_a_deleted_ledger_copy_is_named(finished: Finished, tmp_path: Path) -> None:
    cli, _ = _copy(finished, tmp_path)
    copy = tmp_path / "world" / "keys" / "ledger.jsonl"
    copy.unlink()
    out = _verify_fails(cli, "--all")
    assert f"运行账本：【不符】账本副本 {copy} 不存在" in out


def test_run_json_counts_edited_are_named(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    info = json.loads((folder / "run.json").read_text())
    info["counts"]["done"] = 3
    info["counts"]["failed"] = 1
    (folder / "run.json").write_text(json.dumps(info))
    out = _verify_fails(cli, finished.run_id)
    assert "run.json 的计数" in out and "与审计链记录的" in out


def test_prune_removes_only_old_folders_and_verify_reports_them_as_cleaned(
    finished: Finished, tmp_path: Path
) -> None:
    cli, folder = _copy(finished, tmp_path)
    refused = cli.run("runs", "prune", check_exit=2)
    assert "默认不清理任何运行" in refused.stderr and folder.is_dir()
    kept = cli.run("runs", "prune", "--older-than", "180d", check_exit=0)
    assert "共清理 0 次运行" in kept.stdout and folder.is_dir()

    genuine = tmp_path / "genuine"
    shutil.copytree(folder, genuine)
    info = json.loads((folder / "run.json").read_text())
    info["ended_at"] = "2026-01-05T17:30:00+08:00"  # long before the run really ended
    (folder / "run.json").write_text(json.dumps(info))
    forged = cli.run("runs", "prune", "--older-than", "180d", check_exit=0)  # the ledger says recent
    assert "共清理 0 次运行" in forged.stdout and folder.is_dir()
    assert f"未清理运行 {finished.run_id}：审计链和运行账本记录的最后时间不够旧" in forged.stdout
    end_long_ago(cli, finished.run_id)  # as the ledger would have it had the run ended then
    pruned = cli.run("runs", "prune", "--older-than", "180d", check_exit=0)
    assert f"已清理运行 {finished.run_id}" in pruned.stdout and not folder.exists()

    verified = cli.run("audit", "verify", "--all", check_exit=0)
    assert f"运行 {finished.run_id}：运行文件夹已清理" in verified.stdout
    assert f"运行 {finished.run_id}：数据库审计链与账本记录的链头一致" in verified.stdout
    ledger = (tmp_path / "world" / "keys" / "ledger.jsonl").read_text().splitlines()
    assert json.loads(ledger[-1])["event"] == "run.pruned"

    # a folder put back where one was pruned answers to the chain: the genuine one (a backup)
    # verifies, a forged one (a screenshot replaced) is named
    shutil.copytree(genuine, folder)
    restored = cli.run("audit", "verify", "--all", check_exit=0)
    assert "清理，现又出现：按审计链核对其中的文件" in restored.stdout
    assert "4 个证据文件的 SHA-256 与审计链一致" in restored.stdout
    shot = _evidence(folder)[0]
    shot.write_bytes(_evidence(folder)[1].read_bytes())
    out = _verify_fails(cli, "--all")
    assert f"证据文件 evidence/{shot.name} 的 SHA-256 与审计链记录的不同" in out


def _stand_alone(world: Path, run_id: str) -> subprocess.CompletedProcess[str]:
    """The auditor's script under `python -I -S`: no site-packages, no project on the path."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(world / "runs" / run_id),
         "--ledger", str(world / "keys" / "ledger.jsonl"), "--key-file", str(world / "keys" / "audit.key")],
        capture_output=True, text=True, timeout=60, check=False, cwd=world,
    )


def test_the_stand_alone_script_verifies_an_exported_run_and_names_what_differs(
    finished: Finished, tmp_path: Path
) -> None:
    _, folder = _copy(finished, tmp_path)
    world = tmp_path / "world"
    intact = _stand_alone(world, finished.run_id)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "4 个证据文件的 SHA-256 与审计链一致" in intact.stdout and "核对通过" in intact.stdout

    # run.json's exit code and maker, which `rpa runs list` and the maker-checker rule read
    original = (folder / "run.json").read_text()
    info = json.loads(original)
    info["exit_code"], info["parameters"]["maker"] = 1, "mallory"
    (folder / "run.json").write_text(json.dumps(info))
    renamed = _stand_alone(world, finished.run_id)
    assert renamed.returncode == 1, renamed.stdout
    assert "run.json 的退出码（1）与审计链记录的（0）不同" in renamed.stdout, renamed.stdout
    assert "run.json 记录的发起人（mallory）与审计链第 1 条事件记录的" in renamed.stdout, renamed.stdout
    for odd in ("[]", json.dumps({**info, "parameters": ["mallory"]}), json.dumps({**info, "counts": 7})):
        (folder / "run.json").write_text(odd)  # never a traceback: a 【不符】 line
        damaged = _stand_alone(world, finished.run_id)
        assert damaged.returncode == 1 and "Traceback" not in damaged.stderr, damaged.stderr
        assert "【不符】run.json" in damaged.stdout, damaged.stdout
    (folder / "run.json").write_text(original)

    lines = (folder / "audit.jsonl").read_text().splitlines(keepends=True)
    (folder / "audit.jsonl").write_text("".join(lines[:-2]))
    first, second = _evidence(folder)[:2]
    shutil.copyfile(second, first)
    cut = _stand_alone(world, finished.run_id)
    assert cut.returncode == 1, cut.stdout + cut.stderr
    total = len(lines)
    assert f"audit.jsonl 被截短：账本记录结束时有 {total} 条事件，文件中只有 {total - 2} 条" in cut.stdout
    assert f"证据文件 evidence/{first.name} 的 SHA-256 与审计链记录的不同" in cut.stdout

    forged = "".join(lines).replace('"operator":"SMOKE0"', '"operator":"SMOKE9"', 1)
    assert "SMOKE9" in forged
    (folder / "audit.jsonl").write_text(forged)
    edited = _stand_alone(world, finished.run_id)
    assert edited.returncode == 1, edited.stdout
    assert "条事件被修改（事件“" in edited.stdout and "”与其密钥哈希不符）" in edited.stdout, edited.stdout


def test_the_stand_alone_script_names_a_deleted_or_moved_line_and_blames_no_untouched_file(
    finished: Finished, tmp_path: Path
) -> None:
    _, folder = _copy(finished, tmp_path)
    world = tmp_path / "world"
    export = folder / "audit.jsonl"
    lines = export.read_text().splitlines(keepends=True)
    total, middle = len(lines), len(lines) // 2

    export.write_text("".join(lines[: middle - 1] + lines[middle:]))  # line `middle` deleted
    deleted = _stand_alone(world, finished.run_id)
    assert deleted.returncode == 1, deleted.stdout
    assert f"audit.jsonl 第 {middle} 条事件缺失或被删除（第 {middle} 条事件不见了" in deleted.stdout
    assert f"audit.jsonl 与账本记录的链头一致（第 {total} 条事件）" in deleted.stdout, deleted.stdout
    assert "4 个证据文件的 SHA-256 与审计链一致" in deleted.stdout, deleted.stdout
    assert "run.json 的计数与审计链一致" in deleted.stdout, deleted.stdout
    assert deleted.stdout.count("【不符】") == 1, deleted.stdout

    swapped = lines[:]
    swapped[middle - 1], swapped[middle] = swapped[middle], swapped[middle - 1]
    export.write_text("".join(swapped))
    moved = _stand_alone(world, finished.run_id)
    assert moved.returncode == 1, moved.stdout
    assert f"audit.jsonl 第 {middle} 条事件顺序被打乱（序号 {middle + 1} 的事件“" in moved.stdout
    assert moved.stdout.count("【不符】") == 1, moved.stdout


def test_an_edited_report_page_is_named_by_both_verifiers(finished: Finished, tmp_path: Path) -> None:
    cli, folder = _copy(finished, tmp_path)
    page = folder / "report.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>x</p></body>"), encoding="utf-8")
    assert "【不符】结果文件 report.html 的 SHA-256 与审计链第" in _verify_fails(cli, finished.run_id)
    script = _stand_alone(tmp_path / "world", finished.run_id)
    assert script.returncode == 1, script.stdout
    assert "【不符】结果文件 report.html 的 SHA-256" in script.stdout, script.stdout


@pytest.mark.parametrize("edit", ["repeated key", "space", "escape", "CRLF"])
def test_a_line_edited_without_changing_what_it_parses_to_is_named_by_both_verifiers(
    finished: Finished, tmp_path: Path, edit: str
) -> None:
    """Tester BJ F1 (2026-12-07): a forged value given as a first, repeated key (`"operator":
    "SMOKE9","operator":"SMOKE0"`) passed both verifiers as 完整, the JSON parser keeping the last
    one; so did a space, an escape and a CRLF. Each line is its event's canonical JSON as written."""
    cli, folder = _copy(finished, tmp_path)
    export = folder / "audit.jsonl"
    lines = export.read_bytes().decode("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if '"operator":"SMOKE0"' in line) + 1
    line = lines[number - 1]
    lines[number - 1] = {
        "repeated key": line.replace('"operator":"SMOKE0"', '"operator":"SMOKE9","operator":"SMOKE0"', 1),
        "space": line.replace('"operator":"SMOKE0"', '"operator": "SMOKE0"', 1),
        "escape": line.replace('"operator":"SMOKE0"', '"operator":"\\u0053MOKE0"', 1),
        "CRLF": line + "\r",
    }[edit]
    assert lines[number - 1] != line
    export.write_bytes("\n".join(lines).encode("utf-8"))
    out = _verify_fails(cli, finished.run_id)
    assert f"第 {number} 行不是写出时的审计事件" in out, out
    alone = _stand_alone(tmp_path / "world", finished.run_id)
    assert alone.returncode == 1, alone.stdout
    assert f"第 {number} 条事件被修改（第 {number} 行不是写出时的审计事件" in alone.stdout, alone.stdout
