"""A resume of a run whose audit chain was edited in the database is refused before it records or
writes anything (tester BM F9, 2026-12-08: the resume exported the edited chain over the good
audit.jsonl, the one copy left that showed the original)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rpa.run.orchestrate import execute_run
from rpa.settings import Settings

pytestmark = pytest.mark.timeout(180)


@pytest.mark.browser
def test_a_resume_over_an_edited_chain_is_refused_and_keeps_the_good_export(isolated_settings: Path) -> None:
    settings = Settings()
    outcome = execute_run(settings, "smoke", {"flow_params": {"items": 1, "modes": ["ok"]}}, workers=1)
    assert outcome.exit_code == 0
    folder = outcome.folder
    kept = {name: (folder / name).read_bytes() for name in ("audit.jsonl", "run.json", "result.json")
            if (folder / name).exists()}
    assert "audit.jsonl" in kept
    with sqlite3.connect(isolated_settings / "queue.db") as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.execute("UPDATE audit_events SET actor = 'someone' WHERE run_id = ? AND seq = 2",
                     (outcome.run_id,))
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}

    done = subprocess.run([sys.executable, "-m", "rpa", "run", "smoke", "--resume", outcome.run_id],
                          env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"运行 {outcome.run_id} 的审计链核对不通过（第 2 条事件被修改" in done.stderr, done.stderr
    assert "本次操作未做任何改动，也未续跑" in done.stderr and "Traceback" not in done.stderr
    assert {name: (folder / name).read_bytes() for name in kept} == kept  # the good copy, untouched
    verify = subprocess.run([sys.executable, "-m", "rpa", "audit", "verify", outcome.run_id],
                            env=env, capture_output=True, text=True, timeout=120)
    assert verify.returncode == 1 and "数据库审计链第 2 条事件被修改" in verify.stdout, verify.stdout
    assert "audit.jsonl 第 2 条事件被修改" not in verify.stdout, verify.stdout
