"""Two resumes of one run at the same moment (two checkers' approvals, tester BM F13) take turns:
each is listed in run.json, and `rpa audit verify` finds run.json and result files as the chain."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rpa.run.orchestrate import execute_run
from rpa.run.resume_turn import RESUME_LOCK
from rpa.run.runs import read_run_json
from rpa.settings import Settings

pytestmark = pytest.mark.timeout(180)


@pytest.mark.browser
def test_two_resumes_started_together_wait_for_each_other_and_both_are_recorded(
    isolated_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPA_MAX_ATTEMPTS", "1")
    settings = Settings()
    outcome = execute_run(settings, "smoke", {"flow_params": {"items": 1, "modes": ["ok"]}}, workers=1)
    assert outcome.exit_code == 0
    folder = outcome.folder
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}

    with (folder / RESUME_LOCK).open("a") as held:  # a resume under way elsewhere
        fcntl.flock(held, fcntl.LOCK_EX)
        resumes = [
            subprocess.Popen([sys.executable, "-m", "rpa.casework.resume", outcome.run_id, actor],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for actor in ("李复核", "赵复核")
        ]
        time.sleep(3)
        assert all(resume.poll() is None for resume in resumes)  # both wait their turn
        assert read_run_json(folder).get("resumes", []) == []  # and neither has touched the run
    ended = [resume.communicate(timeout=120) for resume in resumes]

    assert [resume.returncode for resume in resumes] == [0, 0], ended
    assert all("正由另一进程续跑" in err for _, err in ended)
    triggers = sorted(entry["trigger"] for entry in read_run_json(folder)["resumes"])
    assert triggers == ["cases:李复核", "cases:赵复核"]
    verify = subprocess.run([sys.executable, "-m", "rpa", "audit", "verify", outcome.run_id],
                            env=env, capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
