"""A run started from the console, in a process of its own (as `rpa run` is one), so it goes on
whatever happens to the page or the console:

    python -m rpa.console.launch RUN_ID '{"flow": "account-filing", "flow_params": {...}, "maker": "wang.jb"}'

The run gets the id the console chose (its folder holds the upload already), the trigger
`console:<user>` and the maker in run.json's parameters; its output goes to the run's run.log.

After a checker's decision (复核) the run is resumed the same way, as `rpa approvals approve`
resumes it, so it files the approved rows and rewrites result.xlsx and report.html:

    python -m rpa.console.launch RUN_ID '{"resume": true, "user": "li.fh"}'

A resume first takes the run folder's `console-resume.lock` (two decisions in a row resume one
after the other, never side by side) and waits while the run is still running (that run files
approved rows itself; the resume then only brings the outputs up to date).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rpa.settings import Settings

RESUME_LOCK = "console-resume.lock"
LIVE_POLL_SECONDS = 2.0


def start_run(settings: Settings, run_id: str, flow: str, flow_params: dict[str, Any],
              maker: str) -> subprocess.Popen[bytes]:
    """Start the run's process and return at once; its stdout and stderr go to a file in its folder."""
    return _launch(settings, run_id, {"flow": flow, "flow_params": flow_params, "maker": maker})


def resume_run(settings: Settings, run_id: str, user: str) -> subprocess.Popen[bytes]:
    """Resume the run in a process of its own (after a checker's decision) and return at once."""
    return _launch(settings, run_id, {"resume": True, "user": user})


def resume_under_way(folder: Path) -> bool:
    """Whether a resume started from the console holds (or waits for) the run folder's lock."""
    import fcntl

    lock_file = folder / RESUME_LOCK
    if not lock_file.exists():
        return False
    with lock_file.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
    return False


def _launch(settings: Settings, run_id: str, spec_data: dict[str, Any]) -> subprocess.Popen[bytes]:
    spec = json.dumps(spec_data, ensure_ascii=False)
    folder = settings.runs_dir / run_id
    with (folder / "console-launch.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "rpa.console.launch", run_id, spec],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )


def main(argv: list[str]) -> int:
    import os

    from rpa.errors import outcome_for
    from rpa.input_files import apply_input_limits
    from rpa.logs import configure_logging
    from rpa.run.orchestrate import execute_run
    from rpa.settings import load_settings

    os.umask(os.umask(0o077) | 0o077)  # owner-only, as every `rpa` process
    run_id, spec = argv[0], json.loads(argv[1])
    configure_logging(level="WARNING")
    try:
        settings = load_settings()
        apply_input_limits(settings)
        if spec.get("resume"):
            return _resume(settings, run_id, str(spec["user"]))
        outcome = execute_run(
            settings, spec["flow"], {"flow_params": spec["flow_params"], "maker": spec["maker"]},
            trigger=f"console:{spec['maker']}", run_id=run_id,
        )
    except Exception as exc:  # the run could not start or stopped on a bug: the exit code says which
        print(f"运行 {run_id} 未能完成：{type(exc).__name__}", file=sys.stderr)
        return outcome_for(exc).exit_code
    return outcome.exit_code


def _resume(settings: Settings, run_id: str, user: str) -> int:
    """Resume the run once no other resume of it is under way and it is not running (the maker
    stays the run's: only the trigger names the checker)."""
    import fcntl

    from rpa.run.orchestrate import execute_run
    from rpa.run.owners import RunOwners
    from rpa.run.runs import run_folder

    folder = run_folder(settings, run_id)
    with (folder / RESUME_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        owners = RunOwners.from_settings(settings)
        while owners.state(run_id) == "running":
            time.sleep(LIVE_POLL_SECONDS)
        # the flow named is only a default: a resumed run keeps the flow its run.json names
        outcome = execute_run(settings, "account-filing", {"flow_params": {}}, trigger=f"console:{user}",
                              resume=run_id)
    return outcome.exit_code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
