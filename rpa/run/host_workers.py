"""This host's workers for every run of one flow, until stopped: what `rpa worker --flow F` runs.

    exit_code = serve_flow(settings, "account-filing", workers=2, stop_event=event)

Runs are made elsewhere (`rpa run F --enqueue-only`, the scheduler, or a run on another host
that these workers join); their items wait in the shared queue and their folders in the shared
run store (`rpa.run.run_store`). The oldest run with an open item is worked first, by the same
worker processes a run's own supervisor starts (`rpa.run.supervisor.run_pool`), with the run's
parameters as its run.json records them; a run that was asked to stop is left alone until it is
resumed. SIGTERM or SIGINT asks the workers to finish the item in hand and stop, so nothing stays
leased, and the command ends with exit 0. A run's outputs (result.xlsx, report.html) are written
by resuming it (`rpa run F --resume RUN`) once its items are done: they are built from the
database and the store, on whichever host.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from loguru import logger

from rpa.audit.log import AuditLog
from rpa.db import expect_outages
from rpa.errors import EXIT_OK, UsageError
from rpa.logs import add_run_log
from rpa.queue.work_queue import WorkQueue
from rpa.run.flow import load_flow
from rpa.run.run_store import check_run_store
from rpa.run.runs import RunContext, now_in, read_run_json, run_folder
from rpa.run.safeguards import at_start, kept_by_run
from rpa.run.supervisor import run_pool
from rpa.run.worker_server import start_worker_server

if TYPE_CHECKING:
    from rpa.settings import Settings

IDLE_POLL_SECONDS = 2.0  # how often an idle host looks for a run with open items
# the flows whose workers need nothing but the queue, the run store and their portal
SHARED_FLOWS = frozenset({"account-filing", "enterprise-check", "report-extraction"})


@contextmanager
def stop_on_signals(stop_event: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop_event` (the workers then finish the item in hand)."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda _signum, _frame: stop_event.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def next_run(queue: WorkQueue, flow: str) -> str | None:
    """The run of `flow` to work now: the oldest with an open item and no stop request."""
    return next((run for run in queue.runs_with_open_items(flow) if not queue.stop_requested(run)), None)


def serve_flow(
    settings: Settings,
    flow: str,
    *,
    workers: int,
    stop_event: threading.Event,
    on_run: Callable[[str], None] | None = None,
) -> int:
    """Work the flow's runs on this host until `stop_event` is set; the exit code (0)."""
    if flow not in SHARED_FLOWS:
        raise UsageError(
            f"rpa worker 不办理流程 {flow!r}：可选 {'、'.join(sorted(SHARED_FLOWS))}"
            "（smoke 的本地网站随它自己的运行进程启动）"
        )
    expect_outages()  # a long-lived service: a database not up yet is waited for, then exit 3
    start_worker_server()
    queue = WorkQueue.from_settings(settings)
    audit = AuditLog.from_settings(settings)
    queue.create_schema()
    audit.create_schema()
    check_run_store(settings)
    log = logger.bind(host=settings.host_id)
    log.info(f"主机 {settings.host_id}：{flow} 的工作进程待命（每次最多 {workers} 个）")
    while not stop_event.is_set():
        run_id = next_run(queue, flow)
        if run_id is None:
            stop_event.wait(IDLE_POLL_SECONDS)
            continue
        if on_run is not None:
            on_run(run_id)
        _work_run(settings, queue, audit, run_id, workers, stop_event)
        # the run may still have open items (leased by another host, or its workers kept failing
        # to start): look again after a pause, never in a tight loop of browsers and logins
        stop_event.wait(IDLE_POLL_SECONDS)
    log.info(f"主机 {settings.host_id}：已停止，手头事项均已办完或交回")
    return EXIT_OK


def _work_run(
    settings: Settings, queue: WorkQueue, audit: AuditLog, run_id: str, workers: int,
    stop_event: threading.Event,
) -> None:
    """This host's workers on one run, until it has nothing open or the host is stopped."""
    folder = run_folder(settings, run_id)  # in the shared run store
    info = read_run_json(folder)
    params = info.get("parameters", {})
    flow_params = params.get("flow_params", {})
    kept = kept_by_run(settings, params, audit, run_id)  # the run's safeguards, whatever this host says
    ctx = RunContext(
        run_id=run_id,
        flow=str(info.get("flow")),
        folder=folder,
        settings=kept.settings,
        queue=queue,
        audit=audit,
        log=logger.bind(run_id=run_id),
        trigger=f"worker:{settings.host_id}",
        params=params,
        started_at=now_in(settings),
    )
    sink = add_run_log(folder / "run.log", run_id=run_id, zone=ZoneInfo(settings.timezone))
    try:
        count = load_flow(ctx.flow, flow_params).worker_count(ctx, workers)
        if count == 0:
            return
        ctx.record("host.joined", host=settings.host_id, workers=count, safeguards=at_start(kept.settings),
                   safeguards_kept=kept.applied)
        ctx.log.info(f"主机 {settings.host_id} 以 {count} 个工作进程加入运行 {run_id}")
        for notice in kept.notices:
            ctx.log.warning(notice)
        pool = run_pool(ctx, ctx.flow, flow_params, count, stop_event=stop_event)
        ctx.record("host.left", host=settings.host_id, stopped=pool.drained)
        if pool.stop_reason:
            ctx.log.warning(f"运行 {run_id} 已停止：{pool.stop_reason}")
    finally:
        logger.remove(sink)
