"""The scheduler for real: APScheduler firing a second or two ahead, real databases, real processes.

The launchers here stand in for the run launcher: they record each launch in a file (and some
simulate a run of several items) so the tests can see exactly what started, when, and how often.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rpa.schedule.owners import OwnerTable
from rpa.schedule.scheduler import (
    RUN_ID_PARAM,
    BotScheduler,
    FireOutcome,
    FireTable,
    JobSpec,
    Launcher,
    LaunchResult,
    ScheduleFile,
    trigger_label,
)
from rpa.schedule.shown import shown
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR_FILE = PROJECT_ROOT / "calendar.yaml"


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll without sleeping the thread blindly: True as soon as `predicate` holds."""
    deadline = datetime.now(UTC) + timedelta(seconds=timeout)
    pause = threading.Event()
    while datetime.now(UTC) < deadline:
        if predicate():
            return True
        pause.wait(0.05)
    return predicate()


def exact_cron(moment: datetime) -> dict[str, int]:
    """Cron fields that fire once, at `moment` (UTC)."""
    utc = moment.astimezone(UTC)
    return {"year": utc.year, "month": utc.month, "day": utc.day,
            "hour": utc.hour, "minute": utc.minute, "second": utc.second}


def schedules_of(*jobs: dict[str, Any], windows: dict[str, Any] | None = None) -> ScheduleFile:
    base = {"flow": "smoke", "timezone": "UTC", "calendar": "every_day", "misfire_grace_seconds": 60}
    return ScheduleFile.model_validate(
        {"service_windows": windows or {}, "jobs": [{**base, **job} for job in jobs]}
    )


def appending_launcher(log_file: Path, *, work_seconds: float = 0.0) -> Launcher:
    """Appends one JSON line per launch (O_APPEND: safe across processes)."""

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        line = {"job": job.id, "planned": planned.isoformat(), "params": params, "pid": os.getpid()}
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
        threading.Event().wait(work_seconds)
        return LaunchResult(run_id=params[RUN_ID_PARAM], exit_code=0)

    return launch


def launches(log_file: Path) -> list[dict[str, Any]]:
    if not log_file.exists():
        return []
    return [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(CALENDAR_FILE)


# --- two schedulers, one database -----------------------------------------------------------------
def _scheduler_process(db_url: str, log_file: str, ready: Any, fire_at: Any) -> None:
    """One robot host: waits for the shared fire time, schedules it, runs until just after."""
    calendar = WorkCalendar.load(CALENDAR_FILE)
    FireTable(db_url)  # tables and connections ready before the clock starts
    ready.put(os.getpid())
    moment = datetime.fromisoformat(fire_at.get(timeout=60))
    schedules = schedules_of({"id": "due-now", "cron": exact_cron(moment)})
    bot = BotScheduler(schedules, db_url=db_url, calendar=calendar,
                       launcher=appending_launcher(Path(log_file), work_seconds=0.5))
    bot.start()
    threading.Event().wait(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 2.0)
    bot.shutdown(wait=True)


@pytest.mark.slow
def test_two_schedulers_on_one_database_start_a_due_fire_once(db_url: str, tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    ready, fire_at = spawn.Queue(), spawn.Queue()
    log_file = tmp_path / "launches.jsonl"
    hosts = [spawn.Process(target=_scheduler_process, args=(db_url, str(log_file), ready, fire_at))
             for _ in range(2)]
    for host in hosts:
        host.start()
    pids = {ready.get(timeout=60) for _ in hosts}
    moment = (datetime.now(UTC) + timedelta(seconds=2.5)).replace(microsecond=0)
    for _ in hosts:
        fire_at.put(moment.isoformat())
    for host in hosts:
        host.join(timeout=60)
        assert host.exitcode == 0

    started = launches(log_file)
    assert len(started) == 1 and started[0]["pid"] in pids
    assert datetime.fromisoformat(started[0]["planned"]) == moment
    fires = FireTable(db_url).last_fires("due-now")
    assert [(f.planned_at, f.outcome, f.run_id) for f in fires] == [
        (moment, FireOutcome.OK, started[0]["params"][RUN_ID_PARAM])
    ]


# --- overlap ----------------------------------------------------------------------------------------
def test_a_job_still_running_at_its_next_fire_does_not_overlap(
    db_url: str, tmp_path: Path, calendar: WorkCalendar
) -> None:
    release, lock = threading.Event(), threading.Lock()
    running: list[datetime] = []
    seen = {"most_at_once": 0, "launches": 0}

    def slow_launcher(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        with lock:
            running.append(planned)
            seen["launches"] += 1
            seen["most_at_once"] = max(seen["most_at_once"], len(running))
        release.wait(30)  # past the next fires, until the test has seen them skipped
        with lock:
            running.remove(planned)
        return LaunchResult(run_id=params[RUN_ID_PARAM], exit_code=0)

    bot = BotScheduler(schedules_of({"id": "every-second", "cron": {"second": "*"}}),
                       db_url=db_url, calendar=calendar, launcher=slow_launcher)
    bot.start()
    try:
        assert wait_until(lambda: len(_outcomes(bot, FireOutcome.SKIPPED_OVERLAP)) >= 2)
        blocked_at = running[0]
    finally:
        release.set()
        bot.shutdown(wait=True)

    assert seen["most_at_once"] == 1
    skipped = _outcomes(bot, FireOutcome.SKIPPED_OVERLAP)
    assert all(f.planned_at > blocked_at and shown(blocked_at) in (f.note or "") for f in skipped)
    first = bot.fires.get("every-second", blocked_at)
    assert first is not None and first.outcome == FireOutcome.OK


def _outcomes(bot: BotScheduler, outcome: FireOutcome) -> list[Any]:
    return [f for f in bot.fires.last_fires("every-second", 50) if f.outcome == outcome]


# --- missed fires -----------------------------------------------------------------------------------
def test_a_missed_fire_within_grace_runs_once_and_older_ones_are_listed(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    db_url = f"sqlite:///{tmp_path / 'fires.db'}"
    log_file = tmp_path / "launches.jsonl"
    now = datetime(2026, 3, 3, 10, 2, tzinfo=SHANGHAI)  # a Tuesday; the machine was off since 07:xx
    schedules = schedules_of(
        {"id": "hourly", "cron": {"minute": 0}, "timezone": "Asia/Shanghai", "calendar": "working_days",
         "misfire_grace_seconds": 600, "params": {"date": "{previous_working_day}"}},
        {"id": "noon", "cron": {"hour": 12, "minute": 0}, "timezone": "Asia/Shanghai"},
    )
    earlier = FireTable(db_url)
    last_run = datetime(2026, 3, 3, 7, 0, tzinfo=SHANGHAI)
    assert earlier.claim_fire("hourly", last_run)
    record = earlier.get("hourly", last_run)
    assert record is not None
    earlier.finish(record, outcome=FireOutcome.OK, exit_code=0)

    def start_once() -> BotScheduler:
        bot = BotScheduler(schedules, db_url=db_url, calendar=calendar, clock=lambda: now,
                           launcher=appending_launcher(log_file))
        bot.catch_up()
        return bot

    bot = start_once()
    start_once()  # a second start finds nothing more to do

    started = launches(log_file)
    assert [(s["job"], s["planned"]) for s in started] == [("hourly", "2026-03-03T10:00:00+08:00")]
    assert started[0]["params"]["date"] == "2026-03-02"
    overview = {o.job.id: o for o in bot.describe()}
    assert [f.planned_at.astimezone(SHANGHAI).hour for f in overview["hourly"].missed] == [9, 8]
    assert [(f.planned_at.astimezone(SHANGHAI).hour, f.outcome) for f in overview["hourly"].last_fires] == [
        (10, "ok"), (9, "missed"), (8, "missed"), (7, "ok")
    ]
    assert overview["noon"].last_fires == [] and overview["noon"].missed == []
    assert overview["noon"].next_fires[0][0] == datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    listing = bot.overview_text()
    assert "  错过：2026-03-03 09:00, 2026-03-03 08:00" in listing
    assert f"  最近：2026-03-03 10:00 全部完成 运行 {started[0]['params'][RUN_ID_PARAM]}" in listing


def test_fires_merged_into_a_catch_up_are_not_listed_as_missed(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    """Tester X: after a 3-minute outage, 12:54 and 12:55 (within the grace) were merged into the
    12:56 catch-up but `rpa schedule list` called them 错过; a job with a short grace really missed
    its fires, and says so once each (not 错过（错过：…）)."""
    db_url = f"sqlite:///{tmp_path / 'fires.db'}"
    every_minute = {"cron": {"minute": "*"}, "timezone": "Asia/Shanghai"}
    schedules = schedules_of({"id": "filing", **every_minute, "misfire_grace_seconds": 1500},
                             {"id": "check", **every_minute, "misfire_grace_seconds": 20})
    earlier = FireTable(db_url)
    for job in ("filing", "check"):
        last = datetime(2026, 12, 6, 12, 53, tzinfo=SHANGHAI)
        assert earlier.claim_fire(job, last)
        record = earlier.get(job, last)
        assert record is not None
        earlier.finish(record, outcome=FireOutcome.OK, exit_code=0)
    now = datetime(2026, 12, 6, 12, 56, 28, tzinfo=SHANGHAI)
    bot = BotScheduler(schedules, db_url=db_url, calendar=calendar, clock=lambda: now,
                       launcher=appending_launcher(tmp_path / "launches.jsonl"))
    bot.catch_up()
    overview = {o.job.id: o for o in bot.describe()}
    merged = [(f.planned_at.astimezone(SHANGHAI).minute, f.outcome) for f in overview["filing"].last_fires]
    assert merged == [(56, "ok"), (55, "backfilled"), (54, "backfilled"), (53, "ok")]
    assert overview["filing"].missed == []
    assert [f.planned_at.astimezone(SHANGHAI).minute for f in overview["check"].missed] == [56, 55, 54]
    listing = bot.overview_text()
    assert "  错过：2026-12-06 12:56, 2026-12-06 12:55, 2026-12-06 12:54" in listing
    assert "2026-12-06 12:55 错过，已并入后来的一次补跑（并入 2026-12-06 12:56:00 的那次补跑）" in listing
    assert "错过（错过：" not in listing and "2026-12-06 12:55 错过（当时调度没有运行）" in listing


# --- manual triggers, the drop folder, the service window -----------------------------------------
def test_the_same_export_dropped_twice_is_launched_once(tmp_path: Path, calendar: WorkCalendar) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    log_file = tmp_path / "launches.jsonl"
    schedules = schedules_of({"id": "filing", "flow": "account-filing", "cron": {"minute": "0,30"},
                              "drop_folder": {"path": "inbox", "settle_seconds": 0}})
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'fires.db'}", calendar=calendar,
                       launcher=appending_launcher(log_file), runs_dir=tmp_path)

    (inbox / "export.xlsx").write_bytes(b"core banking export of 3 March")
    first = bot.trigger("filing")
    (inbox / "export.xlsx").write_bytes(b"core banking export of 3 March")
    second = bot.trigger("filing")

    started = launches(log_file)
    assert len(started) == 1
    run_id = started[0]["params"][RUN_ID_PARAM]
    assert started[0]["params"]["input"] == str(inbox / "taken" / f"{run_id}-export.xlsx")
    assert (first.run_id, first.exit_code) == (run_id, 0)
    assert (second.run_id, second.exit_code) == (None, 0) and "投放文件夹中没有新文件" in second.note
    assert [f.outcome for f in bot.fires.last_fires("filing")] == ["no_input", "ok"]
    assert [p.name for p in (inbox / "taken" / "duplicates").iterdir()] == [f"{run_id}-export.xlsx"]


def test_no_run_starts_outside_the_service_window(tmp_path: Path, calendar: WorkCalendar) -> None:
    log_file = tmp_path / "launches.jsonl"
    schedules = schedules_of(
        {"id": "filing", "cron": {"minute": "0,30"}, "service_window": "ams", "timezone": "Asia/Shanghai"},
        windows={"ams": {"start": "08:30", "end": "17:00"}},
    )
    evening = [datetime(2026, 3, 3, 17, 5, tzinfo=SHANGHAI)]
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'fires.db'}", calendar=calendar,
                       launcher=appending_launcher(log_file), clock=lambda: evening[0])
    refused = bot.trigger("filing")
    assert refused.exit_code == 2 and "不在 ams 的服务时段 08:30-17:00 内" in refused.note
    assert launches(log_file) == []
    assert [f.outcome for f in bot.fires.last_fires("filing")] == ["skipped_window"]
    assert bot.next_fire_times("filing", 1) == [datetime(2026, 3, 4, 8, 30, tzinfo=SHANGHAI)]
    evening[0] += timedelta(minutes=1)
    forced = bot.trigger("filing", ignore_window=True)
    assert forced.exit_code == 0 and len(launches(log_file)) == 1


def test_a_run_stopped_by_the_window_closing_is_resumed_in_the_next_window(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    log_file = tmp_path / "launches.jsonl"
    schedules = schedules_of(
        {"id": "filing", "cron": {"minute": "0,30"}, "service_window": "ams", "timezone": "Asia/Shanghai"},
        windows={"ams": {"start": "08:30", "end": "17:00"}},
    )
    recorded = appending_launcher(log_file)

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        recorded(job, planned, params)
        if len(launches(log_file)) == 1:  # the window closed mid-run: rows left pending
            return LaunchResult(params[RUN_ID_PARAM], 3, "服务时间已结束", resumable=True)
        return LaunchResult(params[RUN_ID_PARAM], 0)

    now = [datetime(2026, 3, 3, 16, 30, tzinfo=SHANGHAI)]
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'fires.db'}", calendar=calendar,
                       launcher=launch, clock=lambda: now[0])
    stopped = bot.trigger("filing")
    assert stopped.exit_code == 3
    assert [f.outcome for f in bot.fires.last_fires("filing")] == [FireOutcome.INTERRUPTED]
    job = schedules.job("filing")
    now[0] = datetime(2026, 3, 3, 17, 30, tzinfo=SHANGHAI)
    assert bot.runner.resume(job) == []  # still outside the window: it waits
    now[0] = datetime(2026, 3, 4, 8, 30, tzinfo=SHANGHAI)
    (resumed,) = bot.runner.resume(job)
    first, second = launches(log_file)
    assert second["params"][RUN_ID_PARAM] == first["params"][RUN_ID_PARAM] == resumed.run_id
    assert second["params"].get("resume") is True and resumed.outcome == FireOutcome.OK


# --- the daemon and SIGTERM ---------------------------------------------------------------------------
ITEMS = 6


def _items_launcher(runs_dir: Path, stop_event: threading.Event) -> Launcher:
    """A stand-in run of ITEMS items kept in folders: pending/ -> done/, progress in progress.log.

    Like a real run it finishes the item in hand when asked to stop, then returns exit code 3,
    leaving the rest pending; launched again with the same run id it carries on."""

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        folder = runs_dir / params[RUN_ID_PARAM]
        pending, done = folder / "pending", folder / "done"
        if not folder.exists():
            pending.mkdir(parents=True)
            done.mkdir()
            for index in range(ITEMS):
                (pending / f"item-{index}").write_text("to do")
            run_json = {"run_id": folder.name, "trigger": trigger_label(job.id, planned)}
            (folder / "run.json").write_text(json.dumps(run_json))
        with (folder / "progress.log").open("a", encoding="utf-8") as progress:
            for item in sorted(pending.iterdir()):
                if stop_event.is_set():
                    left = len(list(pending.iterdir()))
                    return LaunchResult(folder.name, 3, f"stopped with {left} items pending")
                progress.write(f"start {item.name}\n")
                progress.flush()
                threading.Event().wait(0.4)  # the item's work
                item.rename(done / item.name)
                progress.write(f"done {item.name}\n")
                progress.flush()
        return LaunchResult(folder.name, 0)

    return launch


def _daemon_main(argv: list[str]) -> int:
    """`rpa schedule run` with the stand-in launcher: argv = db_url runs_dir fire_at."""
    from rpa.logs import configure_logging

    configure_logging("INFO")
    db_url, runs_dir, fire_at = argv
    stop_event = threading.Event()
    schedules = schedules_of({"id": "nightly", "cron": exact_cron(datetime.fromisoformat(fire_at))})
    bot = BotScheduler(schedules, db_url=db_url, calendar=WorkCalendar.load(CALENDAR_FILE),
                       launcher=_items_launcher(Path(runs_dir), stop_event), stop_event=stop_event)
    bot.heartbeat_seconds = 0.2
    return bot.run_forever()


def _start_daemon(db_url: str, runs_dir: Path, fire_at: datetime, log: Path) -> subprocess.Popen[bytes]:
    code = ("import sys; from tests.integration.test_scheduler import _daemon_main; "
            "sys.exit(_daemon_main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    with log.open("ab") as stderr:
        return subprocess.Popen([sys.executable, "-c", code, db_url, str(runs_dir), fire_at.isoformat()],
                                cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=stderr)


def _kill_if_running(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is None:
        daemon.kill()
        daemon.wait()


@pytest.mark.slow
def test_sigterm_lets_the_item_in_hand_finish_and_the_run_resumes(tmp_path: Path) -> None:
    db_url, runs_dir, log = f"sqlite:///{tmp_path / 'fires.db'}", tmp_path / "runs", tmp_path / "daemon.log"
    runs_dir.mkdir()
    # fired by APScheduler if the daemon is up in time, else by the catch-up at its start (a
    # scheduler saw the job before: on a new database nothing before the first start is caught up)
    fire_at = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
    seen_before = fire_at - timedelta(minutes=1)
    OwnerTable(db_url, owner="earlier-start", clock=lambda: seen_before).see_jobs(["nightly"])

    def progress() -> list[str]:
        files = list(runs_dir.glob("*/progress.log"))
        return files[0].read_text().splitlines() if files else []

    daemon = _start_daemon(db_url, runs_dir, fire_at, log)
    try:
        assert wait_until(lambda: "start item-1" in progress(), timeout=60)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        _kill_if_running(daemon)
    first_lines = progress()
    started = [line.split()[1] for line in first_lines if line.startswith("start")]
    finished = [line.split()[1] for line in first_lines if line.startswith("done")]
    assert started == finished  # the items in hand finished
    (run_folder,) = runs_dir.iterdir()
    assert 0 < len(list((run_folder / "pending").iterdir())) < ITEMS
    fire = FireTable(db_url).last_fires("nightly")[0]
    assert (fire.planned_at, fire.outcome, fire.run_id) == (fire_at, FireOutcome.INTERRUPTED, run_folder.name)
    daemon_log = log.read_text()
    assert "调度运行中" in daemon_log and "收到 SIGTERM" in daemon_log

    daemon = _start_daemon(db_url, runs_dir, fire_at, log)
    try:
        assert wait_until(lambda: not list((run_folder / "pending").iterdir()), timeout=60)
        assert wait_until(lambda: FireTable(db_url).last_fires("nightly")[0].outcome == FireOutcome.OK)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        _kill_if_running(daemon)
    done_lines = [line for line in progress() if line.startswith("done")]
    assert sorted(done_lines) == sorted(f"done item-{i}" for i in range(ITEMS))  # each item once
    assert [p.name for p in runs_dir.iterdir()] == [run_folder.name]  # resumed, not started anew
    run_json = json.loads((run_folder / "run.json").read_text())
    assert run_json["trigger"] == f"schedule:nightly@{fire_at.astimezone(SHANGHAI).isoformat()}"
    fires = FireTable(db_url).last_fires("nightly")
    assert [(f.planned_at, f.outcome) for f in fires] == [(fire_at, FireOutcome.OK)]
