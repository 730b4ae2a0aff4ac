"""A drop-folder job's fires against real files and a real SQLite queue (the launcher stands in for
the run): the job's own `settle_seconds` and `patterns` decide what is taken, and an export whose
run was refused before it queued a row goes back to the drop folder, to be taken at a later fire."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from rpa.queue.work_queue import WorkQueue
from rpa.schedule.drop import DropFolder
from rpa.schedule.scheduler import RUN_ID_PARAM, BotScheduler, JobSpec, LaunchResult
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar
from tests.integration.test_scheduler import appending_launcher, launches, schedules_of


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(PROJECT_ROOT / "calendar.yaml")


def _written(path: Path, content: bytes, seconds_ago: float) -> None:
    path.write_bytes(content)
    at = datetime.now(UTC).timestamp() - seconds_ago
    os.utime(path, (at, at))


def test_an_export_younger_than_the_jobs_settle_seconds_waits_for_a_later_fire(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    inbox, log_file = tmp_path / "inbox", tmp_path / "launches.jsonl"
    inbox.mkdir()
    schedules = schedules_of({"id": "filing", "flow": "account-filing", "cron": {"minute": "0,30"},
                              "drop_folder": {"path": "inbox", "settle_seconds": 30,
                                              "patterns": ["*.xlsx"]}})  # fmt: skip
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'queue.db'}", calendar=calendar,
                       launcher=appending_launcher(log_file), runs_dir=tmp_path)
    _written(inbox / "export.xlsx", b"the first half of an export", seconds_ago=3)  # still copying
    _written(inbox / "notes.txt", b"not an export", seconds_ago=600)  # not one of the job's patterns

    waiting = bot.trigger("filing")
    assert launches(log_file) == []
    assert (waiting.run_id, waiting.exit_code) == (None, 0) and "没有新文件" in waiting.note
    assert (inbox / "export.xlsx").exists()

    _written(inbox / "export.xlsx", b"the whole export", seconds_ago=31)  # copied, settled
    done = bot.trigger("filing")
    (started,) = launches(log_file)
    assert started["params"]["input"] == str(inbox / "taken" / f"{done.run_id}-export.xlsx")
    assert (inbox / "notes.txt").exists()


def _refusing_launcher(log_file: Path, queue: WorkQueue, mode: dict[str, str]) -> Any:
    """Refuses (exit 2) before queuing a row while mode is 'refuse'; 'queue_then_refuse' queues one
    row first; 'file' files (exit 0)."""
    files = appending_launcher(log_file)

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        files(job, planned, params)
        run_id = params[RUN_ID_PARAM]
        if mode["now"] == "file":
            return LaunchResult(run_id=run_id, exit_code=0)
        if mode["now"] == "queue_then_refuse":
            queue.enqueue("account-filing", run_id, f"row-of-{run_id}", {"account_no": "1"})
        return LaunchResult(run_id=run_id, exit_code=2, note="没有配置 AMS（账户管理系统）的操作员")

    return launch


def test_an_export_refused_before_any_row_goes_back_and_is_filed_at_the_next_fire(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    inbox, log_file = tmp_path / "inbox", tmp_path / "launches.jsonl"
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    inbox.mkdir()
    queue = WorkQueue(url)
    queue.create_schema()
    mode = {"now": "refuse"}
    schedules = schedules_of({"id": "filing", "flow": "account-filing", "cron": {"minute": "0,30"},
                              "drop_folder": {"path": "inbox", "settle_seconds": 0}})
    bot = BotScheduler(schedules, db_url=url, calendar=calendar,
                       launcher=_refusing_launcher(log_file, queue, mode), runs_dir=tmp_path)
    _written(inbox / "exportJ.xlsx", b"two basic accounts opened today", seconds_ago=60)
    _written(inbox / "exportK.xlsx", b"two more basic accounts", seconds_ago=50)

    refused = bot.trigger("filing")
    assert refused.exit_code == 2
    assert "exportK.xlsx 没有报备任何一行，已放回投放文件夹" in refused.note
    assert len(launches(log_file)) == 2  # each export once in the fire, not taken again and again
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["exportJ.xlsx", "exportK.xlsx"]
    assert not any((inbox / "taken").iterdir())
    assert bot.fires.last_fires("filing")[0].outcome == "error"

    mode["now"] = "file"  # the operators are configured: the next fire takes both again
    filed = bot.trigger("filing")
    assert filed.exit_code == 0
    again = launches(log_file)[2:]
    assert [Path(r["params"]["input"]).name.removeprefix(r["params"][RUN_ID_PARAM] + "-") for r in again] == [
        "exportJ.xlsx", "exportK.xlsx"
    ]
    assert {r["params"][RUN_ID_PARAM] for r in again}.isdisjoint(
        r["params"][RUN_ID_PARAM] for r in launches(log_file)[:2]
    )
    _written(inbox / "exportJ.xlsx", b"two basic accounts opened today", seconds_ago=60)  # dropped again
    assert bot.trigger("filing").exit_code == 0 and len(launches(log_file)) == 4  # filed once: duplicate

    mode["now"] = "queue_then_refuse"  # a run that queued a row keeps its export taken
    _written(inbox / "exportL.xlsx", b"accounts of the afternoon", seconds_ago=60)
    assert bot.trigger("filing").exit_code == 2
    assert not (inbox / "exportL.xlsx").exists()
    assert [p.name for p in (inbox / "taken").glob("*exportL.xlsx")] != []


def test_an_export_dropped_again_after_an_unfiled_take_says_how_to_file_it(tmp_path: Path) -> None:
    """A take recorded before refused exports were put back: the copy dropped again goes aside, and
    the warning says the earlier run filed nothing and how to resume it."""
    inbox, run_id = tmp_path / "inbox", "20261205-032428-account-filing-25949a"
    inbox.mkdir()
    drop = DropFolder(f"sqlite:///{tmp_path / 'queue.db'}")
    _written(inbox / "exportK.xlsx", b"two basic accounts", seconds_ago=60)
    drop.take_new_files(inbox, inbox / "taken", run_id_for=lambda _path: run_id)
    _written(inbox / "exportK_resend.xlsx", b"two basic accounts", seconds_ago=60)
    said: list[str] = []
    sink = logger.add(lambda m: said.append(m.record["message"]), level="WARNING")
    try:
        assert drop.take_new_files(inbox, inbox / "taken", run_id_for=lambda _path: "unused") == []
    finally:
        logger.remove(sink)
    (warning,) = said
    assert "exportK_resend.xlsx" in warning and "没有报备其中任何一行" in warning
    assert f"rpa run account-filing --resume {run_id}" in warning
