"""A real account-filing run tampered with after the fact: its queue items in SQLite, its
result.xlsx and report.html. `rpa audit verify` (and, for files, scripts/verify_audit.py) fails
and names the item, the row, the field or the file; nothing crashes, `--all` goes on.

Each test makes real runs (real Chromium against the mock AMS), then copies their whole world
(runs folder, queue database, audit key, ledger copy) for each case and edits the copy as an
attacker with full file and database rights would.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.e2e.test_account_filing_run import SEED, read_result, subset_workbook
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

FAKE_FILING_NO = "100020261204000099"


def _world(ams: AmsHandle, root: Path) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    return make_cli_env(root, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators,
                        RPA_LEDGER_FILE=str(root / "keys" / "ledger.jsonl"))


def _filing_run(ams: AmsHandle, root: Path) -> tuple[CliEnv, Path, str]:
    """One account-filing run of six input rows: three filed, one held, two invalid."""
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    root.mkdir(parents=True, exist_ok=True)
    source = subset_workbook(root / "accounts.xlsx", 6)
    cli = _world(ams, root)
    done = cli.run("run", "account-filing", "--input", str(source), "--workers", "1", timeout=240)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return cli, source, run_id_from(done.stdout)


def _copy(ams: AmsHandle, root: Path, tmp_path: Path, name: str) -> CliEnv:
    world = tmp_path / name
    shutil.copytree(root, world)
    return _world(ams, world)


def _queue(cli: CliEnv, run_id: str) -> list[tuple[int, str, str, dict[str, object]]]:
    """(id, state, key, result) of the run's items, oldest first."""
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        rows = conn.execute("SELECT id, state, key, result FROM queue_items WHERE run_id = ? ORDER BY id",
                            (run_id,)).fetchall()
    return [(i, state, key, json.loads(result or "null") or {}) for i, state, key, result in rows]


def _edit_queue(cli: CliEnv, statement: str, args: tuple[object, ...]) -> None:
    with sqlite3.connect(cli.runs / "queue.db") as conn:
        conn.execute(statement, args)


def _verify_fails(cli: CliEnv, *args: str) -> str:
    done = cli.run("audit", "verify", *args)
    assert done.returncode == 1, f"verify passed a tampered run:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr and "程序错误" not in done.stdout + done.stderr, done.stderr
    return done.stdout


def _stand_alone(cli: CliEnv, run_id: str) -> subprocess.CompletedProcess[str]:
    world = cli.runs.parent
    script = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit.py"
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(cli.runs / run_id),
         "--ledger", str(world / "keys" / "ledger.jsonl"), "--key-file", str(world / "keys" / "audit.key")],
        capture_output=True, text=True, timeout=60, check=False, cwd=world,
    )


def _done_with_number(cli: CliEnv, run_id: str) -> tuple[int, str, str, dict[str, object]]:
    filed = [item for item in _queue(cli, run_id) if item[1] == "done" and item[3].get("filing_no")]
    assert filed, _queue(cli, run_id)
    return filed[0]


def test_queue_items_edited_in_sqlite_are_named_against_the_chain(ams: AmsHandle, tmp_path: Path) -> None:
    root = tmp_path / "original"
    cli, _, run_id = _filing_run(ams, root)
    intact = cli.run("audit", "verify", run_id, check_exit=0)
    assert "个已结束事项的状态和结果与审计链一致" in intact.stdout, intact.stdout
    item_id, _, _, result = _done_with_number(cli, run_id)
    real_no = str(result["filing_no"])

    # the filing number, then a resume that rebuilds result.xlsx and report.html from the queue
    forged = _copy(ams, root, tmp_path, "filing_no")
    _edit_queue(forged, "UPDATE queue_items SET result = json_set(result, '$.filing_no', ?) WHERE id = ?",
                (FAKE_FILING_NO, item_id))
    resumed = forged.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    shown = read_result(forged.runs / run_id / "result.xlsx")
    assert FAKE_FILING_NO in {str(row["备案编号"]) for row in shown.values()}  # the forgery reached it
    for args in ((run_id,), ("--all",)):
        out = _verify_fails(forged, *args)
        assert f"的备案编号：队列中为 {FAKE_FILING_NO}，审计链第" in out, out
        assert f"条事件记录的为 {real_no}" in out and f"事项 {item_id}（第 " in out, out
    # the queue put back: result.xlsx, sealed by that resume, still carries the forged number
    # (tester AG: verify then passed, as it checked only that each row was there)
    _edit_queue(forged, "UPDATE queue_items SET result = json_set(result, '$.filing_no', ?) WHERE id = ?",
                (real_no, item_id))
    out = _verify_fails(forged, run_id)
    assert "的备案编号：队列中为" not in out, out
    assert "result.xlsx 输入第 " in out and f"行的备案编号为 {FAKE_FILING_NO}，审计链第" in out, out
    assert f"条事件记录的为 {real_no}" in out, out
    intact = cli.run("audit", "verify", run_id, check_exit=0).stdout
    assert "个已完成行的备案编号、状态和证据文件与审计链一致" in intact, intact

    # the same with its 状态 and 证据文件 (tester AF: 已报备 turned 此前已报备, another row's screenshot)
    worded = _copy(ams, root, tmp_path, "status")
    real = dict(result)
    _edit_queue(worded, "UPDATE queue_items SET result = json_set(json_set(result, '$.status', ?), "
                "'$.evidence', ?) WHERE id = ?", ("already_filed", "evidence/forged.png", item_id))
    resumed = worded.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    _edit_queue(worded, "UPDATE queue_items SET result = json_set(json_set(result, '$.status', ?), "
                "'$.evidence', ?) WHERE id = ?", (real["status"], real.get("evidence"), item_id))
    out = _verify_fails(worded, run_id)
    assert "行的状态为 此前已报备，审计链第" in out and "条事件记录的为 已报备" in out, out
    assert "行的证据文件为 evidence/forged.png，审计链第" in out, out

    # the state: done -> failed
    failed = _copy(ams, root, tmp_path, "state")
    _edit_queue(failed, "UPDATE queue_items SET state = 'failed' WHERE id = ?", (item_id,))
    out = _verify_fails(failed, run_id)
    assert f"事项 {item_id}（第 " in out and "的状态：队列中为“失败”，审计链第" in out, out
    assert "条事件记录的为“已完成”" in out, out
    # a resume's close writes the queue's state into the chain as a late outcome: still named
    resumed = failed.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    out = _verify_fails(failed, run_id)
    assert f"事项 {item_id}（第 " in out and "的结果“失败”是收尾时按队列补记的" in out, out

    # the key: the item joins none of the chain's events
    rekeyed = _copy(ams, root, tmp_path, "key")
    _edit_queue(rekeyed, "UPDATE queue_items SET key = key || 'x' WHERE id = ?", (item_id,))
    out = _verify_fails(rekeyed, "--all")
    assert f"事项 {item_id}（第 " in out and "审计链中没有它的结果事件" in out, out
    resumed = rekeyed.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert resumed.returncode in (0, 1), resumed.stdout + resumed.stderr
    out = _verify_fails(rekeyed, run_id)
    assert f"事项 {item_id}（第 " in out and "的结果“已完成”是收尾时按队列补记的" in out, out

    # a field of the result the event does not record one by one: its keyed digest differs
    permit = _copy(ams, root, tmp_path, "permit")
    _edit_queue(permit, "UPDATE queue_items SET result = json_set(result, '$.portal_message', ?) "
                "WHERE id = ?", ("伪造", item_id))
    out = _verify_fails(permit, run_id)
    assert "的结果（审计链未逐项记录的字段）与审计链第" in out and "密钥摘要不符" in out, out


def test_output_files_edited_or_damaged_are_named_and_verify_all_goes_on(
    ams: AmsHandle, tmp_path: Path
) -> None:
    root = tmp_path / "original"
    cli, source, run_id = _filing_run(ams, root)
    again = cli.run("run", "account-filing", "--input", str(source), "--workers", "1", timeout=240)
    other = run_id_from(again.stdout)
    intact = cli.run("audit", "verify", "--all", check_exit=0)
    assert f"运行 {run_id}：2 个结果文件的 SHA-256 与审计链一致（report.html、result.xlsx）" in intact.stdout
    assert _stand_alone(cli, run_id).returncode == 0

    # a resume writes the outputs again and records them again: the last record counts
    resumed = _copy(ams, root, tmp_path, "resumed")
    done = resumed.run("run", "account-filing", "--resume", run_id, timeout=240)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    resumed.run("audit", "verify", run_id, check_exit=0)
    exported = (resumed.runs / run_id / "audit.jsonl").read_text().splitlines()
    events = [json.loads(line)["event"] for line in exported]
    assert events.count("outputs.written") == 2

    # 备案编号 changed, an invalid row turned 已报备
    edited = _copy(ams, root, tmp_path, "edited")
    book_path = edited.runs / run_id / "result.xlsx"
    book = load_workbook(book_path)
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    number, status = header.index("备案编号") + 1, header.index("状态") + 1
    sheet.cell(row=2, column=number, value=FAKE_FILING_NO)
    sheet.cell(row=3, column=status, value="已报备")
    rows = [sheet.cell(row=at, column=header.index("行号") + 1).value for at in (2, 3)]
    book.save(book_path)
    out = _verify_fails(edited, run_id)
    assert f"运行 {run_id}：【不符】结果文件 result.xlsx 的 SHA-256 与审计链第" in out, out
    # the rows edited named, whatever their outcome (tester AU's F6: a refused row made 已报备 was
    # named by the file's hash alone), and no other row: openpyxl's saving kept the rest as read
    assert (f"【不符】结果文件 result.xlsx：工作表“报备结果”写出后被改动的行：第 2 行（行号 {rows[0]}）、"
            f"第 3 行（行号 {rows[1]}）\n") in out and out.count("写出后被改动的行") == 1, out
    script = _stand_alone(edited, run_id)
    assert script.returncode == 1 and "【不符】结果文件 result.xlsx 的 SHA-256 与审计链第" in script.stdout

    # the rows put aside emptied from run.json: `rpa runs list` then hid them (tester BM F20)
    hidden = _copy(ams, root, tmp_path, "aside")
    run_json = hidden.runs / run_id / "run.json"
    info = json.loads(run_json.read_text(encoding="utf-8"))
    assert info["aside"] == {"invalid": 2, "needs_person": 1}, info["aside"]
    run_json.write_text(json.dumps({**info, "aside": {}}, ensure_ascii=False), encoding="utf-8")
    told = "【不符】run.json 记录的校验时搁置的行（无）与审计链第"
    assert f"运行 {run_id}：{told}" in _verify_fails(hidden, run_id)
    script = _stand_alone(hidden, run_id)
    assert script.returncode == 1 and told in script.stdout, script.stdout
    assert "（无效，未报备 2 行；需人工处理 1 行）不同" in script.stdout, script.stdout

    # report.html edited
    report = _copy(ams, root, tmp_path, "report")
    page = report.runs / run_id / "report.html"
    forged_page = page.read_text(encoding="utf-8").replace("</body>", "<p>伪造</p></body>")
    page.write_text(forged_page, encoding="utf-8")
    assert "结果文件 report.html 的 SHA-256 与审计链第" in _verify_fails(report, run_id)

    # one byte flipped: named, never a crash, and --all checks the other run too
    flipped = _copy(ams, root, tmp_path, "flipped")
    book_path = flipped.runs / run_id / "result.xlsx"
    data = bytearray(book_path.read_bytes())
    data[_inside_the_sheet(book_path)] ^= 0xFF  # not the middle of the file: a header's date there reads on
    book_path.write_bytes(bytes(data))
    out = _verify_fails(flipped, run_id)
    assert f"运行 {run_id}：【不符】结果文件 result.xlsx 的 SHA-256 与审计链第" in out, out
    assert f"运行 {run_id}：【不符】result.xlsx 无法打开" in out, out
    out = _verify_fails(flipped, "--all")
    assert f"运行 {other}：2 个结果文件的 SHA-256 与审计链一致" in out, out
    assert f"核对不通过：运行 {run_id}" in out and f"运行 {other}、" not in out, out
    script = _stand_alone(flipped, run_id)
    assert script.returncode == 1 and "结果文件 result.xlsx 的 SHA-256" in script.stdout, script.stdout


def _inside_the_sheet(book: Path) -> int:
    """The offset of a byte in the middle of the first sheet's compressed data: flipped, the
    workbook no longer opens. The file's middle byte, flipped before, sometimes landed in a zip
    header's time or date field, which reads on (the rehearsal of 7b146d5)."""
    with zipfile.ZipFile(book) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    raw = book.read_bytes()
    start = member.header_offset
    name_length, extra_length = struct.unpack("<HH", raw[start + 26:start + 30])
    return start + 30 + name_length + extra_length + member.compress_size // 2
