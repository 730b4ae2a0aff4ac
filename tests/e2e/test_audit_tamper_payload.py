"""A waiting row's queue payload edited in SQLite, as someone with the database file would: the
address and permit it files changed while the row waits for its checker. Approved, it must not
be filed (AMS receives nothing of it), a person cannot correct on top of it, a retry refuses it
again, result.xlsx says why the row was not filed, and `rpa audit verify` names the item. Before
the edit the same run verifies sound.

A real account-filing run set for approval (real Chromium against the mock AMS).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_account_filing_run import SEED, read_result, subset_workbook
from tests.e2e.test_audit_tamper_filing import _world
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

FORGED_ADDRESS = "北京市伪造区假地址3号"
MAKER, CHECKER = "zhang.wei", "li.na"


def _items(db: Path, run_id: str) -> dict[int, tuple[int, str, str | None]]:
    """Sheet row -> (id, state, last error code) of the run's items."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, payload, state, last_error_code FROM queue_items WHERE run_id = ?",
                            (run_id,)).fetchall()
    return {int(json.loads(payload)["row"]): (i, state, code) for i, payload, state, code in rows}


def test_a_payload_edited_in_the_queue_is_never_filed_and_verify_names_it(
    ams: AmsHandle, tmp_path: Path
) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 6)
    cli = _world(ams, tmp_path)
    made = cli.run("run", "account-filing", "--input", str(source), "--approval", "--maker", MAKER,
                   "--workers", "1", timeout=240)
    assert made.returncode == 1, made.stdout + made.stderr  # every valid row waits for a checker
    run_id = run_id_from(made.stdout)
    db = cli.runs / "queue.db"
    sound = cli.run("audit", "verify", run_id, check_exit=0)
    assert "个事项的内容都带着入队时的签封" in sound.stdout, sound.stdout
    waiting = _items(db, run_id)
    assert len(waiting) >= 2 and {state for _, state, _ in waiting.values()} == {"held"}, waiting
    row = min(waiting)
    item_id = waiting[row][0]
    with sqlite3.connect(db) as conn:  # the address and permit it files, while it waits
        conn.execute("UPDATE queue_items SET payload = json_set(payload, '$.record.registered_address', ?, "
                     "'$.record.basic_account_permit', 'J1000000000501') WHERE id = ?",
                     (FORGED_ADDRESS, item_id))

    # the checker approves the run as listed: the others are filed, the edited one refused
    approved = cli.run("approvals", "approve", run_id, "--checker", CHECKER, "--workers", "1", timeout=240)
    assert approved.returncode == 1, approved.stdout + approved.stderr
    after = _items(db, run_id)
    assert after[row][1:] == ("business_error", "payload_changed"), after
    assert {state for r, (_, state, _) in after.items() if r != row} == {"done"}, after
    assert FORGED_ADDRESS not in json.dumps(ams.filings(), ensure_ascii=False)
    assert not any(s.get("row") == row for s in ams.submissions())
    submitted = len(ams.submissions())
    shown = read_result(cli.runs / run_id / "result.xlsx")[row]
    assert shown["状态"] == "业务错误", shown
    assert "与入队时的签封不符" in str(shown["说明"]) and "未办理" in str(shown["说明"]), shown

    # a person cannot correct on top of it, and a retry refuses it again
    corrected = cli.run("cases", "correct", run_id, str(row), "--set", "联系电话=01065550000",
                        "--user", MAKER)
    assert corrected.returncode == 2, corrected.stdout + corrected.stderr
    assert f"第 {row} 行的内容与入队时的签封不符" in corrected.stderr, corrected.stderr
    assert "Traceback" not in corrected.stderr
    retried = cli.run("runs", "retry", run_id, "--items", str(item_id), timeout=240)
    assert retried.returncode == 1, retried.stdout + retried.stderr
    assert _items(db, run_id)[row][1:] == ("business_error", "payload_changed")
    assert len(ams.submissions()) == submitted  # nothing more reached AMS

    out = cli.run("audit", "verify", run_id)
    assert out.returncode == 1, out.stdout
    assert f"事项 {item_id}（第 {row} 行" in out.stdout, out.stdout
    assert "的内容与入队时的签封不符" in out.stdout, out.stdout
    assert not [line for line in out.stdout.splitlines() if "【不符】" in line and "run.json" in line]


def test_run_json_rewritten_is_named_by_verify(ams: AmsHandle, tmp_path: Path) -> None:
    """What `rpa runs list` / `runs show` and the maker check read of a finished run, rewritten:
    exit code 1 -> 0, the stop reason, an end before the start, the maker (run.json and
    params.json). Each is named against the chain's run.started / run.finished."""
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 4)
    cli = _world(ams, tmp_path)
    made = cli.run("run", "account-filing", "--input", str(source), "--approval", "--maker", MAKER,
                   "--workers", "1", timeout=240)
    assert made.returncode == 1, made.stdout + made.stderr
    run_id = run_id_from(made.stdout)
    folder = cli.runs / run_id
    cli.run("audit", "verify", run_id, check_exit=0)
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert info["exit_code"] == 1 and info["parameters"]["maker"] == MAKER
    info.update(exit_code=0, stop_reason="人工停止", ended_at="2020-01-01T09:00:00+08:00")
    info["parameters"]["maker"] = CHECKER
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    params = json.loads((folder / "params.json").read_text(encoding="utf-8"))
    (folder / "params.json").write_text(json.dumps({**params, "maker": CHECKER}), encoding="utf-8")

    out = cli.run("audit", "verify", run_id)
    assert out.returncode == 1, out.stdout
    for named in ("run.json 的退出码（0）与审计链第", "run.json 的停止原因与审计链第",
                  "run.json 的结束时间（2020-01-01T09:00:00+08:00）不在审计链记录的",
                  f"run.json 记录的发起人（{CHECKER}）与审计链第", f"params.json 记录的发起人（{CHECKER}）"):
        assert named in out.stdout, out.stdout
    # the maker, renamed, still cannot approve their own run
    own = cli.run("approvals", "approve", run_id, "--checker", MAKER)
    assert own.returncode == 2 and "记录的发起人与审计链不同" in own.stderr, own.stdout + own.stderr
