"""A scheduler nobody has to watch: a stopped fire stays in sight until it is resumed (once its
cause is cleared) or closed, missed report days are back-filled, a new database has no misses
from before the scheduler existed, and run folders are named in Asia/Shanghai time.

Real SQLite databases; the run launcher is a stand-in that records each launch, and the cause
check is the daemon's own (`QueueCauses`) over the real table of refused operators."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from loguru import logger

from flows.report_extraction.work_items import MONTHLY_REPORT, plan_days
from rpa.run.operators import OperatorRefusals
from rpa.schedule.attention import CauseState
from rpa.schedule.causes import WORKERS_FAILED, QueueCauses
from rpa.schedule.scheduler import (
    DEFAULT_SCHEDULES_FILE,
    RUN_ID_PARAM,
    BotScheduler,
    FireOutcome,
    JobSpec,
    LaunchResult,
    load_schedules,
)
from rpa.settings import OperatorCredential, Settings
from rpa.workdays import WorkCalendar
from tests.integration.test_scheduler import CALENDAR_FILE, appending_launcher, launches, schedules_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(CALENDAR_FILE)


@pytest.fixture
def alerts() -> Any:
    """The messages `log_attention` logs (the daemon also sends them as alerts)."""
    found: list[str] = []
    sink = logger.add(lambda m: found.append(m.record["message"]), level="ERROR",
                      filter=lambda r: r["message"].startswith("需要处理"))
    yield found
    logger.remove(sink)


def test_a_stopped_fire_holds_the_job_until_the_operator_is_cleared_then_resumes_its_run(
    tmp_path: Path, calendar: WorkCalendar, alerts: list[str]
) -> None:
    runs = tmp_path / "runs"
    settings = Settings(runs_dir=runs, audit_key_file=tmp_path / "keys" / "audit.key",
                        ams_operators=[OperatorCredential(code="OP0007", password="secret-7")])
    db_url = settings.database_url_resolved
    refusals = OperatorRefusals(db_url)
    inbox = runs / "inbox" / "account-filing"
    inbox.mkdir(parents=True)
    schedules = schedules_of({"id": "filing", "flow": "account-filing", "cron": {"minute": "0,30"},
                              "timezone": "Asia/Shanghai",
                              "drop_folder": {"path": "inbox/account-filing", "settle_seconds": 0}})
    seen: list[dict[str, Any]] = []

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        seen.append(dict(params))
        assert Path(params["input"]).read_bytes().startswith(b"core banking export")
        if len(seen) == 1:  # AMS refuses the only operator at login: the run stops, rows pending
            refusals.record("ams", "OP0007", code="wrong_password", message="密码错误",
                            run_id=params[RUN_ID_PARAM])
            return LaunchResult(params[RUN_ID_PARAM], 3, "AMS 拒绝登录：密码错误", stop_code="login_refused")
        return LaunchResult(params[RUN_ID_PARAM], 0)

    now = [datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)]  # a Tuesday
    bot = BotScheduler(schedules, db_url=db_url, calendar=calendar, launcher=launch, runs_dir=runs,
                       clock=lambda: now[0], causes=QueueCauses(settings, schedules))
    job = schedules.job("filing")

    def look_after() -> None:  # the daemon's beat, its resumes run here instead of in a thread
        bot.caretaker.look_after(lambda job_id: bot.caretaker.resume_job(schedules.job(job_id)))

    (inbox / "export-0303.xlsx").write_bytes(b"core banking export of 3 March")
    outcome, stopped = bot.runner.run_fire(job, now[0], source="schedule")
    assert outcome == FireOutcome.STOPPED and stopped is not None
    run_id = seen[0][RUN_ID_PARAM]
    taken = inbox / "taken" / f"{run_id}-export-0303.xlsx"
    assert taken.exists() and not (inbox / "export-0303.xlsx").exists()
    assert len(alerts) == 1 and f"编号 {stopped.id}" in alerts[0] and "AMS 拒绝登录" in alerts[0]

    # later fires start nothing while it waits, and never report "ok"; a new export stays put
    (inbox / "export-0303-b.xlsx").write_bytes(b"core banking export, second of 3 March")
    for minutes in (30, 60):
        later = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI) + timedelta(minutes=minutes)
        now[0] = later
        assert bot.runner.run_fire(job, later, source="schedule")[0] == FireOutcome.HELD
        look_after()
    assert len(seen) == 1 and (inbox / "export-0303-b.xlsx").exists()
    listing = bot.overview_text(n=2)  # its own fire is older than the two last shown: still listed
    assert f"需要处理：编号 {stopped.id} 2026-03-03 09:00 提前停止，需要处理 运行 {run_id}" in listing
    assert "2026-03-03 10:00 暂不启动：之前的一次需要处理" in listing

    # a person clears the operator (`rpa operators clear OP0007`): the next beat resumes the run
    assert refusals.clear("OP0007")
    look_after()
    assert len(seen) == 2
    assert seen[1][RUN_ID_PARAM] == run_id and seen[1]["resume"] is True and seen[1]["input"] == str(taken)
    resumed = bot.fires.get("filing", stopped.planned_at)
    assert resumed is not None and resumed.outcome == FireOutcome.OK
    assert "需要处理：编号" not in bot.overview_text()

    now[0] = datetime(2026, 3, 3, 10, 30, tzinfo=SHANGHAI)  # and the job goes on: the new export
    assert bot.runner.run_fire(job, now[0], source="schedule")[0] == FireOutcome.OK
    assert seen[2]["input"].endswith("-export-0303-b.xlsx")


def test_a_stopped_fire_whose_cause_stays_waits_for_a_person(tmp_path: Path, calendar: WorkCalendar) -> None:
    log_file = tmp_path / "launches.jsonl"
    recorded = appending_launcher(log_file)

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        recorded(job, planned, params)
        return LaunchResult(params[RUN_ID_PARAM], 3, "门户页面已改版", stop_code="portal_changed")

    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key")
    schedules = schedules_of({"id": "nightly", "cron": {"hour": 1, "minute": 0}})
    bot = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar, launcher=launch,
                       causes=QueueCauses(settings, schedules),
                       clock=lambda: datetime(2026, 3, 3, 1, tzinfo=UTC))
    assert bot.trigger("nightly").exit_code == 3
    for _ in range(3):
        bot.caretaker.look_after(lambda job_id: bot.caretaker.resume_job(schedules.job(job_id)))
    assert len(launches(log_file)) == 1  # a changed portal is not retried by itself
    assert "需要处理：编号 1" in bot.overview_text()


class _Portal(BaseHTTPRequestHandler):
    """A portal's address: a server error while `status[0]` says so."""

    status: ClassVar[list[int]] = [500]

    def do_GET(self) -> None:
        self.send_response(self.status[0])
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


def test_a_fire_stopped_by_a_portal_outage_resumes_once_the_portal_answers(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    """Workers that failed to start one after another (the report platform answering 500) stop
    the run; the fire waits while the platform still fails, and resumes by itself once it answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log_file = tmp_path / "launches.jsonl"
    recorded = appending_launcher(log_file)

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        recorded(job, planned, params)
        if len(launches(log_file)) == 1:
            return LaunchResult(params[RUN_ID_PARAM], 3, "工作进程接连启动失败", stop_code=WORKERS_FAILED)
        return LaunchResult(params[RUN_ID_PARAM], 0)

    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key",
                        reports_url=f"http://127.0.0.1:{server.server_port}/report/")
    schedules = schedules_of({"id": "reports", "flow": "report-extraction", "cron": {"hour": 7, "minute": 30},
                              "params": {"date": "2026-03-02"}})
    bot = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar, launcher=launch,
                       causes=QueueCauses(settings, schedules),
                       clock=lambda: datetime(2026, 3, 3, 7, 30, tzinfo=UTC))  # long before now

    def look_after() -> None:
        bot.caretaker.look_after(lambda job_id: bot.caretaker.resume_job(schedules.job(job_id)))

    try:
        assert bot.trigger("reports").exit_code == 3
        look_after()
        assert len(launches(log_file)) == 1  # the platform still answers 500: the fire waits
        assert "需要处理：编号 1" in bot.overview_text() and "工作进程接连启动失败" in bot.overview_text()
        _Portal.status[0] = 200
        look_after()
        runs = launches(log_file)
        assert len(runs) == 2 and runs[1]["params"]["resume"] is True
        assert runs[1]["params"][RUN_ID_PARAM] == runs[0]["params"][RUN_ID_PARAM]
        assert "需要处理：编号" not in bot.overview_text()
    finally:
        server.shutdown()
        server.server_close()


def test_a_stopped_fire_whose_run_a_person_finished_by_hand_is_finished(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    from rpa.queue.work_queue import WorkQueue

    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key")
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        run_id = params[RUN_ID_PARAM]
        for key in ("row-1", "row-2"):
            queue.enqueue("smoke", run_id, key, {"row": key})
        queue.request_stop(run_id, "portal_changed", "门户页面已改版")
        return LaunchResult(run_id, 3, "门户页面已改版", stop_code="portal_changed")

    schedules = schedules_of({"id": "nightly", "cron": {"hour": 1, "minute": 0}})
    bot = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar, launcher=launch,
                       causes=QueueCauses(settings, schedules),
                       clock=lambda: datetime(2026, 3, 3, 1, tzinfo=UTC))
    stopped = bot.trigger("nightly")
    assert stopped.exit_code == 3 and stopped.run_id

    def look_after() -> None:
        bot.caretaker.look_after(lambda job_id: bot.caretaker.resume_job(schedules.job(job_id)))

    look_after()
    assert bot.fires.last_fires("nightly")[0].outcome == FireOutcome.STOPPED
    # `rpa run ... --resume` by hand: the stop is cleared and every item done
    queue.clear_stop(stopped.run_id)
    for _ in range(2):
        item = queue.claim(run_id=stopped.run_id, owner="by-hand", lease_seconds=30)
        assert item is not None
        queue.complete(item.id, "by-hand")
    look_after()
    fire = bot.fires.last_fires("nightly")[0]
    assert fire.outcome == FireOutcome.OK and "调度之外" in (fire.note or "")
    assert "需要处理：编号" not in bot.overview_text()


def test_missed_report_days_are_back_filled_at_the_next_fire(
    tmp_path: Path, calendar: WorkCalendar, alerts: list[str]
) -> None:
    log_file = tmp_path / "launches.jsonl"
    db_url = f"sqlite:///{tmp_path / 'fires.db'}"
    schedules = schedules_of({"id": "reports", "flow": "report-extraction", "cron": {"hour": 7, "minute": 30},
                              "timezone": "Asia/Shanghai", "calendar": "working_days",
                              "misfire_grace_seconds": 3600, "params": {"date": "{previous_working_day}"},
                              "backfill_param": "date"})
    now = [datetime(2026, 3, 2, 6, 0, tzinfo=SHANGHAI)]  # Monday, before the first fire

    def start() -> BotScheduler:
        bot = BotScheduler(schedules, db_url=db_url, calendar=calendar, launcher=appending_launcher(log_file),
                           clock=lambda: now[0])
        bot.catch_up()
        return bot

    start()  # the scheduler's first start; then the machine is off until Thursday 09:00
    now[0] = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)
    bot = start()
    assert launches(log_file) == []  # Mon, Tue, Wed and Thu 07:30 are all past their grace
    missed = [f.planned_at.astimezone(SHANGHAI).day for f in bot.fires.missed("reports")]
    assert missed == [5, 4, 3, 2]
    assert len(alerts) == 4 and all("错过" in said for said in alerts)

    friday = datetime(2026, 3, 6, 7, 30, tzinfo=SHANGHAI)
    now[0] = friday
    assert bot.runner.run_fire(schedules.job("reports"), friday, source="schedule")[0] == FireOutcome.OK
    (run,) = launches(log_file)
    # each missed fire's previous working day (Monday's: Saturday 28 February, a make-up working
    # day after the Spring Festival), and Friday's own (Thursday)
    assert run["params"]["date"] == ["2026-02-28", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    fires = {f.planned_at.astimezone(SHANGHAI).day: f for f in bot.fires.last_fires("reports", 10)}
    assert [fires[d].outcome for d in (2, 3, 4, 5)] == [FireOutcome.BACKFILLED] * 4
    assert all(fires[d].run_id == run["params"][RUN_ID_PARAM] for d in (2, 3, 4, 5))
    assert bot.fires.missed("reports") == []
    assert "错过，已并入后来的一次补跑" in bot.overview_text()


def test_the_shipped_report_job_brings_a_weekend_month_end_and_its_monthly_report(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    """October 2026 ends on a Saturday: the shipped job's Monday fire runs Friday, Saturday and
    Sunday, so the run plans October's 中间业务收入月报; a missed Monday fire is back-filled whole."""
    log_file = tmp_path / "launches.jsonl"
    schedules = load_schedules(DEFAULT_SCHEDULES_FILE)
    now = [datetime(2026, 11, 2, 6, 0, tzinfo=SHANGHAI)]
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'fires.db'}", calendar=calendar,
                       launcher=appending_launcher(log_file), clock=lambda: now[0])
    bot.catch_up()  # the first start, before Monday's fire
    job = schedules.job("report-extraction")
    monday = datetime(2026, 11, 2, 7, 30, tzinfo=SHANGHAI)
    now[0] = monday
    assert bot.runner.run_fire(job, monday, source="schedule")[0] == FireOutcome.OK
    (run,) = launches(log_file)
    days = run["params"]["date"]
    assert days == ["2026-10-30", "2026-10-31", "2026-11-01"]
    planned = plan_days([datetime.fromisoformat(d).date() for d in days], ["110101"], formats=["xlsx"],
                        monthly_formats=["pdf"])
    monthly = [(i.report, i.date, i.role) for i in planned if i.report == MONTHLY_REPORT]
    assert monthly == [(MONTHLY_REPORT, "2026-10-31", "current"), (MONTHLY_REPORT, "2026-09-30", "previous")]

    # the machine was off on Tuesday at 07:30 (past the grace): Wednesday's run takes Monday too
    now[0] = datetime(2026, 11, 4, 7, 0, tzinfo=SHANGHAI)
    bot.catch_up()
    wednesday = datetime(2026, 11, 4, 7, 30, tzinfo=SHANGHAI)
    now[0] = wednesday
    bot.runner.run_fire(job, wednesday, source="schedule")
    assert launches(log_file)[-1]["params"]["date"] == ["2026-11-02", "2026-11-03"]


def test_a_new_database_has_no_misses_from_before_the_first_start(
    tmp_path: Path, calendar: WorkCalendar
) -> None:
    log_file = tmp_path / "launches.jsonl"
    db_url = f"sqlite:///{tmp_path / 'fires.db'}"
    schedules = schedules_of({"id": "hourly", "cron": {"minute": 0}, "timezone": "Asia/Shanghai",
                              "misfire_grace_seconds": 4 * 3600})
    now = [datetime(2026, 3, 3, 10, 2, tzinfo=SHANGHAI)]

    def start() -> BotScheduler:
        bot = BotScheduler(schedules, db_url=db_url, calendar=calendar, launcher=appending_launcher(log_file),
                           clock=lambda: now[0])
        bot.catch_up()
        return bot

    bot = start()
    assert launches(log_file) == [] and bot.fires.last_fires("hourly") == []
    now[0] = datetime(2026, 3, 3, 12, 5, tzinfo=SHANGHAI)  # stopped at 10:10, started again at 12:05
    bot = start()
    assert [s["planned"] for s in launches(log_file)] == ["2026-03-03T12:00:00+08:00"]
    assert [(f.planned_at.astimezone(SHANGHAI).hour, f.outcome) for f in bot.fires.last_fires("hourly")] == [
        (12, FireOutcome.OK), (11, FireOutcome.BACKFILLED)  # within the grace: merged into 12:00's
    ]


def test_run_folders_of_a_utc_job_are_named_in_shanghai_time(tmp_path: Path, calendar: WorkCalendar) -> None:
    log_file = tmp_path / "launches.jsonl"
    schedules = schedules_of({"id": "utc-job", "cron": {"minute": 0}, "timezone": "UTC"})
    bot = BotScheduler(schedules, db_url=f"sqlite:///{tmp_path / 'fires.db'}", calendar=calendar,
                       launcher=appending_launcher(log_file),
                       clock=lambda: datetime(2026, 3, 3, 23, 30, tzinfo=UTC))
    result = bot.trigger("utc-job")
    assert result.run_id is not None and result.run_id.startswith("20260304-073000-smoke-")


def test_a_stopped_fire_is_alerted_once_by_mail_and_robot_within_the_quiet_time(
    tmp_path: Path, calendar: WorkCalendar, alerts: list[str]
) -> None:
    from rpa.schedule.attention import alerting_attention
    from tests.integration.alert_receivers import http_server, smtp_server, write_alerts_yaml

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        return LaunchResult(params[RUN_ID_PARAM], 3, "门户页面已改版", stop_code="portal_changed")

    with smtp_server() as smtp, http_server() as robot:
        settings = Settings(
            runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key",
            alerts_file=write_alerts_yaml(
                tmp_path / "alerts.yaml", smtp_port=smtp.port, webhook_url=robot.url
            ),
        )
        schedules = schedules_of({"id": "nightly", "cron": {"hour": 1, "minute": 0}})
        bot = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar,
                           launcher=launch, causes=QueueCauses(settings, schedules),
                           attention=alerting_attention(settings),
                           clock=lambda: datetime(2026, 3, 3, 1, tzinfo=UTC))
        assert bot.trigger("nightly").exit_code == 3
        assert bot.trigger("nightly").exit_code == 3  # the same stopped fire, resumed by hand: stops again
        assert len(alerts) == 2  # told twice; sent once (the quiet time is kept per fire)
        assert len(smtp.messages) == 1 and len(robot.posts) == 1
        body = smtp.bodies()[0]
        assert "定时任务需要处理" in body and "nightly" in body and "编号 1" in body
        assert "rpa schedule close 1" in body
        assert "原因解除后调度会自动续跑这次" in body  # tester X's 2.4: the alerts named three commands
        assert "nightly" in str(robot.posts[0])


def test_a_fire_that_failed_to_start_is_alerted_with_what_works_for_it(
    tmp_path: Path, calendar: WorkCalendar, alerts: list[str]
) -> None:
    """A fire refused at launch (exit 2) is not listed and has nothing to close: the alert says
    to run the job again, never `rpa schedule close`, which would answer 无需关闭."""
    from rpa.schedule.attention import alerting_attention
    from tests.integration.alert_receivers import http_server

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        return LaunchResult(params[RUN_ID_PARAM], 2, "投放文件夹中已取走的文件被改动过")

    with http_server() as robot:
        alerts_file = tmp_path / "alerts.yaml"
        alerts_file.write_text(f"webhook:\n  url: {robot.url}\n", encoding="utf-8")
        settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key",
                            alerts_file=alerts_file)
        schedules = schedules_of({"id": "nightly", "cron": {"hour": 1, "minute": 0}})
        bot = BotScheduler(schedules, db_url=settings.database_url_resolved, calendar=calendar,
                           launcher=launch, causes=QueueCauses(settings, schedules),
                           attention=alerting_attention(settings),
                           clock=lambda: datetime(2026, 3, 3, 1, tzinfo=UTC))
        assert bot.trigger("nightly").exit_code == 2
        (post,) = robot.posts
    text = post["json"]["text"]["content"]
    assert "定时任务需要处理" in text and "rpa schedule trigger nightly" in text
    assert "schedule close" not in text


def test_a_login_the_portal_refused_in_its_own_words_stops_the_fire_until_the_operator_is_cleared(
    tmp_path: Path,
) -> None:
    """Tester X's 1.2: a scheduled run whose worker's login AMS refused (密码错误) stopped with the
    catalogue's code, login_wrong_password (config/ams_messages.yaml), which no cause check knew:
    `rpa operators clear` never resumed the fire. The stop is an operator's now, as the run's
    refused operator record says; the codes here are the real ones of a worker's stop."""
    from rpa.queue.work_queue import WorkQueue
    from rpa.schedule.causes import stop_code_of
    from rpa.schedule.fire_rows import FireRecord

    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key",
                        ams_operators=[OperatorCredential(code="OP0001", password="Ams0001!")])
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()
    refused, changed = "20261206-130028-account-filing-adf51f", "20261206-130500-account-filing-0c1d2e"
    for run_id, code in ((refused, "login_wrong_password"), (changed, "portal_changed")):
        queue.enqueue("account-filing", run_id, f"row-of-{run_id}", {"row": 2})
        queue.request_stop(run_id, code, "操作员 **0001 登录：AMS 提示“密码错误”")
    OperatorRefusals.from_settings(settings).record("ams", "OP0001", code="login_wrong_password",
                                                    message="密码错误", run_id=refused)
    assert stop_code_of(settings, "account-filing", refused) == "login_refused"
    assert stop_code_of(settings, "account-filing", changed) == "portal_changed"  # a person's, as before

    schedules = schedules_of({"id": "filing", "flow": "account-filing", "cron": {"minute": "*"}})
    fire = FireRecord(18, "filing", datetime(2026, 12, 6, 5, tzinfo=UTC), "catch_up", None, None, None,
                      refused, None, FireOutcome.STOPPED.value, 3, None,
                      stop_code_of(settings, "account-filing", refused))
    causes = QueueCauses(settings, schedules)
    assert causes(fire) is CauseState.WAITING
    OperatorRefusals.from_settings(settings).clear("OP0001")  # rpa operators clear OP0001
    assert causes(fire) is CauseState.CLEARED
