"""Two scheduler daemons on one database, as on two robot hosts (their own RPA_HOST_ID): the one
that owns a fire is killed with SIGKILL mid-run, and the other takes the fire over once the lease
lapses, resumes its run under the same id, and goes on firing (no `skipped_overlap` for hours,
and a manual trigger is not refused)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rpa.schedule.scheduler import RUN_ID_PARAM, BotScheduler, FireOutcome, FireTable, JobSpec, LaunchResult
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar
from tests.integration.test_scheduler import CALENDAR_FILE, schedules_of, wait_until

LEASE_SECONDS = 3.0
ITEMS = 6


def _slow_items(runs_dir: Path, stop_event: threading.Event) -> Any:
    """A stand-in run of ITEMS items of 0.5 s (pending/ -> done/); launched again with its run
    id it carries on. Each launch appends `launch <run id> <host>` to launches.log."""

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        folder = runs_dir / params[RUN_ID_PARAM]
        pending, done = folder / "pending", folder / "done"
        if not folder.exists():
            pending.mkdir(parents=True)
            done.mkdir()
            for index in range(ITEMS):
                (pending / f"item-{index}").write_text("to do")
        with (runs_dir / "launches.log").open("a", encoding="utf-8") as log:
            log.write(f"launch {folder.name} {os.environ['RPA_HOST_ID']} {os.getpid()}\n")
        for item in sorted(pending.iterdir()):
            if stop_event.is_set():
                return LaunchResult(folder.name, 3, "stopped")
            threading.Event().wait(0.5)
            item.rename(done / item.name)
        return LaunchResult(folder.name, 0)

    return launch


def _daemon_main(argv: list[str]) -> int:
    """`rpa schedule run` with the stand-in launcher: argv = db_url runs_dir."""
    from rpa.logs import configure_logging

    configure_logging("INFO")
    db_url, runs_dir = argv
    stop_event = threading.Event()
    schedules = schedules_of({"id": "every-30s", "cron": {"second": "*/30"}, "misfire_grace_seconds": 5})
    bot = BotScheduler(schedules, db_url=db_url, calendar=WorkCalendar.load(CALENDAR_FILE),
                       launcher=_slow_items(Path(runs_dir), stop_event), stop_event=stop_event,
                       lease=timedelta(seconds=LEASE_SECONDS))
    bot.heartbeat_seconds = 1.0
    return bot.run_forever()


def _start(host: str, db_url: str, runs_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    code = ("import sys; from tests.integration.test_scheduler_failover import _daemon_main; "
            "sys.exit(_daemon_main(sys.argv[1:]))")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RPA_HOST_ID": host}
    with log.open("ab") as stderr:
        return subprocess.Popen([sys.executable, "-c", code, db_url, str(runs_dir)], cwd=PROJECT_ROOT,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)


def _launch_lines(runs_dir: Path) -> list[list[str]]:
    log = runs_dir / "launches.log"
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_a_fire_of_a_killed_host_is_taken_over_when_its_lease_lapses(db_url: str, tmp_path: Path) -> None:
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    hosts = ("host-a", "host-b")
    daemons = {host: _start(host, db_url, runs_dir, tmp_path / f"{host}.log") for host in hosts}
    try:
        # the first fire (at :00 or :30) is claimed by one of them; kill that one mid-run
        assert wait_until(lambda: any((runs_dir / line[1] / "done").glob("item-1")
                                      for line in _launch_lines(runs_dir)), timeout=50)
        (first_launch,) = _launch_lines(runs_dir)
        run_id, owner_host = first_launch[1], first_launch[2]
        killed_at = datetime.now(UTC)
        daemons[owner_host].send_signal(signal.SIGKILL)
        daemons[owner_host].wait(timeout=10)
        fire = FireTable(db_url).last_fires("every-30s")[0]
        assert fire.outcome == FireOutcome.RUNNING and fire.owner and fire.owner.startswith(f"{owner_host}:")

        survivor = "host-b" if owner_host == "host-a" else "host-a"
        # taken over within the lease and a beat or two, on the other host, under the same run id
        assert wait_until(lambda: len(_launch_lines(runs_dir)) >= 2, timeout=LEASE_SECONDS + 10)
        taken_over_after = (datetime.now(UTC) - killed_at).total_seconds()
        assert taken_over_after < LEASE_SECONDS + 8
        second_launch = _launch_lines(runs_dir)[1]
        assert second_launch[1:3] == [run_id, survivor]
        assert wait_until(lambda: (f := FireTable(db_url).get("every-30s", fire.planned_at)) is not None
                          and f.outcome == FireOutcome.OK, timeout=20)
        done = sorted(p.name for p in (runs_dir / run_id / "done").iterdir())
        assert done == [f"item-{i}" for i in range(ITEMS)]

        # the next fire is started by the survivor, not recorded as an overlap with the dead one
        next_fire = fire.planned_at + timedelta(seconds=30)
        assert wait_until(lambda: (f := FireTable(db_url).get("every-30s", next_fire)) is not None
                          and f.outcome != FireOutcome.RUNNING, timeout=50)
        later = FireTable(db_url).get("every-30s", next_fire)
        assert later is not None and later.outcome == FireOutcome.OK, later
        assert later.owner and later.owner.startswith(f"{survivor}:")
    finally:
        for daemon in daemons.values():
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
                try:
                    daemon.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    daemon.kill()
                    daemon.wait()
    outcomes = {f.outcome for f in FireTable(db_url).last_fires("every-30s", 20)}
    assert FireOutcome.SKIPPED_OVERLAP not in outcomes
    info = json.dumps([line for line in _launch_lines(runs_dir)])
    assert info.count(run_id) == 2, info  # launched once, resumed once: never started anew


def test_a_manual_trigger_is_not_refused_by_a_fire_of_a_host_that_stopped_beating(
    db_url: str, tmp_path: Path
) -> None:
    from rpa.schedule.owners import OwnerTable

    calendar = WorkCalendar.load(CALENDAR_FILE)
    now = [datetime(2026, 3, 3, 2, 0, tzinfo=UTC)]
    other_host = "host-far-away:4242:123"  # another host's process: only its heartbeat tells
    gone = FireTable(db_url, owner=other_host, clock=lambda: now[0])
    OwnerTable(db_url, owner=other_host, clock=lambda: now[0]).beat("daemon")
    assert gone.claim_fire("filing", now[0] - timedelta(minutes=1))

    launched: list[str] = []

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        launched.append(params[RUN_ID_PARAM])
        return LaunchResult(params[RUN_ID_PARAM], 0)

    bot = BotScheduler(schedules_of({"id": "filing", "cron": {"minute": "0,30"}}), db_url=db_url,
                       calendar=calendar, launcher=launch, clock=lambda: now[0], lease=timedelta(seconds=90))
    now[0] += timedelta(seconds=60)  # its owner beat a minute ago: alive, the trigger waits for it
    assert bot.trigger("filing").exit_code == 2 and launched == []
    now[0] += timedelta(seconds=60)  # two minutes without a beat: its lease lapsed
    result = bot.trigger("filing")
    assert result.exit_code == 0 and launched == [result.run_id]
    dead = bot.fires.get("filing", datetime(2026, 3, 3, 1, 59, tzinfo=UTC))
    assert dead is not None and dead.outcome == FireOutcome.ABANDONED and "host-far-away" in (dead.note or "")
