"""CLI commands `rpa schedule list|run|trigger`: unattended runs from schedules.yaml, each fire
launched as a run of its flow through the same steps as `rpa run` (rpa.schedule.scheduler does
the timing and the fire table).

    rpa schedule list [--count 5]     # next fire times (working days honoured), last and missed
                                      # fires, fires that need a person
    rpa schedule run                  # the daemon, until SIGTERM/SIGINT; logs to logs/scheduler.log
    rpa schedule trigger JOB          # one job now (its stopped fire first), through the fire table
    rpa schedule close FIRE           # a person closes a stopped fire
    rpa schedule check [--max-age S]  # for cron/systemd timers: exit 1 when no daemon heartbeat

The group is registered by rpa.cli.ops_commands, in its place among the operations groups.
"""

from __future__ import annotations

import math
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from rpa.cli.common import command_group, handles_errors, settings

if TYPE_CHECKING:
    from rpa.schedule.scheduler import BotScheduler, JobSpec, LaunchResult
    from rpa.settings import Settings

schedule_app = command_group(
    help="按 schedules.yaml 无人值守运行。\n\nUnattended runs from schedules.yaml.",
    no_args_is_help=True,
)


def _scheduler(cfg: Settings, stop_event: threading.Event | None = None) -> BotScheduler:
    from rpa.queue.work_queue import WorkQueue
    from rpa.run.orchestrate import execute_run
    from rpa.run.service_window import WINDOW_CLOSED
    from rpa.schedule.attention import alerting_attention
    from rpa.schedule.causes import WORKERS_FAILED, QueueCauses, stop_code_of, workers_failed_reason
    from rpa.schedule.scheduler import (
        RESUME_PARAM,
        RUN_ID_PARAM,
        BotScheduler,
        LaunchResult,
        load_schedules,
        trigger_label,
    )
    from rpa.workdays import WorkCalendar

    stop = stop_event or threading.Event()

    def launch(job: JobSpec, planned: datetime, params: dict[str, Any]) -> LaunchResult:
        flow_params = dict(params)
        run_id = flow_params.pop(RUN_ID_PARAM, None)
        flow_params.pop(RESUME_PARAM, None)
        run_params: dict[str, Any] = {"flow_params": flow_params, "maker": f"schedule:{job.id}"}
        if job.approval:  # maker-checker: the rows wait for a checker (rpa approvals)
            flow_params["approval"] = True
        outcome = execute_run(
            cfg,
            job.flow,
            run_params,
            trigger=trigger_label(job.id, planned),
            run_id=run_id,
            stop_event=stop,
        )
        why = WorkQueue.from_settings(cfg).stop_requested(outcome.run_id) if outcome.exit_code == 3 else None
        window_closed = why is not None and why[0] == WINDOW_CLOSED  # resumed in the next window
        code = stop_code_of(cfg, job.flow, outcome.run_id) if outcome.exit_code == 3 else None
        failed = code == WORKERS_FAILED and not outcome.stop_reason
        reason = workers_failed_reason(cfg, outcome.run_id) if failed else outcome.stop_reason or ""
        return LaunchResult(outcome.run_id, outcome.exit_code, reason, window_closed, code)

    schedules = load_schedules(cfg.schedules_file, ams_service_window=cfg.ams_service_window)
    calendar = WorkCalendar.load(cfg.calendar_file)
    return BotScheduler(
        schedules,
        db_url=cfg.database_url_resolved,
        calendar=calendar,
        launcher=launch,
        stop_event=stop,
        runs_dir=cfg.runs_dir,
        lease=timedelta(seconds=cfg.schedule_lease_seconds),
        causes=QueueCauses(cfg, schedules),
        attention=alerting_attention(cfg),
    )


def log_file(cfg: Settings) -> Path:
    """The daemon's log: RPA_LOG_DIR, else logs/ under RPA_HOME, else under the working directory."""
    folder = cfg.log_dir or Path(os.environ.get("RPA_HOME", "").strip() or ".") / "logs"
    return folder / "scheduler.log"


@schedule_app.command("list")
@handles_errors
def schedule_list(count: Annotated[int, typer.Option(help="Next fire times to show.")] = 5) -> None:
    """列出每个任务的下次触发时间（遵循工作日）、最近触发和错过的触发。

    Each job with its next fire times (working days honoured), last fires and missed ones."""
    cfg = settings()
    typer.echo(_scheduler(cfg).overview_text(count))
    if (silent := _daemon_silent(cfg)) is not None:  # tester X: 下次 read as a fire that would come
        typer.echo(f"注意：调度守护进程{silent}：在它恢复之前，上面的“下次”时间都不会触发；"
                   "请启动 `rpa schedule run`（或其 systemd 服务）")


def _last_beat(cfg: Settings) -> datetime | None:
    """When a scheduler daemon last wrote its heartbeat (None: never)."""
    from rpa.schedule.fire_rows import process_owner
    from rpa.schedule.owners import OwnerTable

    return OwnerTable(cfg.database_url_resolved, owner=process_owner()).newest_beat("daemon")


def _daemon_silent(cfg: Settings) -> str | None:
    """How long no scheduler daemon has beaten (RPA_SCHEDULE_CHECK_SECONDS); None: one beats."""
    from datetime import UTC

    from rpa.schedule.shown import shown

    newest = _last_beat(cfg)
    if newest is None:
        return "从未写过心跳（没有运行过）"
    age = (datetime.now(UTC) - newest).total_seconds()
    return f"已 {age:.0f} 秒没有心跳（上次 {shown(newest)}）" if age > cfg.schedule_check_seconds else None


@schedule_app.command("run")
@handles_errors
def schedule_run() -> None:
    """调度守护进程：运行任务直到收到 SIGTERM/SIGINT，然后让手头的项办完。

    The scheduler daemon: runs jobs until SIGTERM/SIGINT, then lets items in hand finish. It
    logs to the terminal and to logs/scheduler.log (RPA_LOG_DIR), times in Asia/Shanghai."""
    from rpa.alerts.config import load_alerts_config
    from rpa.db import expect_outages
    from rpa.logs import configure_daemon_logging
    from rpa.schedule.shown import SHOWN_ZONE

    cfg = settings()
    load_alerts_config(cfg.alerts_file)  # a broken alerts.yaml: exit 2 now, not a night told to nobody
    expect_outages()  # the daemon waits for a database that is not up yet, as for an outage
    path = log_file(cfg)
    configure_daemon_logging(path, SHOWN_ZONE)
    from loguru import logger

    logger.info(f"调度守护进程启动：日志 {path.resolve()}，触发租约 {cfg.schedule_lease_seconds:g} 秒")
    raise typer.Exit(_scheduler(cfg).run_forever())


@schedule_app.command("trigger")
@handles_errors
def schedule_trigger(job_id: str) -> None:
    """立即运行一个任务（经同一触发表，不会重复运行）。

    Run a job now, through the same fire table (never doubles a running job)."""
    result = _scheduler(settings()).trigger(job_id)
    run = result.run_id or "无"
    typer.echo(f"任务 {job_id}：运行 {run}，退出码 {result.exit_code} {result.note}".rstrip())
    raise typer.Exit(result.exit_code)


@schedule_app.command("close")
@handles_errors
def schedule_close(
    fire_id: Annotated[int, typer.Argument(help="The fire's number, as `rpa schedule list` shows it.")],
) -> None:
    """关闭一个需要处理的（已停止的）触发：不再列出，也不再续跑。

    Close a stopped fire that needs a person: no longer listed, never resumed."""
    import getpass

    from rpa.schedule.attention import close_fire
    from rpa.schedule.fires import FireTable
    from rpa.schedule.shown import shown

    cfg = settings()
    table = FireTable(cfg.database_url_resolved)
    record = close_fire(table, fire_id, by=getpass.getuser(), now=datetime.now().astimezone())
    typer.echo(f"已关闭任务 {record.job_id} 计划于 {shown(record.planned_at)} 的那次（编号 {fire_id}）")


def _scheduler_silent(cfg: Settings, found: str, todo: str) -> NoReturn:
    """Say it, alert it through alerts.yaml (once within the quiet time), exit 1."""
    from rpa.alerts.events import send_quietly
    from rpa.alerts.kinds import scheduler_silent

    typer.echo(f"调度守护进程{found}：{todo}", err=True)
    send_quietly(cfg, scheduler_silent(found, todo))
    raise typer.Exit(1)


@schedule_app.command("check")
@handles_errors
def schedule_check(
    max_age: Annotated[float | None, typer.Option(
        help="Seconds without a daemon heartbeat before this fails (default RPA_SCHEDULE_CHECK_SECONDS)."
    )] = None,
) -> None:
    """检查调度守护进程的心跳（供 cron/systemd 定时器）：超时未写心跳则告警并退出码 1。

    For cron/systemd timers: alert and exit 1 when no scheduler daemon wrote a heartbeat in time."""
    from datetime import UTC

    from rpa.errors import UsageError
    from rpa.schedule.shown import shown

    if max_age is not None and not (math.isfinite(max_age) and max_age > 0):
        raise UsageError("--max-age 应为大于 0 的秒数（不能是 nan 或 inf）：例如 --max-age 300")
    cfg = settings()
    limit = max_age if max_age is not None else cfg.schedule_check_seconds
    newest = _last_beat(cfg)
    now = datetime.now(UTC)
    if newest is None:
        _scheduler_silent(cfg, "从未写过心跳", "请启动 `rpa schedule run`（或其 systemd 服务）")
    age = (now - newest).total_seconds()
    if age > limit:
        _scheduler_silent(cfg, f"已 {age:.0f} 秒没有心跳（上次 {shown(newest)}，允许 {limit:g} 秒）",
                          "请检查 `rpa schedule run` 是否在运行")
    typer.echo(f"调度守护进程正常：上次心跳 {shown(newest)}（{age:.0f} 秒前）")
