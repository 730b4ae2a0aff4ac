"""The scheduler daemon watched from outside: `rpa schedule check` (for a cron/systemd timer)
fails with a Chinese line while no daemon heartbeat is fresh, the daemon logs its start, fires,
outcomes and heartbeat to logs/scheduler.log and the terminal in Asia/Shanghai time, names run
folders in that time, and `rpa schedule close` closes a stopped fire."""

from __future__ import annotations

import signal
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rpa.schedule.fires import FireOutcome, FireTable
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.processes import wait_for

pytestmark = [pytest.mark.slow]

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCHEDULE = """
timezone: UTC
jobs:
  - id: calendar-every-10s
    flow: calendar-check
    cron: {second: "*/10"}
    calendar: every_day
    misfire_grace_seconds: 5
"""


def _daemon_beat(database: Path) -> bool:
    """Whether a scheduler daemon wrote a heartbeat into `database` (read only: the daemon
    creates the tables, so this may look before they exist)."""
    if not database.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            row = db.execute("SELECT max(beat_at) FROM schedule_owners WHERE role = 'daemon'").fetchone()
    except sqlite3.OperationalError:  # no such table yet, or locked by the daemon's first write
        return False
    return row is not None and row[0] is not None


@pytest.mark.timeout(150)
def test_check_fails_without_a_fresh_daemon_heartbeat_and_the_daemon_logs_in_shanghai_time(
    tmp_path: Path,
) -> None:
    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    cli = make_cli_env(tmp_path, RPA_SCHEDULES_FILE=str(schedules), RPA_SCHEDULE_LEASE_SECONDS="3",
                       TZ="UTC")

    never = cli.run("schedule", "check", check_exit=1)
    assert "调度守护进程从未写过心跳" in never.stderr and "Traceback" not in never.stderr
    listed = cli.run("schedule", "list", check_exit=0).stdout  # tester X: 下次 read as if it would fire
    assert "注意：调度守护进程从未写过心跳（没有运行过）：在它恢复之前，上面的“下次”时间都不会触发" in listed

    daemon = cli.popen("schedule", "run")
    try:
        # the daemon's first heartbeat, read from its database (a `schedule check` process every
        # second to find it cost a second of CPU each); then the command says it is fresh
        database = cli.runs / "queue.db"
        wait_for(lambda: _daemon_beat(database), 60, "the daemon's first heartbeat")
        fresh = cli.run("schedule", "check")
        assert fresh.returncode == 0 and "调度守护进程正常" in fresh.stdout, fresh.stderr
        assert "注意：调度守护进程" not in cli.run("schedule", "list", check_exit=0).stdout
        table = FireTable(f"sqlite:///{database}")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            f.exit_code is not None for f in table.last_fires("calendar-every-10s")
        ):
            time.sleep(1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err

    fire = next(f for f in table.last_fires("calendar-every-10s") if f.exit_code is not None)
    assert fire.run_id is not None and fire.outcome in (FireOutcome.OK, FireOutcome.FAILED)
    named = datetime.strptime(fire.run_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=SHANGHAI)
    assert abs(named - fire.planned_at) < timedelta(seconds=30), (fire.run_id, fire.planned_at)  # not UTC

    log = (tmp_path / "logs" / "scheduler.log").read_text(encoding="utf-8")
    planned = f"{fire.planned_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
    for said in ("调度守护进程启动", "调度已启动", "调度运行中", f"{planned} 的这次开始",
                 f"{planned} 的这次结束"):
        assert said in log, said
    stamps = [line.split()[0] for line in log.splitlines() if line[:4].isdigit()]
    assert stamps and all(stamp.endswith("+0800") for stamp in stamps)
    assert "调度已启动" in err  # the terminal too

    time.sleep(2.5)
    stale = cli.run("schedule", "check", "--max-age", "2", check_exit=1)
    assert "秒没有心跳" in stale.stderr and "Traceback" not in stale.stderr


def test_a_person_closes_a_stopped_fire(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    cli = make_cli_env(tmp_path, RPA_SCHEDULES_FILE=str(schedules))
    table = FireTable(f"sqlite:///{cli.runs / 'queue.db'}")
    planned = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert table.claim_fire("calendar-every-10s", planned)
    record = table.get("calendar-every-10s", planned)
    assert record is not None
    table.finish(record, outcome=FireOutcome.STOPPED, exit_code=3, note="AMS 拒绝登录")
    assert f"需要处理：编号 {record.id} 2026-03-03 09:00" in cli.run("schedule", "list", check_exit=0).stdout

    closed = cli.run("schedule", "close", str(record.id), check_exit=0)
    said = f"已关闭任务 calendar-every-10s 计划于 2026-03-03 09:00:00 的那次（编号 {record.id}）"
    assert said in closed.stdout
    assert "需要处理：编号" not in cli.run("schedule", "list", check_exit=0).stdout
    again = cli.run("schedule", "close", str(record.id), check_exit=2)
    assert "不需要处理" in again.stderr
    missing = cli.run("schedule", "close", "999", check_exit=2)
    assert "没有编号为 999 的触发" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.timeout(120)
def test_a_silent_scheduler_is_alerted_once_within_the_quiet_time(tmp_path: Path) -> None:
    from tests.integration.alert_receivers import http_server, smtp_server, write_alerts_yaml

    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(SCHEDULE, encoding="utf-8")
    with smtp_server() as smtp, http_server() as robot:
        alerts = write_alerts_yaml(tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=robot.url)
        cli = make_cli_env(tmp_path, RPA_SCHEDULES_FILE=str(schedules), RPA_ALERTS_FILE=str(alerts))
        first = cli.run("schedule", "check", check_exit=1)
        again = cli.run("schedule", "check", check_exit=1)  # a timer every 5 minutes: told once
    assert "调度守护进程从未写过心跳" in first.stderr and "Traceback" not in again.stderr
    assert len(smtp.messages) == 1 and len(robot.posts) == 1
    assert "调度守护进程没有心跳" in smtp.bodies()[0] and "rpa schedule run" in smtp.bodies()[0]
    assert smtp.bodies()[0].count("调度守护进程") == 1  # the title names it; the line says what to do
