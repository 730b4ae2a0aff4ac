"""The scheduler daemon end to end: `rpa schedule run` fires a real run, SIGTERM drains it,
and the next start resumes the interrupted run under the same id until every item is done."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from rpa.queue.work_queue import WorkQueue
from tests.e2e.cli_helpers import make_cli_env

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCHEDULE = """
timezone: Asia/Shanghai
jobs:
  - id: smoke-every-minute
    flow: smoke
    params: {items: 6, modes: [slow], slow_seconds: 1.5}
    cron: {second: "*/5"}
    calendar: every_day
    misfire_grace_seconds: 3600
    allow_overlap: false
"""


def _leased_run(queue_db: Path) -> str | None:
    if not queue_db.exists():
        return None
    queue = WorkQueue(f"sqlite:///{queue_db}")
    runs = queue_db.parent
    for folder in runs.iterdir():
        if (folder / "run.json").exists() and any(i.state == "leased" for i in queue.items(folder.name)):
            return folder.name
    return None


def test_sigterm_drains_the_run_and_the_next_start_resumes_it(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    cli = make_cli_env(tmp_path, RPA_SCHEDULES_FILE=str(schedules), RPA_WORKERS="1")
    queue_db = cli.runs / "queue.db"

    daemon = cli.popen("schedule", "run")
    run_id = None
    deadline = time.monotonic() + 90
    while run_id is None and time.monotonic() < deadline:
        run_id = _leased_run(queue_db)
        time.sleep(0.3)
    assert run_id, "the daemon never started a run"
    daemon.send_signal(signal.SIGTERM)
    out, err = daemon.communicate(timeout=90)
    assert daemon.returncode == 0, out + err

    queue = WorkQueue(f"sqlite:///{queue_db}")
    counts = queue.counts(run_id)
    assert counts["leased"] == 0, "the item in hand must finish before the daemon exits"
    assert counts["done"] >= 1 and counts["pending"] >= 1
    info = json.loads((cli.runs / run_id / "run.json").read_text())
    assert info["trigger"].startswith("schedule:smoke-every-minute@")
    assert info["exit_code"] == 3

    second = cli.popen("schedule", "run")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and queue.counts(run_id)["done"] < 6:
        time.sleep(0.5)
    second.send_signal(signal.SIGTERM)
    out, err = second.communicate(timeout=90)
    assert second.returncode == 0, out + err
    assert queue.counts(run_id)["done"] == 6, "the interrupted run was resumed under its own id"
    assert len(json.loads((cli.runs / run_id / "run.json").read_text()).get("resumes", [])) >= 1
