"""schedules.yaml validation, working-day fire times, date expressions, the fire table, the drop folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from loguru import logger

from rpa.errors import ConfigError
from rpa.schedule.scheduler import (
    DEFAULT_SCHEDULES_FILE,
    BotScheduler,
    ClaimOutcome,
    DropFolder,
    FireOutcome,
    FireTable,
    LaunchResult,
    ScheduleFile,
    load_schedules,
    resolve_params,
)
from rpa.settings import PROJECT_ROOT
from rpa.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(PROJECT_ROOT / "calendar.yaml")


@pytest.fixture
def warnings_logged() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(str(m)), level="WARNING", format="{message}")
    yield messages
    logger.remove(sink)


def write_schedules(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "schedules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def job(**fields: Any) -> dict[str, Any]:
    return {"id": "nightly", "flow": "smoke", "cron": {"hour": 7, "minute": 30}, **fields}


def shipped_scheduler(tmp_path: Path, calendar: WorkCalendar) -> BotScheduler:
    return BotScheduler(
        load_schedules(DEFAULT_SCHEDULES_FILE), db_url=f"sqlite:///{tmp_path / 'fires.db'}",
        calendar=calendar, launcher=lambda _job, _planned, _params: LaunchResult(None, 0),
    )


# --- the file ---------------------------------------------------------------------------------
def test_the_shipped_file_holds_the_real_defaults() -> None:
    schedules = load_schedules(DEFAULT_SCHEDULES_FILE)
    assert schedules.job_ids() == ["account-filing", "report-extraction", "account-reconciliation",
                                   "calendar-check"]
    filing = schedules.job("account-filing")
    window = schedules.window_for(filing)
    assert window is not None
    assert (window.start.isoformat(), window.end.isoformat()) == ("08:30:00", "17:00:00")
    assert filing.drop_folder is not None and filing.drop_folder.param == "input"
    assert filing.drop_folder.path == Path("inbox/account-filing")
    assert (filing.calendar, filing.timezone) == ("working_days", "Asia/Shanghai")
    assert not filing.allow_overlap
    extraction = schedules.job("report-extraction")
    assert extraction.params == {"date": "{previous_working_day..T-1}"}
    assert extraction.cron.as_kwargs() == {"hour": "7", "minute": "30"}
    reconciliation = schedules.job("account-reconciliation")
    assert reconciliation.params == {"date_from": "{T-14}", "date_to": "{T}"}
    assert (reconciliation.cron.as_kwargs(), reconciliation.calendar) == (
        {"hour": "17", "minute": "30"}, "working_days")  # after AMS's 08:30-17:00 window
    check = schedules.job("calendar-check")
    assert (check.cron.month, check.calendar) == ("11-12", "every_day")


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"cron": {"minute": "61"}}, "任务 'nightly' 的 cron.minute："),
        ({"cron": {"day_of_week": "funday"}}, "任务 'nightly' 的 cron.day_of_week："),
        ({"cron": {}}, "任务 'nightly' 的 cron："),
        ({"cron": {"hour": 7, "minutes": 3}}, "任务 'nightly' 的 cron.minutes："),
        ({"cron": {"month": 2, "day": 30}}, "任务 'nightly' 的 cron：这些字段合起来永远不会触发"),
        ({"flow": "no-such-flow"}, "任务 'nightly' 的 flow：没有流程 'no-such-flow'"),
        ({"timezone": "Mars/Olympus"}, "任务 'nightly' 的 timezone："),
        ({"calendar": "weekends"}, "任务 'nightly' 的 calendar："),
        ({"service_window": "ams"}, "任务 'nightly' 的 service_window：没有名为 'ams' 的时段"),
        ({"params": {"d": "{yesterday}"}}, "任务 'nightly' 的 params.d：不认识的日期表达式 {yesterday}"),
        ({"params": {"d": "{T-3..soon}"}}, "任务 'nightly' 的 params.d：不认识的日期表达式 {T-3..soon}"),
        ({"params": {"d": "r-{T-3..T-1}.xlsx"}}, "任务 'nightly' 的 params.d：范围 {T-3..T-1} 须是整个取值"),
        ({"misfire_grace_seconds": 0}, "任务 'nightly' 的 misfire_grace_seconds："),
        ({"overlap": True}, "任务 'nightly' 的 overlap："),
        ({"drop_folder": {"param": "input"}}, "任务 'nightly' 的 drop_folder.path："),
    ],
)
def test_an_error_names_the_job_and_the_field(
    tmp_path: Path, override: dict[str, Any], expected: str
) -> None:
    path = write_schedules(tmp_path, {"jobs": [job(id="first"), job(**override)]})
    with pytest.raises(ConfigError) as caught:
        load_schedules(path)
    assert expected in str(caught.value)
    assert "'first'" not in str(caught.value)


def test_a_job_without_an_id_is_named_by_its_position(tmp_path: Path) -> None:
    data = {"jobs": [job(), {"flow": "smoke", "cron": {"hour": 1}}]}
    with pytest.raises(ConfigError, match=r"任务 #2（没有 id） 的 id：缺少这个字段"):
        load_schedules(write_schedules(tmp_path, data))


def test_the_ams_window_is_the_setting_that_every_submit_checks(tmp_path: Path) -> None:
    filing = load_schedules(DEFAULT_SCHEDULES_FILE).job("account-filing")
    narrowed = load_schedules(DEFAULT_SCHEDULES_FILE, ams_service_window="09:00:30-15:30")
    window = narrowed.window_for(filing)
    assert window is not None and (window.start, window.end) == (time(9, 0, 30), time(15, 30))
    assert load_schedules(DEFAULT_SCHEDULES_FILE, ams_service_window="always").window_for(filing) is None
    other = write_schedules(tmp_path, {"service_windows": {"reports": "from_settings"}, "jobs": []})
    with pytest.raises(ConfigError, match=r"service_windows\.reports：没有设置提供名为 'reports' 的时段"):
        load_schedules(other)


def test_duplicate_ids_and_unquoted_window_times_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="任务 'nightly' 的 id：这个 id 已被另一个任务使用"):
        load_schedules(write_schedules(tmp_path, {"jobs": [job(), job()]}))
    unquoted = tmp_path / "unquoted.yaml"
    unquoted.write_text("service_windows:\n  ams: {start: 8:30, end: \"17:00\"}\njobs: []\n")
    with pytest.raises(ConfigError, match=r"service_windows\.ams\.start：时间请写成带引号的"):
        load_schedules(unquoted)


def test_jobs_take_the_file_timezone_unless_they_name_one(tmp_path: Path) -> None:
    data = {"timezone": "Europe/Berlin", "jobs": [job(id="a"), job(id="b", timezone="Asia/Shanghai")]}
    schedules = load_schedules(write_schedules(tmp_path, data))
    assert [j.timezone for j in schedules.jobs] == ["Europe/Berlin", "Asia/Shanghai"]


# --- fire times ---------------------------------------------------------------------------------
def test_next_fire_times_skip_the_spring_festival(tmp_path: Path, calendar: WorkCalendar) -> None:
    bot = shipped_scheduler(tmp_path, calendar)
    fires = bot.next_fire_times("report-extraction", 4, after=at(2026, 2, 13, 8, 0))
    # Saturday 14 Feb is a make-up working day; 15-23 Feb is the holiday
    assert fires == [
        at(2026, 2, 14, 7, 30), at(2026, 2, 24, 7, 30), at(2026, 2, 25, 7, 30), at(2026, 2, 26, 7, 30)
    ]


def test_next_fire_times_take_a_make_up_saturday_inside_the_service_window(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    bot = shipped_scheduler(tmp_path, calendar)
    fires = bot.next_fire_times("account-filing", 40, after=at(2026, 2, 27, 16, 0))
    assert fires[:3] == [at(2026, 2, 27, 16, 15), at(2026, 2, 27, 16, 30), at(2026, 2, 27, 16, 45)]
    saturday = [f for f in fires if f.date() == at(2026, 2, 28, 0, 0).date()]
    # every 15 minutes from 08:30 to 16:45 (08:00 and 08:15 are before AMS's 08:30 start): an
    # export dropped at 16:40 is still filed before the window closes at 17:00
    assert saturday[0] == at(2026, 2, 28, 8, 30) and len(saturday) == 34
    assert saturday[-1] == at(2026, 2, 28, 16, 45)
    assert fires[37] == at(2026, 3, 2, 8, 30)  # Sunday 1 March is a rest day


def test_a_2027_date_goes_through_calendar_yaml(tmp_path: Path, calendar: WorkCalendar) -> None:
    bot = shipped_scheduler(tmp_path, calendar)
    fires = bot.next_fire_times("report-extraction", 4, after=at(2027, 2, 3, 12, 0))
    # 4 Feb (Thu), then the 2027 Spring Festival (5-13 Feb) and make-up Sunday 31 Jan lie around it
    assert fires[:2] == [at(2027, 2, 4, 7, 30), at(2027, 2, 15, 7, 30)]
    make_up = bot.next_fire_times("report-extraction", 2, after=at(2027, 2, 19, 8, 0))
    assert make_up == [at(2027, 2, 20, 7, 30), at(2027, 2, 22, 7, 30)]  # Saturday 20 Feb works
    # the shipped 2027 is provisional: its fire times are estimates (tester T's U5), 2026's are not
    assert bot.triggers["report-extraction"].is_estimated(fires[0])
    assert not bot.triggers["report-extraction"].is_estimated(at(2026, 12, 7, 7, 30))
    assert not any(estimated for _, estimated in bot.describe(3)[1].next_fires)


def test_a_date_outside_every_calendar_warns_and_is_marked_estimated(
    tmp_path: Path, calendar: WorkCalendar, warnings_logged: list[str]
) -> None:
    bot = shipped_scheduler(tmp_path, calendar)
    fires = bot.next_fire_times("report-extraction", 3, after=at(2030, 1, 3, 12, 0))
    assert fires == [at(2030, 1, 4, 7, 30), at(2030, 1, 7, 7, 30), at(2030, 1, 8, 7, 30)]
    assert any("任务 report-extraction：2030 年不在任何节假日日历中" in m for m in warnings_logged)
    assert bot.triggers["report-extraction"].is_estimated(fires[0])
    assert not bot.triggers["report-extraction"].is_estimated(at(2026, 3, 2, 7, 30))


def test_an_every_day_job_fires_on_holidays(tmp_path: Path, calendar: WorkCalendar) -> None:
    bot = shipped_scheduler(tmp_path, calendar)
    fires = bot.next_fire_times("calendar-check", 3, after=at(2026, 12, 30, 12, 0))
    assert fires == [at(2026, 12, 31, 9, 0), at(2027, 11, 1, 9, 0), at(2027, 11, 2, 9, 0)]


# --- date expressions -------------------------------------------------------------------------
def test_date_expressions_follow_the_calendar(calendar: WorkCalendar) -> None:
    params = {
        "date": "{previous_working_day}",
        "files": ["report-{T-1}.xlsx", "{T}"],
        "period": {"end": "{month_end}", "last_working": "{last_working_day_of_month}"},
        "branches": 8,
    }
    resolved = resolve_params(params, now=at(2026, 2, 24, 7, 30), calendar=calendar)
    assert resolved == {
        "date": "2026-02-14",  # across the Spring Festival, back to the make-up Saturday
        "files": ["report-2026-02-23.xlsx", "2026-02-24"],
        "period": {"end": "2026-02-28", "last_working": "2026-02-28"},  # 28 Feb 2026 is a make-up Saturday
        "branches": 8,
    }
    assert params["date"] == "{previous_working_day}"  # the job's own parameters stay as written
    may = resolve_params({"d": "{last_working_day_of_month}", "e": "{T-3}"}, now=at(2026, 5, 4, 9, 0),
                         calendar=calendar)
    assert may == {"d": "2026-05-29", "e": "2026-05-01"}


def test_a_range_is_every_calendar_day_between_its_ends(calendar: WorkCalendar) -> None:
    span = {"date": "{previous_working_day..T-1}"}
    # Monday 2 Nov 2026: Friday 30 Oct, and the weekend with Saturday 31 Oct, October's month end
    assert resolve_params(span, now=at(2026, 11, 2, 7, 30), calendar=calendar) == {
        "date": ["2026-10-30", "2026-10-31", "2026-11-01"]}
    assert resolve_params(span, now=at(2026, 11, 3, 7, 30), calendar=calendar) == {"date": ["2026-11-02"]}
    # Thursday 8 Oct 2026, after the National Day holiday (1-7 Oct): Wednesday 30 Sep and the holiday
    after_holiday = resolve_params(span, now=at(2026, 10, 8, 7, 30), calendar=calendar)["date"]
    assert after_holiday == ["2026-09-30", *(f"2026-10-0{n}" for n in range(1, 8))]
    assert resolve_params({"d": "{T-2..T}"}, now=at(2026, 3, 1, 0, 0), calendar=calendar) == {
        "d": ["2026-02-27", "2026-02-28", "2026-03-01"]}


def test_the_shipped_report_job_takes_every_calendar_day_exactly_once(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    """Over 2026, the report-extraction job's fires (working days only) resolve to dates that
    cover every calendar day once: weekends, holidays and every month end, none twice."""
    bot = shipped_scheduler(tmp_path, calendar)
    job = bot.schedules.job("report-extraction")
    fires = bot.next_fire_times("report-extraction", 260, after=at(2026, 1, 5, 8, 0))
    fires = [fire for fire in fires if fire.year == 2026]
    taken: list[str] = []
    for fire in fires:
        taken += resolve_params(job.params, now=fire, calendar=calendar)["date"]
    first = datetime.fromisoformat(taken[0]).date()
    last = fires[-1].date() - timedelta(days=1)
    every_day = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    assert taken == every_day  # in order, none missing, none twice
    month_ends = [f"2026-{m:02d}-{d}" for m, d in ((1, 31), (2, 28), (5, 31), (10, 31), (11, 30))]
    assert set(month_ends) <= set(taken)  # 31 Jan, 31 May and 31 Oct 2026 are weekend days


# --- the fire table -----------------------------------------------------------------------------
def test_a_fire_is_claimed_once_and_overlap_is_recorded(db_url: str) -> None:
    first, second = FireTable(db_url, owner="host-a:1"), FireTable(db_url, owner="host-b:1")
    planned = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert first.claim_fire("filing", planned)
    assert not second.claim_fire("filing", planned.astimezone(SHANGHAI))  # the same instant
    outcome, holder = second.claim("filing", planned + timedelta(minutes=30))
    assert outcome is ClaimOutcome.OVERLAP and holder is not None and holder.planned_at == planned
    skipped = first.get("filing", planned + timedelta(minutes=30))
    assert skipped is not None and skipped.outcome == FireOutcome.SKIPPED_OVERLAP
    assert second.claim("other-job", planned)[0] is ClaimOutcome.CLAIMED  # locks are per job
    running = first.get("filing", planned)
    assert running is not None and running.outcome == FireOutcome.RUNNING
    first.finish(running, outcome=FireOutcome.OK, exit_code=0)
    assert second.claim("filing", planned + timedelta(hours=1))[0] is ClaimOutcome.CLAIMED
    assert [f.outcome for f in first.last_fires("filing", 5)] == ["running", "skipped_overlap", "ok"]


def test_a_fire_left_running_by_a_dead_process_is_abandoned(db_url: str) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    gone = FireTable(db_url, owner=f"{socket.gethostname()}:{dead.stdout.strip()}")
    planned = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert gone.claim_fire("filing", planned)
    live = FireTable(db_url)
    # the lock of a vanished process does not block the next fire
    assert live.claim("filing", planned + timedelta(minutes=30))[0] is ClaimOutcome.CLAIMED
    abandoned = live.get("filing", planned)
    assert abandoned is not None and abandoned.outcome == FireOutcome.ABANDONED
    assert live.release_dead() == []  # our own running fire is alive


def test_a_fire_whose_owners_pid_now_names_another_process_is_abandoned(db_url: str) -> None:
    import os
    import socket

    from rpa.run.processes import start_time

    # the owner crashed and its pid went to another process: this one, started at another moment
    started = int(start_time(os.getpid()) or 0)
    reused = FireTable(db_url, owner=f"{socket.gethostname()}:{os.getpid()}:{started - 1}")
    planned = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert reused.claim_fire("filing", planned)
    live = FireTable(db_url)
    assert live.owner == f"{socket.gethostname()}:{os.getpid()}:{started}"
    assert live.claim("filing", planned + timedelta(minutes=30))[0] is ClaimOutcome.CLAIMED
    abandoned = live.get("filing", planned)
    assert abandoned is not None and abandoned.outcome == FireOutcome.ABANDONED
    assert live.release_dead() == []  # our own running fire, same pid and start time, is alive


def test_missed_fires_are_recorded_once(db_url: str) -> None:
    table = FireTable(db_url)
    planned = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert table.record("filing", planned, FireOutcome.MISSED, source="catch_up", note="machine off")
    assert not table.record("filing", planned, FireOutcome.MISSED, source="catch_up")
    assert [f.planned_at for f in table.missed("filing")] == [planned]
    assert table.latest_planned("filing") == planned


# --- the drop folder ----------------------------------------------------------------------------
def test_the_same_export_dropped_twice_is_taken_once(db_url: str, tmp_path: Path) -> None:
    drop_dir, taken_dir = tmp_path / "inbox", tmp_path / "inbox" / "taken"
    drop_dir.mkdir()
    folder = DropFolder(db_url, patterns=("*.xlsx",))
    run_ids = iter(["run-1", "run-2"])  # a duplicate uses up no run id

    def next_run_id(_path: Path) -> str:
        return next(run_ids)

    (drop_dir / "export.xlsx").write_bytes(b"accounts of Monday")
    (drop_dir / "notes.txt").write_bytes(b"not an export")
    (drop_dir / "~$export.xlsx").write_bytes(b"Excel's lock file")
    first = folder.take_new_files(drop_dir, taken_dir, run_id_for=next_run_id)
    assert [(t.run_id, t.path.name, t.original_name) for t in first] == [
        ("run-1", "run-1-export.xlsx", "export.xlsx")
    ]
    assert first[0].path.read_bytes() == b"accounts of Monday"
    assert not (drop_dir / "export.xlsx").exists()

    (drop_dir / "export.xlsx").write_bytes(b"accounts of Monday")  # dropped again
    (drop_dir / "export (copy).xlsx").write_bytes(b"accounts of Monday")  # and under another name
    assert folder.take_new_files(drop_dir, taken_dir, run_id_for=next_run_id) == []
    assert sorted(p.name for p in (taken_dir / "duplicates").iterdir()) == [
        "run-1-export (copy).xlsx", "run-1-export.xlsx"
    ]
    assert folder.run_for(first[0].sha256) == "run-1"
    assert sorted(p.name for p in drop_dir.iterdir()) == ["notes.txt", "taken", "~$export.xlsx"]

    (drop_dir / "export.xlsx").write_bytes(b"accounts of Tuesday")  # same name, new content
    again = folder.take_new_files(drop_dir, taken_dir, run_id_for=next_run_id)
    assert [t.path.name for t in again] == ["run-2-export.xlsx"]


def test_a_file_still_being_copied_waits(db_url: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "export.xlsx").write_bytes(b"half written")
    folder = DropFolder(db_url, settle_seconds=30)
    assert folder.take_new_files(inbox, inbox / "taken", run_id_for=lambda _p: "run-1") == []
    old = datetime.now().timestamp() - 60
    os.utime(inbox / "export.xlsx", (old, old))
    assert len(folder.take_new_files(inbox, inbox / "taken", run_id_for=lambda _p: "run-1")) == 1


def test_schedule_file_model_is_frozen() -> None:
    schedules = ScheduleFile.model_validate({"jobs": [job()]})
    with pytest.raises(ValueError):
        schedules.jobs[0].id = "other"  # type: ignore[misc]


def test_a_fire_table_made_by_an_earlier_version_gains_its_new_column(db_url: str) -> None:
    from sqlalchemy import inspect, text

    from rpa.db import engine_for

    engine = engine_for(db_url)
    with engine.begin() as conn:  # the table as the version before stop codes made it
        conn.execute(text(
            "CREATE TABLE schedule_fires (id INTEGER PRIMARY KEY, job_id VARCHAR(64) NOT NULL, "
            "planned_at VARCHAR(40) NOT NULL, source VARCHAR(16) NOT NULL, owner VARCHAR(160), "
            "started_at VARCHAR(40), finished_at VARCHAR(40), run_id TEXT, params TEXT, "
            "outcome VARCHAR(24) NOT NULL, exit_code INTEGER, note TEXT, UNIQUE (job_id, planned_at))"
        ))
    FireTable(db_url)
    FireTable(db_url)  # and a second start changes nothing
    with engine.connect() as conn:
        columns = [c["name"] for c in inspect(conn).get_columns("schedule_fires")]
    assert columns.count("stop_code") == 1
