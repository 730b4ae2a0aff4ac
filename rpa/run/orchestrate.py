"""One run from start to end: folder, audit chain, prepare, workers, finish, run.json.

`execute_run()` is what `rpa run <flow>`, `rpa demo` and the scheduler call.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from loguru import logger

from rpa.alerts.events import alert_run_end
from rpa.audit.fitness import record_unfit
from rpa.audit.log import AuditLog
from rpa.disk import as_run_fatal
from rpa.errors import (
    EXIT_ITEMS_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_USAGE,
    ConfigError,
    DatabaseUnavailable,
    RpaError,
    exit_for_stop,
    outcome_for,
)
from rpa.input_files import apply_input_limits
from rpa.logs import add_run_log
from rpa.masking import register_secret, scrub_text
from rpa.queue.work_queue import WorkQueue
from rpa.run.close import close_after_bug, close_refused_resume, close_run, close_without_database
from rpa.run.flow import Flow, load_flow
from rpa.run.outputs import RunOutputs
from rpa.run.owners import RunOwners
from rpa.run.preflight import check_configuration
from rpa.run.resume_checks import refuse_broken_chain, refuse_run_elsewhere, refuse_unfit_resume
from rpa.run.resume_turn import resume_turn
from rpa.run.run_store import check_run_store
from rpa.run.runs import (
    RunContext,
    RunOutcome,
    make_private_dir,
    new_run_id,
    now_in,
    read_run_json,
    read_run_params,
    run_folder,
)
from rpa.run.safeguards import KEY as SAFEGUARDS
from rpa.run.safeguards import at_start, kept_by_run
from rpa.run.supervisor import ProgressCallback, run_pool
from rpa.run.worker_server import start_worker_server
from rpa.settings import Settings

__all__ = ["EXIT_ITEMS_FAILED", "EXIT_OK", "EXIT_STOPPED", "EXIT_USAGE", "execute_run", "open_run"]


def register_settings_secrets(settings: Settings) -> None:
    for operator in [*settings.ams_operators, *settings.reports_operators, *settings.check_operators]:
        register_secret(operator.password.get_secret_value())
    for secret in (settings.proxy_password, settings.client_cert_passphrase, settings.audit_key):
        if secret is not None:
            register_secret(secret.get_secret_value())


def open_run(
    settings: Settings,
    flow_name: str,
    params: dict[str, Any],
    *,
    trigger: str,
    resume: str | None = None,
    run_id: str | None = None,
) -> RunContext:
    """Create a new run (or reopen one to resume): folder, log, queue and audit chain.

    `run_id` names a new run (the scheduler chooses ids up front); an existing one is resumed.
    """
    queue = WorkQueue.from_settings(settings)
    audit = AuditLog.from_settings(settings)
    make_private_dir(settings.runs_dir)
    queue.create_schema()
    audit.create_schema()
    unfit = record_unfit(audit, settings.audit_key_source())
    if unfit is not None:  # a run would leave a record that cannot be checked, or no ledger entry
        raise ConfigError(f"{unfit}；本次运行未开始")
    check_run_store(settings)  # PostgreSQL: the runs folder is this database's shared store
    started = now_in(settings)
    if run_id and (settings.runs_dir / run_id / "run.json").exists():
        resume = run_id
    if resume:
        refuse_run_elsewhere(settings, queue, resume)
        folder = run_folder(settings, resume)
        previous = read_run_json(folder)
        run_id = resume
        stored = read_run_params(folder) or previous.get("parameters", {})  # unscrubbed when kept
        refuse_unfit_resume(resume, folder, stored, params, flow=flow_name,  # before anything is recorded
                            run_flow=str(previous.get("flow") or ""))
        refuse_broken_chain(audit, resume)
        flow_params = {**stored.get("flow_params", {}), **params.get("flow_params", {})}
        given = {key: value for key, value in params.items() if key != SAFEGUARDS}  # the start's alone
        params = {**stored, **given, "flow_params": flow_params}
        flow_name = previous.get("flow", flow_name)
    else:
        run_id = run_id or new_run_id(flow_name, started)
        folder = make_private_dir(settings.runs_dir / run_id)
        params = {**params, SAFEGUARDS: at_start(settings)}  # kept by all that works the run later
    kept = kept_by_run(settings, params, audit, run_id) if resume else None  # a resume: as the run keeps them
    settings = kept.settings if kept else settings
    ctx = RunContext(
        run_id=run_id,
        flow=flow_name,
        folder=folder,
        settings=settings,
        queue=queue,
        audit=audit,
        log=logger.bind(run_id=run_id),
        trigger=trigger,
        params=params,
        started_at=started,
    )
    if resume:
        ctx.notices = kept.notices if kept else []
        ctx.resumed, ctx.first_inputs = True, dict(read_run_json(folder).get("inputs_sha256") or {})
        ctx.inputs = dict(ctx.first_inputs)  # run.json keeps them until the resume reads them again
        queue.clear_stop(run_id)
        ctx.record("run.resumed", trigger=trigger, host=settings.host_id, safeguards=at_start(settings),
                   safeguards_kept=kept.applied if kept else [])  # on here for the run only
        audit.ledger_started(run_id, resumed=True)
        # run.json keeps the run's first trigger and start; each resume is listed beside them
        resumed = {"trigger": trigger, "started_at": started.isoformat()}
        ctx.write_run_json(resumes=[*read_run_json(folder).get("resumes", []), resumed])
    else:
        maker = params.get("maker")  # who started it (maker-checker: rpa.approvals)
        ctx.record("run.started", flow=flow_name, trigger=trigger, host=settings.host_id,
                   safeguards=params[SAFEGUARDS], **({"maker": maker} if maker else {}))
        audit.ledger_started(run_id)
        ctx.write_run_json()
    return ctx


@contextmanager
def _graceful_signals(stop_event: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set the stop event (main thread only; the scheduler passes its own event)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def ask_to_stop(_signum: int, _frame: object) -> None:
        stop_event.set()

    for sig in previous:
        signal.signal(sig, ask_to_stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def execute_run(
    settings: Settings,
    flow_name: str,
    params: dict[str, Any] | None = None,
    *,
    trigger: str = "cli",
    resume: str | None = None,
    run_id: str | None = None,
    workers: int | None = None,
    stop_event: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
    on_started: Callable[[RunContext], None] | None = None,
    enqueue_only: bool = False,
) -> RunOutcome:
    """Run a flow end to end and return its outcome (exit code per ARCHITECTURE.md).

    `enqueue_only`: prepare and enqueue, then return (exit 0, nothing worked): `rpa worker` on
    any host works the items, and resuming the run writes its outputs."""
    register_settings_secrets(settings)
    apply_input_limits(settings)
    start_worker_server()
    stop_event = stop_event or threading.Event()
    with resume_turn(settings, resume or run_id):  # two resumes of one run never side by side
        ctx = open_run(settings, flow_name, dict(params or {}), trigger=trigger, resume=resume, run_id=run_id)
        sink = add_run_log(ctx.folder / "run.log", run_id=ctx.run_id, zone=ZoneInfo(settings.timezone))
        for notice in ctx.notices:
            ctx.log.warning(notice)  # this host's setting against the run's, in run.log
        owners = RunOwners.from_settings(settings)
        owners.mark_running(ctx.run_id)  # another run holding none of this one's rows takes none over
        try:
            with logger.contextualize(run_id=ctx.run_id):  # every record of this run, whatever logs it
                return _execute(ctx, workers, stop_event, on_progress, on_started, enqueue_only)
        finally:
            try:
                owners.mark_ended(ctx.run_id)
            except DatabaseUnavailable:  # the run's own end said why (run.json, exit 3)
                ctx.log.error("数据库仍不可用：本次运行未能记为已结束，恢复后续跑时会更新")
            alert_run_end(settings, ctx.run_id, ctx.folder)  # stopped, refused, rows held: never fails
            logger.remove(sink)


def _execute(
    ctx: RunContext,
    workers: int | None,
    stop_event: threading.Event,
    on_progress: ProgressCallback | None,
    on_started: Callable[[RunContext], None] | None,
    enqueue_only: bool = False,
) -> RunOutcome:
    if on_started is not None:
        on_started(ctx)
    outputs = RunOutputs(ctx, None)  # no flow yet: one that cannot be built has no outputs
    stop_reason: str | None = None
    forced_exit: int | None = None
    try:
        flow = outputs.flow = load_flow(ctx.flow, ctx.params.get("flow_params", {}))
        check_configuration(ctx, flow, enqueue_only=enqueue_only)  # before any input is read
        _add_engine_shaping_files(ctx, flow)
        prepared = flow.prepare(ctx)
        ctx.log.info(
            f"运行 {ctx.run_id}：新加入 {prepared.enqueued} 个事项，{prepared.duplicates} 个此前已在队列中"
        )
        for note in prepared.notes:
            ctx.log.info(note)
        for warning in prepared.warnings:  # shown on the terminal too
            ctx.log.warning(warning)
        ctx.record("run.prepared", enqueued=prepared.enqueued, duplicates=prepared.duplicates)
        ctx.write_run_json()
        if enqueue_only:  # the items wait in the queue for `rpa worker` on any host
            ctx.record("run.enqueued_only", host=ctx.settings.host_id)
            counts = {str(k): v for k, v in ctx.queue.counts(ctx.run_id).items()}
            # not ended: no alert; nothing open (every row set aside): no worker to wait for (AV)
            ctx.write_run_json(counts=counts, waiting_for_workers=bool(counts["pending"] + counts["leased"]))
            return RunOutcome(ctx.run_id, EXIT_OK, ctx.folder, counts, None)
        if ctx.queue.next_due_in(ctx.run_id) is not None:  # anything pending or leased
            stop_reason, forced_exit = _run_workers(ctx, flow, workers, stop_event, on_progress, outputs)
    except DatabaseUnavailable as exc:  # nothing more can be read or recorded in the database
        return close_without_database(ctx, exc)
    except Exception as exc:  # what it means for the run: `outcome_for`, as for an item
        disposition = outcome_for(exc)
        fatal = None if isinstance(exc, RpaError) else as_run_fatal(exc)
        message = fatal.message if fatal is not None else scrub_text(str(exc))
        if disposition.exit_code == EXIT_USAGE:
            ctx.record("run.refused", code=disposition.code, message=message)
            if ctx.resumed:  # the run stays as it was: only this resume was refused
                close_refused_resume(ctx, message)
            else:
                close_run(ctx, outputs, EXIT_USAGE, message)
            raise
        if disposition.keep_traceback and not isinstance(exc, RpaError):
            close_after_bug(ctx, exc)
            raise
        # anything else of the tree stops the run here: this process has no queue to retry in
        stop_reason = message
    except BaseException as exc:  # an interrupt
        close_after_bug(ctx, exc)
        raise
    return close_run(ctx, outputs, forced_exit, stop_reason)


def _add_engine_shaping_files(ctx: RunContext, flow: Flow) -> None:
    """Hash what shapes every run; flows add their own (specs, rules, aliases)."""
    settings = ctx.settings
    ctx.add_shaping_file(settings.calendar_file)
    if ctx.trigger.startswith("schedule:"):
        ctx.add_shaping_file(settings.schedules_file)
    selectors = flow.selectors or flow.portal
    if selectors:
        ctx.add_shaping_file(settings.selectors_dir / f"{selectors}.yaml")


def _run_workers(
    ctx: RunContext,
    flow: Flow,
    workers: int | None,
    stop_event: threading.Event,
    on_progress: ProgressCallback | None,
    outputs: RunOutputs,
) -> tuple[str | None, int | None]:
    """Why the workers stopped early (None: they did not), and the exit code that stop forces
    (2 when a worker met a configuration error; None: as the items say)."""
    count = flow.worker_count(ctx, workers or ctx.settings.workers)
    flow_params = ctx.params.get("flow_params", {})
    with _graceful_signals(stop_event):
        pool = run_pool(ctx, ctx.flow, flow_params, count, stop_event=stop_event, on_progress=on_progress,
                        on_settled=outputs.write_early if flow.finish_from_queue else None)
    # a stop that came when every item had ended stopped nothing: the run is as its items say
    if pool.drained and not pool.stop_reason and ctx.queue.next_due_in(ctx.run_id) is not None:
        return "应要求停止（SIGINT/SIGTERM）：用 --resume 续跑以完成其余事项", None
    forced = exit_for_stop(pool.stop_code) if pool.stop_code else None
    return pool.stop_reason, forced if forced == EXIT_USAGE else None


