"""CLI commands `rpa schedule list|run|trigger`: unattended runs from schedules.yaml, each fire
launched as a run of its flow through the same steps as `rpa run` (rpa.schedule.scheduler does
the timing and the fire table).

    rpa schedule list [--count 5]     # next fire times (working days honoured), last and missed fires
    rpa schedule run                  # the daemon, until SIGTERM/SIGINT
    rpa schedule trigger JOB          # one job now, through the same fire table

The group is registered by rpa.cli.ops_commands, in its place among the operations groups.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

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
        return LaunchResult(outcome.run_id, outcome.exit_code, outcome.stop_reason or "", window_closed)

    schedules = load_schedules(cfg.schedules_file, ams_service_window=cfg.ams_service_window)
    calendar = WorkCalendar.load(cfg.calendar_file)
    return BotScheduler(
        schedules,
        db_url=cfg.database_url_resolved,
        calendar=calendar,
        launcher=launch,
        stop_event=stop,
        runs_dir=cfg.runs_dir,
    )


@schedule_app.command("list")
@handles_errors
def schedule_list(count: Annotated[int, typer.Option(help="Next fire times to show.")] = 5) -> None:
    """列出每个任务的下次触发时间（遵循工作日）、最近触发和错过的触发。

    Each job with its next fire times (working days honoured), last fires and missed ones."""
    typer.echo(_scheduler(settings()).overview_text(count))


@schedule_app.command("run")
@handles_errors
def schedule_run() -> None:
    """调度守护进程：运行任务直到收到 SIGTERM/SIGINT，然后让手头的项办完。

    The scheduler daemon: runs jobs until SIGTERM/SIGINT, then lets items in hand finish."""
    raise typer.Exit(_scheduler(settings()).run_forever())


@schedule_app.command("trigger")
@handles_errors
def schedule_trigger(job_id: str) -> None:
    """立即运行一个任务（经同一触发表，不会重复运行）。

    Run a job now, through the same fire table (never doubles a running job)."""
    result = _scheduler(settings()).trigger(job_id)
    run = result.run_id or "无"
    typer.echo(f"任务 {job_id}：运行 {run}，退出码 {result.exit_code} {result.note}".rstrip())
    raise typer.Exit(result.exit_code)
