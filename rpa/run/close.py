"""The end of a run: its exit code from the queue's counts and the outputs, the audit chain
sealed, run.json and report.html written, the SHA-256 of every output recorded in the chain
(`outputs.written`), the chain exported and its head put in the run ledger; a bug or an
interrupt ends it as stopped, and a failure while finishing is never "all done"; a database
that stayed away ends it as stopped in run.json alone (`close_without_database`)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.exc import SQLAlchemyError

from rpa.disk import as_run_fatal
from rpa.errors import EXIT_ITEMS_FAILED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, DatabaseUnavailable, RpaError
from rpa.masking import mask_payload, scrub_text
from rpa.outcomes import ended_as
from rpa.run.flow import Flow
from rpa.run.joined_hosts import wait_for_joined_hosts
from rpa.run.late_outcomes import record_late_outcomes
from rpa.run.outputs import RunOutputs
from rpa.run.report import REPORT_FILE, write_run_report
from rpa.run.report_inputs import held_elsewhere
from rpa.run.runs import RunContext, RunOutcome, now_in, read_run_json


def close_run(
    ctx: RunContext, outputs: RunOutputs, forced_exit: int | None, stop_reason: str | None
) -> RunOutcome:
    """Write the outputs, decide the exit code, seal the audit chain, write run.json and
    report.html; returns the run's outcome."""
    try:
        paths = outputs.write()
    except Exception as exc:
        fatal = as_run_fatal(exc)
        if fatal is None:
            raise
        paths, stop_reason = [], stop_reason or fatal.message
    counts = {str(k): v for k, v in ctx.queue.counts(ctx.run_id).items()}
    problems = outputs.problems()  # told whatever became of the items
    if problems:
        ctx.record("run.output_problems", problems=problems)
        for problem in problems:
            ctx.log.warning(problem)
    if forced_exit is not None:
        exit_code = forced_exit
    elif stop_reason or counts.get("pending", 0) or counts.get("leased", 0):
        exit_code = EXIT_STOPPED
    elif any(counts.get(state, 0) for state in ("business_error", "failed", "held")) or (
        outputs.not_done_elsewhere()  # rows another run holds and has not done (yet)
    ) or problems:  # a failed check or output: never "all done"
        exit_code = EXIT_ITEMS_FAILED
    else:
        exit_code = EXIT_OK
    ended = now_in(ctx.settings)
    finish_failed = outputs.failed and f"写出结果文件失败：{outputs.failed}"
    try:
        wait_for_joined_hosts(ctx)  # their last events belong before run.finished
        record_late_outcomes(ctx)  # ended in the queue, their events kept out by an outage
        ctx.audit.seal_files(ctx.run_id, ctx.folder)
        if exit_code in (EXIT_OK, EXIT_ITEMS_FAILED):  # before run.finished: the chain ends there
            _mask_payloads(ctx, outputs.flow)
        rows = outputs.report_rows()
        # rows put aside while validating are no items: run.json names them for `rpa runs list`,
        # as the chain does (`rpa audit verify`: tester BM F20, an emptied `aside` went unseen)
        aside = Counter(row.outcome for row in rows or () if row.outcome in ("invalid", "needs_person"))
        ctx.record("run.finished", exit_code=exit_code, counts=counts, stop_reason=stop_reason,
                   aside=dict(aside), **({"finish_failed": finish_failed} if finish_failed else {}))
        elsewhere = held_elsewhere(rows or [], ctx.run_id)  # in no count of this run's items
        own = ctx.queue.items(ctx.run_id)  # held for a checker: this run's (another run's rows are not)
        awaiting = ctx.queue.awaiting_checker(ctx.run_id)
        words = ended_as(i.result for i in own if i.state == "business_error")  # 门户拒绝, 复核退回 (AI, AK)
        try:
            ctx.write_run_json(
                counts=counts,
                aside=dict(aside),
                **({"elsewhere": elsewhere} if elsewhere else {}),
                awaiting_approval=awaiting,
                ended_as=words,
                ended_at=ended.isoformat(),
                exit_code=exit_code,
                stop_reason=stop_reason,
                outputs=[str(p) for p in [*paths, ctx.folder / REPORT_FILE]],
                **({"finish_failed": finish_failed} if finish_failed else {}),
            )
            write_run_report(
                ctx.folder,
                read_run_json(ctx.folder),
                own,
                ctx.audit.events(ctx.run_id),
                audit_key=ctx.settings.audit_key_bytes(),
                input_rows=rows,
                sections=outputs.report_sections(),
            )
        finally:  # the outputs as written (the last record counts), then the chain's end
            ctx.audit.record_outputs(ctx.run_id, ctx.folder, [*paths, ctx.folder / REPORT_FILE])
            ctx.audit.export(ctx.run_id, ctx.folder / "audit.jsonl")
            ctx.audit.ledger_ended(ctx.run_id, counts)
    except Exception as exc:
        fatal = as_run_fatal(exc)
        if fatal is None:  # a bug while finishing: never "all done", and run.json says so
            exit_code = _finishing_failed(ctx, exc, exit_code)
        else:
            if exit_code != EXIT_USAGE:
                exit_code, stop_reason = EXIT_STOPPED, fatal.message
            _record_quietly(ctx, exit_code, counts, stop_reason)
    return RunOutcome(ctx.run_id, exit_code, ctx.folder, counts, stop_reason)



def close_refused_resume(ctx: RunContext, message: str) -> RunOutcome:
    """A resume refused (exit 2: an input changed since the run read it, a setting) ends with
    the run as it was: run.json keeps its earlier end (exit code, end time, counts and the stop
    reason its last `run.finished` holds) and its resume entry says it was refused; the chain
    keeps `run.resumed` and `run.refused` (no `run.finished`: nothing ended anew), exported and
    its head put in the ledger as at any end. The outputs are not written again."""
    finished = ctx.audit.last_details(ctx.run_id, "run.finished") or {}
    run = read_run_json(ctx.folder)
    resumes = list(run.get("resumes") or [])
    if resumes and isinstance(resumes[-1], dict):
        resumes[-1] = {**resumes[-1], "refused": message}
    extra = {"stop_reason": finished["stop_reason"]} if finished.get("stop_reason") else {}
    ctx.write_run_json(resumes=resumes, **extra)
    counts = {str(k): v for k, v in ctx.queue.counts(ctx.run_id).items()}
    ctx.audit.export(ctx.run_id, ctx.folder / "audit.jsonl")
    ctx.audit.ledger_ended(ctx.run_id, counts)
    return RunOutcome(ctx.run_id, EXIT_USAGE, ctx.folder, counts, message)


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



def close_after_bug(ctx: RunContext, exc: BaseException) -> None:
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


def close_without_database(ctx: RunContext, exc: DatabaseUnavailable) -> RunOutcome:
    """The database stayed away past RPA_DB_OUTAGE_SECONDS: run.json (on disk, not in the
    database) says the run stopped with exit 3 and why; resuming it once the database is back
    finishes the items and writes the outputs."""
    reason = scrub_text(exc.message)
    ctx.log.error(reason)
    try:
        ctx.write_run_json(ended_at=now_in(ctx.settings).isoformat(), exit_code=EXIT_STOPPED,
                           stop_reason=reason)
    except (RpaError, OSError) as failure:
        ctx.log.error(f"无法把本次运行记为已停止（{type(failure).__name__}）")
    return RunOutcome(ctx.run_id, EXIT_STOPPED, ctx.folder, {}, reason)
