"""Worker processes and the item loop: each exception the handler raises is given to
`rpa.errors.outcome_for`, and the item goes where its `Disposition` says (`rpa.run.settle`
writes it; `rpa.run.claims` holds the claims and keeps their leases alive):

    handler returns            -> done
    BusinessError              -> business_error (never retried); so is an item whose payload
                                  lost its seal (edited in the database): never handed over
    NeedsPerson                -> held for a person
    ApplicationError           -> the queue's backoff, then failed; N in a row across every
                                  worker of the run opens the circuit (`rpa.run.breaker`)
      BatchWindow               -> the queue's longest backoff (a batch window lasts minutes);
                                  neither counted towards the circuit nor resetting the count
    RunFatalError, UsageError  -> the item goes back to pending, the whole run is asked to stop
                                  (a usage or configuration error makes the run exit 2, not 3)
    anything else (a bug)      -> failed at once, never retried, its traceback in run.log (masked)
    LeaseLost (from the handler or the queue)
                               -> dropped: another worker holds the item now, nothing written

The worker retries nothing itself: the queue's backoff is the only retry loop.

Workers are processes (Playwright's sync API must not cross threads), forked from a clean fork
server (`rpa.run.supervisor`) and in their own session, so a Ctrl-C reaches the supervising process
alone: it then asks the workers to finish the item in hand and stop, leaving the queue resumable.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from loguru import logger

from rpa.errors import CircuitOpen, DatabaseUnavailable, RpaError
from rpa.outcomes import item_label
from rpa.queue.work_queue import LeaseLost
from rpa.run.claims import Claims, Heartbeat, payload_changed
from rpa.run.settle import AUDITED, SETTLED, STOP, SYSTEM, LoopSummary, describe, named, settle

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkQueue
    from rpa.run.flow import ItemHandler, LooksAhead, WorkerContext
    from rpa.settings import Settings

IDLE_POLL_SECONDS = 0.25
PARENT_CHECK_SECONDS = 1.0


def process_items(
    queue: WorkQueue,
    wctx: WorkerContext,
    handler: ItemHandler,
    *,
    stop_event: threading.Event,
) -> LoopSummary:
    """Claim and handle items until none are left, the run is stopped, or `stop_event` is set.

    A handler that `LooksAhead` gets the next item (claimed one ahead, its lease kept alive with
    the current one's) before it handles the current; an item claimed ahead and not handled when
    the loop ends is given back without counting the attempt.
    """
    from rpa.run.flow import LooksAhead

    claims = Claims(queue, wctx)
    looks_ahead = handler if isinstance(handler, LooksAhead) else None
    try:
        return _loop(queue, wctx, handler, stop_event, claims, looks_ahead)
    finally:
        claims.release_ahead()


def _loop(
    queue: WorkQueue,
    wctx: WorkerContext,
    handler: ItemHandler,
    stop_event: threading.Event,
    claims: Claims,
    looks_ahead: LooksAhead | None,
) -> LoopSummary:
    from rpa.run.breaker import RunBreaker

    settings, owner, run_id = wctx.settings, wctx.owner, wctx.run_id
    summary = LoopSummary()
    breaker = RunBreaker(queue.url, run_id, settings.circuit_breaker_threshold)  # every worker's
    while not stop_event.is_set():
        if queue.stop_requested(run_id):
            break
        item = claims.next()
        if item is None:
            if queue.next_due_in(run_id) is None:  # nothing pending or leased anywhere: finished
                break
            stop_event.wait(IDLE_POLL_SECONDS)
            continue
        if not queue.payload_sound(item):  # edited in the database: never reaches the bot
            settle(queue, wctx, item, payload_changed(item), summary)
            continue
        leases = [item.id]
        if looks_ahead is not None:
            ahead = claims.claim_ahead()
            leases += [ahead.id] if ahead is not None else []
            # an edited one is refused when its turn comes, never prepared ahead
            looks_ahead.look_ahead(ahead if ahead is None or queue.payload_sound(ahead) else None)
        try:
            with Heartbeat(queue, leases, owner, settings):
                result = handler(item)
        except Exception as exc:
            outcome = settle(queue, wctx, item, exc, summary)
            if outcome is STOP:
                break
            # a lost lease or a batch window says nothing of the portal
            tripped = breaker.failed(summary.last_error) if outcome is SYSTEM else None
            if outcome is SETTLED:
                breaker.succeeded()
            if tripped is not None:
                opened = CircuitOpen(
                    # no advice here: what to type depends on what is left (`stopped_advice`,
                    # the alert's), and said beside it it contradicted that (tester AS, 2026-12-07)
                    f"所有工作进程连续 {tripped} 项出现系统错误（RPA_CIRCUIT_BREAKER_THRESHOLD），"
                    f"运行已暂停，请排除故障；最后一项：{summary.last_error}"
                )
                queue.request_stop(run_id, opened.code, opened.message)
                wctx.record("run.fatal", None, code=opened.code, message=opened.message)
                summary.fatal = opened.message
                break
        else:
            try:
                queue.complete(item.id, owner, result)
            except LeaseLost as exc:  # the lease went while the handler worked
                settle(queue, wctx, item, exc, summary)
                continue
            wctx.record("item.done", item, result_hmac=wctx.audit.keyed_digest(result),
                        **{k: v for k, v in result.items() if k in AUDITED})
            wctx.log.info(f"{named(item)}：{item_label('done', result)}")  # its 备案编号: result.xlsx
            summary.done += 1
            breaker.succeeded()
    return summary


def _watch_parent(stop_event: threading.Event) -> None:
    """Stop after the item in hand when the supervisor dies (a killed run must not go on unseen).

    The supervisor is the process that started this worker, not its parent (the fork server
    that forked it outlives the supervisor while workers live): multiprocessing gives every
    child a sentinel that becomes ready when the process that started it is gone."""
    supervisor = multiprocessing.parent_process()
    if supervisor is None:  # not started by multiprocessing: nobody to watch
        return
    sentinel = supervisor.sentinel

    def watch() -> None:
        while not stop_event.is_set():
            if wait([sentinel], timeout=PARENT_CHECK_SECONDS):
                stop_event.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _setup_failed(queue: WorkQueue, wctx: WorkerContext, exc: Exception) -> None:
    """The worker could not start working (or its loop raised). A system error (the portal down
    at login) ends this worker with exit 1 and the supervisor starts another while items are
    open; anything else would meet every new worker the same way, so the whole run stops now:
    a configuration error with exit 2, a run-fatal error or a bug with exit 3."""
    disposition, message = describe(exc)
    log, owner = wctx.log, wctx.owner
    if isinstance(exc, DatabaseUnavailable):
        # nothing can be written (no stop request either): the supervisor meets the same outage
        # and stops the run with exit 3; the leases of the items in hand expire for the resume
        log.error(f"工作进程 {owner} 停止：{message}")
        raise SystemExit(3) from None
    if disposition.retry:
        wctx.record("worker.failed", None, code=disposition.code, message=message)
        log.error(f"工作进程 {owner} 启动失败（{disposition.code}）：{message}")
        raise SystemExit(1) from None
    if disposition.keep_traceback:
        log.opt(exception=exc).error(f"工作进程 {owner} 遇到程序错误，整个运行停止：{message}")
        message = (f"程序错误（{type(exc).__name__}），运行已停止："
                   "请把 run.log 交给维护人员，修复后可用 --resume 继续")
    else:
        log.error(f"工作进程 {owner}：运行级错误，整个运行停止：{message}")
    queue.request_stop(wctx.run_id, disposition.stop_code(), message)
    wctx.record("run.fatal", None, code=disposition.code, message=message)


def worker_main(
    flow_name: str,
    flow_params: dict[str, Any],
    run_id: str,
    worker_index: int,
    settings: Settings,
    params: dict[str, Any],
    worker_secrets: dict[str, str] | None = None,
    environment: dict[str, str] | None = None,
) -> None:
    """Entry point of a worker process: own session, own engine, own browser. `environment` is
    the supervisor's when it started this worker (the fork server's may be older)."""
    os.setsid()  # Ctrl-C in the terminal reaches the supervisor only
    if environment is not None:
        os.environ.clear()
        os.environ.update(environment)
        time.tzset()
    from rpa.audit.log import AuditLog
    from rpa.db import expect_outages
    from rpa.input_files import apply_input_limits
    from rpa.logs import add_run_log, configure_logging
    from rpa.masking import register_secret
    from rpa.queue.work_queue import WorkQueue
    from rpa.run.flow import WorkerContext, load_flow
    from rpa.run.operator_leases import take_operator
    from rpa.run.safeguards import kept_by_run
    from rpa.run.scratch import remove_scratch, worker_scratch

    expect_outages()  # started by a run that reached the database: a restart now is an outage
    stop_event = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: stop_event.set())
    _watch_parent(stop_event)

    folder = settings.runs_dir / run_id
    configure_logging(console=False, run_id=run_id)
    add_run_log(folder / "run.log", zone=ZoneInfo(settings.timezone))
    owner = f"{settings.host_id}:{os.getpid()}:w{worker_index}"  # on every claim and audit event
    log = logger.bind(run_id=run_id, worker=owner)

    apply_input_limits(settings)
    flow = load_flow(flow_name, flow_params)
    operator, lease = None, None
    queue = WorkQueue.from_settings(settings)
    if flow.portal is not None:
        try:
            operators = flow.operators(settings)  # never one the portal refused before
            if operators:  # leased: no other run or host logs in as it meanwhile
                lease = take_operator(
                    settings, queue, portal=flow.portal, operators=operators, holder=owner, run_id=run_id,
                    worker_index=worker_index, stop=stop_event,
                    on_wait=lambda: log.info(f"工作进程 {owner}：操作员均在使用中，等待空闲操作员"),
                )  # fmt: skip
                if lease is None:
                    log.info(f"工作进程 {owner}：未等到空闲操作员，已无待办事项，结束")
                    return
                operator = lease.operator
                register_secret(operator.password.get_secret_value())
        except RpaError as exc:
            disposition, message = describe(exc)
            queue.request_stop(run_id, disposition.stop_code(), message)
            log.error(f"工作进程 {owner}：运行级错误，整个运行停止：{message}")
            return
    audit = AuditLog.from_settings(settings)
    wctx = WorkerContext(
        run_id=run_id,
        flow=flow_name,
        worker_index=worker_index,
        owner=owner,
        settings=settings,
        folder=folder,
        audit=audit,
        log=log,
        params=params,
        operator=operator,
        extras={"secrets": dict(worker_secrets or {})},
        queue=queue,
        payload_not_personal=flow.payload_not_personal,
    )
    for value in (worker_secrets or {}).values():
        register_secret(value)
    log.info(f"工作进程 {owner} 已启动")
    scratch = worker_scratch(settings.runs_dir)  # the browser's temporary files, not in /tmp
    try:
        wctx.settings = kept_by_run(settings, params, audit, run_id).settings  # as the run keeps them
        with flow.open_worker(wctx) as handler:
            summary = process_items(queue, wctx, handler, stop_event=stop_event)
    except Exception as exc:
        _setup_failed(queue, wctx, exc)
        return
    finally:
        remove_scratch(scratch)
        if lease is not None:
            lease.give_back()
    log.info(
        f"工作进程 {owner} 结束：已完成 {summary.done}，业务错误 {summary.business_errors}，"
        f"需人工处理 {summary.held}，待复核 {summary.awaiting}，重试 {summary.retried}，"
        f"失败 {summary.failed}，租约失效 {summary.lease_lost}"
    )
