"""Unattended runs: schedules.yaml timed by APScheduler 3 (imported here and in rpa.schedule.triggers only).

    schedules = load_schedules(Path("schedules.yaml"))
    bot = BotScheduler(schedules, db_url=settings.database_url_resolved,
                       calendar=WorkCalendar.load(settings.calendar_file), launcher=launch_run)
    bot.next_fire_times("report-extraction")   # working days honoured
    raise SystemExit(bot.run_forever())        # the daemon: SIGTERM/SIGINT stop it gracefully

APScheduler's job stores must never be shared between schedulers, so its jobs live in memory,
built from schedules.yaml at every start. What ran is kept in the project's own fire table
(`rpa.schedule.fires`): a fire starts only after inserting its (job id, planned time) row,
so several schedulers on one database never start the same fire, and missed fires are found
there at the next start. The daemon writes a heartbeat (the lease of the fires it owns,
`rpa.schedule.owners`) and, at each beat, takes over fires whose owner stopped beating, resumes
stopped fires whose cause is cleared and closes those whose run was finished by hand
(`rpa.schedule.attention`). The fire logic itself lives in `rpa.schedule.runner`; reading
schedules.yaml and timing a job (`load_schedules`, `WorkingDayTrigger`) in `rpa.schedule.triggers`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from loguru import logger

from rpa.outcomes import fire_label
from rpa.run.runs import make_private_dir, new_run_id
from rpa.schedule.attention import (
    Attention,
    CauseCheck,
    CauseState,
    log_attention,
    needing_attention,
    never_cleared,
)
from rpa.schedule.caretaker import Caretaker
from rpa.schedule.catchup import catch_up_job
from rpa.schedule.dates import resolve_params
from rpa.schedule.drop import DropFolder, TakenFile
from rpa.schedule.fires import ClaimOutcome, FireOutcome, FireRecord, FireTable
from rpa.schedule.models import JobSpec, ScheduleFile
from rpa.schedule.owners import Heartbeat, OwnerTable
from rpa.schedule.pauses import JobPauses
from rpa.schedule.runner import RESUME_PARAM, RUN_ID_PARAM, FireRunner, Launcher, LaunchResult, trigger_label
from rpa.schedule.shown import local, shown
from rpa.schedule.triggers import WorkingDayTrigger, load_schedules
from rpa.schedule.view import JobOverview, describe_jobs, next_fire_times, overview_lines
from rpa.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar

__all__ = [
    "DEFAULT_SCHEDULES_FILE", "RESUME_PARAM", "RUN_ID_PARAM", "BotScheduler", "CauseCheck",
    "CauseState", "ClaimOutcome", "DropFolder", "FireOutcome", "FireRecord", "FireTable",
    "JobOverview", "JobSpec", "LaunchResult", "Launcher", "ScheduleFile", "TakenFile",
    "WorkingDayTrigger", "load_schedules", "overview_lines", "resolve_params", "trigger_label",
]

DEFAULT_SCHEDULES_FILE = PROJECT_ROOT / "schedules.yaml"


class BotScheduler:
    """The scheduler of unattended runs; see the module docstring."""

    heartbeat_seconds: float = 60.0  # how often the daemon logs that it runs

    def __init__(
        self,
        schedules: ScheduleFile,
        *,
        db_url: str,
        calendar: WorkCalendar,
        launcher: Launcher,
        clock: Callable[[], datetime] | None = None,
        stop_event: threading.Event | None = None,
        runs_dir: Path = Path("runs"),
        run_ids: Callable[[JobSpec], str] | None = None,
        lease: timedelta = timedelta(seconds=90),
        causes: CauseCheck = never_cleared,
        attention: Attention = log_attention,
    ) -> None:
        self.schedules = schedules
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stop_event = stop_event or threading.Event()
        self.lease = lease
        self.causes = causes
        self.fires = FireTable(db_url, clock=self.clock, lease=lease)
        self.owners = OwnerTable(db_url, owner=self.fires.owner, clock=self.clock)
        self.triggers = {
            job.id: WorkingDayTrigger(job, calendar, schedules.window_for(job)) for job in schedules.jobs
        }
        self.runner = FireRunner(
            schedules, fires=self.fires, drops=DropFolder(db_url), calendar=calendar, launcher=launcher,
            stop_event=self.stop_event, clock=self.clock, runs_dir=runs_dir,
            run_ids=run_ids or self._new_run_id, attention=attention,
        )
        self.caretaker = Caretaker(schedules, fires=self.fires, runner=self.runner, causes=causes)
        self.pauses = JobPauses(db_url)
        self._scheduler: BackgroundScheduler | None = None

    def _new_run_id(self, job: JobSpec) -> str:
        return new_run_id(job.flow, local(self.clock()))

    def _enabled(self) -> list[JobSpec]:
        return [job for job in self.schedules.jobs if job.enabled]

    # --- looking ahead and back ---------------------------------------------------------------
    def next_fire_times(self, job_id: str, n: int = 5, *, after: datetime | None = None) -> list[datetime]:
        """The job's next `n` fire times strictly after `after` (default now), in the job's timezone."""
        return next_fire_times(self.triggers[self.schedules.job(job_id).id], n, after or self.clock())

    def describe(self, n: int = 5) -> list[JobOverview]:
        """Every job's next fires, last fires, missed fires and fires that need a person."""
        return describe_jobs(self.schedules, self.triggers, self.fires, self.clock(), n)

    def overview_text(self, n: int = 5) -> str:
        """`rpa schedule list`: every job's next fires, last fires with outcomes, missed fires."""
        return "\n".join(overview_lines(self.schedules, self.describe(n)))

    def catch_up(self) -> list[FireRecord]:
        """At start: resume interrupted runs, run the newest fire missed within its grace once,
        record older misses as missed. Returns the fires it touched."""
        touched = self.caretaker.take_over_dead()
        first_seen = self.owners.see_jobs(job.id for job in self._enabled())
        paused = self.pauses.paused()
        for job in (job for job in self._enabled() if job.id not in paused):
            touched += catch_up_job(self.runner, job, self.triggers[job.id].fire_times_between, self.clock(),
                                    first_seen=first_seen.get(job.id))
        return touched

    # --- running ------------------------------------------------------------------------------
    def trigger(self, job_id: str, *, ignore_window: bool = False) -> LaunchResult:
        """Run a job now, through the fire table (planned time = now, source 'manual')."""
        job = self.schedules.job(job_id)
        planned = self.clock().astimezone(job.zone)
        with Heartbeat(self.owners, role="trigger", every=self._beat_every()):
            stopped = needing_attention(self.fires, job.id)
            if stopped:  # a person asks for the job: its stopped runs first, under their own ids
                resumed = self.runner.resume(job, stopped)
                last = resumed[-1] if resumed else None
                if last is None:
                    why = "没有启动：停止的那次无法续跑（不在服务时段内，或已被接手）"
                    return LaunchResult(run_id=None, exit_code=2, note=why)
                return LaunchResult(run_id=last.run_id, exit_code=last.exit_code or 0, note=last.note or "")
            what, record = self.runner.run_fire(job, planned, source="manual", ignore_window=ignore_window)
        not_started = (ClaimOutcome.OVERLAP, FireOutcome.SKIPPED_WINDOW, FireOutcome.HELD, None)
        if record is None or what in not_started:
            note = f"没有启动：{record.note}" if record is not None and record.note else "没有启动"
            return LaunchResult(run_id=None, exit_code=2, note=note)
        return LaunchResult(run_id=record.run_id, exit_code=record.exit_code or 0, note=record.note or "")

    def start(self) -> None:
        """Build the APScheduler jobs in memory from the schedules and start timing them."""
        if self._scheduler is not None:
            return
        jobs = self._enabled()
        for job in jobs:
            for folder in self.runner.drop_dirs(job) or ():
                make_private_dir(folder)  # so operators find where to drop exports
        scheduler = BackgroundScheduler(
            timezone=UTC, executors={"default": ThreadPoolExecutor(max(4, 2 * len(jobs) + 1))}
        )
        for job in jobs:
            scheduler.add_job(
                self._on_fire, trigger=self.triggers[job.id], args=[job.id], id=job.id, name=job.id,
                misfire_grace_time=job.misfire_grace_seconds, coalesce=True,
                max_instances=3,  # overlap is decided in the fire table, across processes
            )
        scheduler.add_listener(self._on_not_run, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        scheduler.start()
        self._scheduler = scheduler
        names = "、".join(j.id for j in jobs)
        logger.info(f"调度已启动（{self.fires.owner}），共 {len(jobs)} 个任务：{names}")

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking new fires; with `wait`, let the runs in hand finish first."""
        self.stop_event.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None

    def run_forever(self) -> int:
        """The daemon: catch up, beat, look after others' fires, log that it runs, and on
        SIGTERM/SIGINT stop gracefully (exit 0)."""
        previous = self._install_signal_handlers()
        try:
            with Heartbeat(self.owners, role="daemon", every=self._beat_every()):
                self.start()
                assert self._scheduler is not None
                self._scheduler.add_job(self.catch_up, id="catch-up", name="catch-up",
                                        misfire_grace_time=None)
                tick = min(self._beat_every(), self.heartbeat_seconds)
                logged = self.clock() - timedelta(seconds=self.heartbeat_seconds)  # the first beat too
                while not self.stop_event.wait(tick):
                    self.look_after()
                    if (self.clock() - logged).total_seconds() >= self.heartbeat_seconds:
                        logged = self.clock()
                        self._heartbeat()
                logger.warning("调度正在停止：不再启动新的运行，等手头的运行结束")
                self.shutdown(wait=True)
            logger.info("调度已停止")
            return 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _beat_every(self) -> float:
        return max(0.5, self.lease.total_seconds() / 3)

    def look_after(self) -> None:
        """At each beat: take over others' dead fires, resume cleared ones (`Caretaker`)."""
        self.caretaker.look_after(self._submit_resume)

    def _submit_resume(self, job_id: str) -> None:
        if self._scheduler is not None and job_id in self.triggers:
            self._scheduler.add_job(self._resume_job, args=[job_id], id=f"resume-{job_id}",
                                    name=f"resume-{job_id}", replace_existing=True, misfire_grace_time=None)

    def _resume_job(self, job_id: str) -> None:
        try:
            self.caretaker.resume_job(self.schedules.job(job_id))
        except Exception:  # APScheduler's thread: nothing may escape it unrecorded
            logger.exception(f"任务 {job_id}：续跑时出错")

    def _install_signal_handlers(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            name = signal.Signals(signum).name
            logger.warning(f"收到 {name}：办完手头的事项后停止")
            self.stop_event.set()

        return {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}

    def _heartbeat(self) -> None:
        upcoming = sorted(
            (times[0], job.id) for job in self._enabled() if (times := self.next_fire_times(job.id, 1))
        )
        following = f"；下一次：{upcoming[0][1]}，{shown(upcoming[0][0])}" if upcoming else ""
        logger.info(f"调度运行中：{len(self._enabled())} 个任务{following}")

    def _on_fire(self, job_id: str) -> None:
        job = self.schedules.job(job_id)
        now = datetime.now(UTC)  # APScheduler keeps real time, whatever clock the rest is given
        grace = timedelta(seconds=job.misfire_grace_seconds + 1)
        due = self.triggers[job_id].fire_times_between(now - grace, now)
        if not due:
            logger.warning(f"任务 {job_id}：{shown(now)} 被唤醒，但没有到期的运行；忽略")
            return
        paused = self.pauses.paused().get(job_id)
        if paused is not None:  # recorded, so the fire table shows the fire a person held back
            self.fires.record(job_id, due[-1], FireOutcome.SKIPPED_PAUSED, source="schedule",
                              note=f"由 {paused.by} 暂停")
            return
        try:
            # runs interrupted earlier (e.g. outside the window at start) first, and stopped ones
            # whose cause was cleared since
            self.caretaker.resume_job(job)
            self.runner.run_fire(job, due[-1], source="schedule")
        except Exception:  # APScheduler's thread: nothing may escape it unrecorded
            logger.exception(f"任务 {job_id}：{shown(due[-1])} 的这次在调度中出错")

    def _on_not_run(self, event: JobExecutionEvent | JobSubmissionEvent) -> None:
        if event.job_id not in self.triggers:
            return
        if isinstance(event, JobSubmissionEvent):
            times = list(event.scheduled_run_times)
            outcome, note = FireOutcome.SKIPPED_OVERLAP, "这个任务仍在运行的次数已达上限"
        else:
            times = [event.scheduled_run_time]
            outcome, note = FireOutcome.MISSED, "唤醒时已超过允许的延迟"
        for planned in times:
            if self.fires.record(event.job_id, planned, outcome, source="schedule", note=note):
                label = fire_label(outcome)
                logger.warning(f"任务 {event.job_id}：{shown(planned)}：{label}（{note}）")
                record = self.fires.get(event.job_id, planned)
                if record is not None and outcome is FireOutcome.MISSED:
                    self.runner.attention(record, note)
