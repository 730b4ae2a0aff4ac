"""One run from start to end: folder, audit chain, prepare, workers, finish, run.json.

`execute_run()` is what `rpa run <flow>`, `rpa demo` and the scheduler call.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

from rpa.audit.log import AuditLog
from rpa.disk import as_run_fatal
from rpa.errors import (
    EXIT_ITEMS_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_USAGE,
    ConfigError,
    RpaError,
    exit_for_stop,
    outcome_for,
)
from rpa.input_files import apply_input_limits
from rpa.logs import add_run_log
from rpa.masking import mask_payload, register_secret, scrub_text
from rpa.queue.work_queue import WorkQueue
from rpa.run.flow import Flow, load_flow
from rpa.run.owners import RunOwners
from rpa.run.report import FlowSections, InputRow, write_run_report
from rpa.run.runs import (
    RunContext,
    RunOutcome,
    make_private_dir,
    new_run_id,
    now_in,
    read_run_json,
    run_folder,
)
from rpa.run.supervisor import ProgressCallback, run_pool, start_worker_server
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
    started = now_in(settings)
    if run_id and (settings.runs_dir / run_id / "run.json").exists():
        resume = run_id
    if resume:
        folder = run_folder(settings, resume)
        previous = read_run_json(folder)
        run_id = resume
        stored = previous.get("parameters", {})
        flow_params = {**stored.get("flow_params", {}), **params.get("flow_params", {})}
        params = {**stored, **params, "flow_params": flow_params}
        flow_name = previous.get("flow", flow_name)
    else:
        run_id = run_id or new_run_id(flow_name, started)
        folder = make_private_dir(settings.runs_dir / run_id)
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
        queue.clear_stop(run_id)
        ctx.record("run.resumed", trigger=trigger)
        audit.ledger_started(run_id, resumed=True)
        previous_resumes = read_run_json(folder).get("resumes", [])
        ctx.write_run_json(resumes=[*previous_resumes, started.isoformat()])
    else:
        maker = params.get("maker")  # who started it (maker-checker: rpa.approvals)
        ctx.record("run.started", flow=flow_name, trigger=trigger, **({"maker": maker} if maker else {}))
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
) -> RunOutcome:
    """Run a flow end to end and return its outcome (exit code per ARCHITECTURE.md)."""
    register_settings_secrets(settings)
    apply_input_limits(settings)
    start_worker_server()
    stop_event = stop_event or threading.Event()
    ctx = open_run(settings, flow_name, dict(params or {}), trigger=trigger, resume=resume, run_id=run_id)
    sink = add_run_log(ctx.folder / "run.log", run_id=ctx.run_id)
    owners = RunOwners.from_settings(settings)
    owners.mark_running(ctx.run_id)  # another run holding none of this one's rows takes none over
    try:
        with logger.contextualize(run_id=ctx.run_id):  # every record of this run, whatever logs it
            return _execute(ctx, workers, stop_event, on_progress, on_started)
    finally:
        owners.mark_ended(ctx.run_id)
        logger.remove(sink)


def _execute(
    ctx: RunContext,
    workers: int | None,
    stop_event: threading.Event,
    on_progress: ProgressCallback | None,
    on_started: Callable[[RunContext], None] | None,
) -> RunOutcome:
    if on_started is not None:
        on_started(ctx)
    outputs = _Outputs(ctx, None)  # no flow yet: one that cannot be built has no outputs
    stop_reason: str | None = None
    forced_exit: int | None = None
    try:
        flow = outputs.flow = load_flow(ctx.flow, ctx.params.get("flow_params", {}))
        _check_configuration(ctx, flow)  # before any input is read or any worker starts
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
        if ctx.queue.next_due_in(ctx.run_id) is not None:  # anything pending or leased
            stop_reason, forced_exit = _run_workers(ctx, flow, workers, stop_event, on_progress, outputs)
    except Exception as exc:  # what it means for the run: `outcome_for`, as for an item
        disposition = outcome_for(exc)
        fatal = None if isinstance(exc, RpaError) else as_run_fatal(exc)
        message = fatal.message if fatal is not None else scrub_text(str(exc))
        if disposition.exit_code == EXIT_USAGE:
            ctx.record("run.refused", code=disposition.code, message=message)
            _close(ctx, outputs, EXIT_USAGE, message)
            raise
        if disposition.keep_traceback and not isinstance(exc, RpaError):
            _close_after_bug(ctx, exc)
            raise
        # anything else of the tree stops the run here: this process has no queue to retry in
        stop_reason = message
    except BaseException as exc:  # an interrupt
        _close_after_bug(ctx, exc)
        raise
    return _close(ctx, outputs, forced_exit, stop_reason)


def _check_configuration(ctx: RunContext, flow: Flow) -> None:
    """The flow's selectors file, read and checked in this process: a broken one refuses the run
    (exit 2) before any worker starts, instead of failing in every worker."""
    from rpa.browser.selectors import load_selectors

    name = flow.selectors or flow.portal
    if not name:
        return
    try:
        load_selectors(name, ctx.settings.selectors_dir)
    except ConfigError as exc:
        reason = " ".join(scrub_text(str(exc)).split())  # one line, whatever the YAML parser said
        raise ConfigError(
            f"选择器配置有误，运行未开始：{reason}；请改正 {ctx.settings.selectors_dir / (name + '.yaml')}"
            "（RPA_SELECTORS_DIR）后重新运行",
            code=exc.code,
        ) from None


def _record_quietly(ctx: RunContext, exit_code: int, counts: dict[str, int], reason: str | None) -> None:
    """The stop in the database when the run folder refused it (the database may refuse too:
    run.json then has no exit code and `rpa runs list` shows the run as interrupted)."""
    try:
        ctx.record("run.finished", exit_code=exit_code, counts=counts, stop_reason=reason)
    except Exception as exc:
        if as_run_fatal(exc) is None:
            raise
        ctx.log.error("数据库也拒绝了本次运行的最后一条记录")


def _finishing_failed(ctx: RunContext, exc: Exception, exit_code: int) -> int:
    """A bug in the run's last steps (audit export, run.json, report.html): the run's exit code
    is not 0 and run.json says what failed (`rpa runs list` shows it); the traceback goes to
    run.log, masked. Returns the exit code."""
    failed = f"收尾步骤失败（{type(exc).__name__}）：运行的输出可能不全，请把 run.log 交给维护人员"
    ctx.log.opt(exception=exc).error(failed)
    exit_code = EXIT_ITEMS_FAILED if exit_code == EXIT_OK else exit_code
    try:
        ctx.write_run_json(exit_code=exit_code, ended_at=now_in(ctx.settings).isoformat(),
                           finish_failed=failed)
    except (RpaError, OSError, SQLAlchemyError) as failure:
        ctx.log.error(f"无法把收尾失败写入 run.json：{type(failure).__name__}")
    return exit_code


def _close_after_bug(ctx: RunContext, exc: BaseException) -> None:
    """A bug or an interrupt ends the run as stopped (never "running" with nothing working on
    it); the exception then goes on to the caller."""
    reason = f"运行意外中止（{type(exc).__name__}）：请把 run.log 交给维护人员，修复后可用 --resume 继续"
    ctx.log.opt(exception=exc).error(reason)  # the traceback, masked, in run.log
    try:
        ctx.record("run.finished", exit_code=EXIT_STOPPED, stop_reason=reason)
        ctx.write_run_json(ended_at=now_in(ctx.settings).isoformat(), exit_code=EXIT_STOPPED,
                           stop_reason=reason)
    except (RpaError, OSError, SQLAlchemyError) as failure:
        ctx.log.error(f"无法把本次运行记为已停止（{type(failure).__name__}）")


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
    outputs: _Outputs,
) -> tuple[str | None, int | None]:
    """Why the workers stopped early (None: they did not), and the exit code that stop forces
    (2 when a worker met a configuration error; None: as the items say)."""
    count = flow.worker_count(ctx, workers or ctx.settings.workers)
    flow_params = ctx.params.get("flow_params", {})
    with _graceful_signals(stop_event):
        pool = run_pool(ctx, ctx.flow, flow_params, count, stop_event=stop_event, on_progress=on_progress,
                        on_settled=outputs.write_early if flow.finish_from_queue else None)
    if pool.drained and not pool.stop_reason:
        return "应要求停止（SIGINT/SIGTERM）：用 --resume 续跑以完成其余事项", None
    forced = exit_for_stop(pool.stop_code) if pool.stop_code else None
    return pool.stop_reason, forced if forced == EXIT_USAGE else None


class _Outputs:
    """The flow's outputs, written once: at the close, or as soon as no item is open while the
    workers wind down when the flow's `finish()` reads only the queue (`Flow.finish_from_queue`)."""

    def __init__(self, ctx: RunContext, flow: Flow | None) -> None:
        self._ctx = ctx
        self.flow = flow  # None: the flow could not be built (the run is refused)
        self.paths: list[Path] | None = None
        self._failure: Exception | None = None
        self.failed: str | None = None  # why writing the outputs failed: the run cannot exit 0

    def write(self) -> list[Path]:
        if self._failure is not None:
            raise self._failure
        if self.paths is None:
            self.paths = []
            if self.flow is None:
                return self.paths
            try:
                self.paths = self.flow.finish(self._ctx)
            except Exception as exc:
                disposition = outcome_for(exc)
                if disposition.run_fatal and not isinstance(exc, RpaError):
                    raise  # a full disk or a refused write: the run stops (exit 3), resumable
                if disposition.keep_traceback:  # a bug: its traceback goes to run.log, masked
                    self.failed = _bug_words(exc)
                    self._ctx.log.opt(exception=exc).error(f"写出结果文件失败：{self.failed}")
                else:
                    self.failed = scrub_text(str(exc))
                    self._ctx.log.error(f"写出结果文件失败：{self.failed}")
        return self.paths

    def problems(self) -> list[str]:
        """Why the outputs are not a whole, clean picture (after `write`)."""
        found = [f"写出结果文件失败：{self.failed}"] if self.failed else []
        return found + (self.flow.output_problems(self._ctx) if self.flow is not None else [])

    def report_rows(self) -> Sequence[InputRow] | None:
        """The input's rows for report.html (after `write`); None when there are none to show."""
        return self.flow.report_rows(self._ctx) if self.paths and self.flow is not None else None

    def report_sections(self) -> FlowSections | None:
        """The flow's reconciliations and rankings for report.html (after `write`)."""
        return self.flow.report_sections(self._ctx) if self.paths and self.flow is not None else None

    def not_done_elsewhere(self) -> int:
        """Rows of this run's input that another run holds and has not done (after `write`)."""
        return self.flow.rows_not_done_elsewhere(self._ctx) if self.flow is not None else 0

    def write_early(self) -> None:
        """`write`, while the workers wind down: a bug's exception waits for the close (the
        workers end first, as they did when outputs were written only at the close)."""
        try:
            self.write()
        except Exception as exc:
            self._failure = exc


def _bug_words(exc: Exception) -> str:
    """What a clerk reads of an unexpected failure: the file a write failed on, else the type."""
    if isinstance(exc, OSError) and exc.filename:
        target = exc.filename2 or exc.filename  # a rename names its target second
        return scrub_text(f"无法写入 {target}（{exc.strerror}）")
    return f"程序错误（{type(exc).__name__}）：请把 run.log 交给维护人员"


def _mask_payloads(ctx: RunContext, flow: Flow | None) -> None:
    """The run has ended with nothing pending: its done items' payloads, personal data read
    from the input, are masked in the queue (RPA_PAYLOAD_RETENTION=mask, the default)."""
    if flow is None:
        return
    kept = flow.payload_not_personal
    if kept is None or ctx.settings.payload_retention != "mask":
        return
    masked = ctx.queue.mask_done_payloads(ctx.run_id, lambda payload: mask_payload(payload, kept))
    if masked:
        ctx.record("run.payloads_masked", items=masked)


def _close(
    ctx: RunContext, outputs: _Outputs, forced_exit: int | None, stop_reason: str | None
) -> RunOutcome:
    try:
        paths = outputs.write()
    except Exception as exc:
        fatal = as_run_fatal(exc)
        if fatal is None:
            raise
        paths, stop_reason = [], stop_reason or fatal.message
    counts = {str(k): v for k, v in ctx.queue.counts(ctx.run_id).items()}
    if forced_exit is not None:
        exit_code = forced_exit
    elif stop_reason or counts.get("pending", 0) or counts.get("leased", 0):
        exit_code = EXIT_STOPPED
    elif any(counts.get(state, 0) for state in ("business_error", "failed", "held")) or (
        outputs.not_done_elsewhere()  # rows another run holds and has not done (yet)
    ):
        exit_code = EXIT_ITEMS_FAILED
    elif problems := outputs.problems():  # a failed check or output: never "all done"
        ctx.record("run.output_problems", problems=problems)
        for problem in problems:
            ctx.log.warning(problem)
        exit_code = EXIT_ITEMS_FAILED
    else:
        exit_code = EXIT_OK
    ended = now_in(ctx.settings)
    finish_failed = outputs.failed and f"写出结果文件失败：{outputs.failed}"
    try:
        ctx.audit.seal_files(ctx.run_id, ctx.folder)
        if exit_code in (EXIT_OK, EXIT_ITEMS_FAILED):  # before run.finished: the chain ends there
            _mask_payloads(ctx, outputs.flow)
        ctx.record("run.finished", exit_code=exit_code, counts=counts, stop_reason=stop_reason,
                   **({"finish_failed": finish_failed} if finish_failed else {}))
        ctx.audit.export(ctx.run_id, ctx.folder / "audit.jsonl")
        ctx.audit.ledger_ended(ctx.run_id, counts)
        ctx.write_run_json(
            counts=counts,
            ended_at=ended.isoformat(),
            exit_code=exit_code,
            stop_reason=stop_reason,
            outputs=[str(p) for p in paths],
            **({"finish_failed": finish_failed} if finish_failed else {}),
        )
        write_run_report(
            ctx.folder,
            read_run_json(ctx.folder),
            ctx.queue.items(ctx.run_id),
            ctx.audit.events(ctx.run_id),
            audit_key=ctx.settings.audit_key_bytes(),
            input_rows=outputs.report_rows(),
            sections=outputs.report_sections(),
        )
    except Exception as exc:
        fatal = as_run_fatal(exc)
        if fatal is None:  # a bug while finishing: never "all done", and run.json says so
            exit_code = _finishing_failed(ctx, exc, exit_code)
        else:
            if exit_code != EXIT_USAGE:
                exit_code, stop_reason = EXIT_STOPPED, fatal.message
            _record_quietly(ctx, exit_code, counts, stop_reason)
    return RunOutcome(ctx.run_id, exit_code, ctx.folder, counts, stop_reason)
