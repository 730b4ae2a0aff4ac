"""The supervising process of a run: starts worker processes, keeps them alive, shows progress,
and asks them to stop gracefully on SIGINT/SIGTERM or when the run is stopped.

Workers are forked from multiprocessing's fork server (`rpa.run.worker_server`), a clean
single-threaded process that imported the engine, the flows and Playwright once. A worker is as
fresh as a spawned one: no thread, browser or connection of this process reaches it, and it
takes this process's environment as it is when the worker starts (`worker_main`).

Workers are known by pid *and* process start time (`rpa.run.processes`), not by what the fork
server says: multiprocessing learns that a forked worker ended through a pipe from the fork
server, so a killed fork server makes every live worker look ended. A worker that looks ended
but still runs is an orphan of a dead fork server: it is asked to stop after the item in hand
(SIGTERM) and its place is given to a new worker (from a new fork server) only once it is gone,
so no more workers than asked for ever hold the operators' sessions at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

from rpa.errors import DatabaseUnavailable
from rpa.queue.tallies import LiveWords
from rpa.run.processes import is_running, start_time
from rpa.run.runs import RunContext
from rpa.run.scratch import sweep_scratch
from rpa.run.worker import worker_main
from rpa.run.worker_server import worker_processes

SUPERVISE_POLL_SECONDS = 0.3
WORKERS_FAILED_TEXT = ("工作进程接连启动失败（原因见 run.log，常见的是门户无法访问），本次运行暂停；"
                       "查明原因后可用 --resume 续跑")
WORKER_STOP_SECONDS = 60.0  # how long a run that cannot reach its database waits for its workers
# counts by state; of the held, 待复核; of the business errors, by their rows' word (门户拒绝...)
ProgressCallback = Callable[[dict[str, int], int, dict[str, int]], None]
@dataclass
class _Worker:
    """One started worker: its multiprocessing handle, and its pid with its start time."""

    index: int
    proc: BaseProcess
    pid: int
    started: str | None
    asked_to_stop: bool = False

    def running(self) -> bool:
        """This very process still runs (whatever its fork server, alive or not, says)."""
        return is_running(self.pid, self.started)

    def stop_gently(self) -> None:
        """SIGTERM: the worker finishes the item in hand, then stops. Only to this process."""
        if not self.asked_to_stop and self.running():
            self.asked_to_stop = True
            _terminate_gently(self.pid)


@dataclass
class PoolResult:
    stop_reason: str | None
    stop_code: str | None
    drained: bool
    crashed_workers: int


def run_pool(
    ctx: RunContext,
    flow_name: str,
    flow_params: dict[str, Any],
    workers: int,
    *,
    stop_event: threading.Event,
    on_progress: ProgressCallback | None = None,
    on_settled: Callable[[], None] | None = None,
) -> PoolResult:
    """Run `workers` worker processes over the run's items until none is open or the run stops.

    `on_settled` is called once, in this process, when no item is left open and nothing stops
    the run while workers still wind down (log out, close their browsers), so that outputs can be
    written meanwhile."""
    processes = worker_processes()
    for folder in sweep_scratch(ctx.settings.runs_dir):  # what killed workers left
        ctx.log.info(f"已删除一个已不在的工作进程留下的临时文件：{folder.name}")
    procs: dict[int, _Worker] = {}
    orphans: dict[int, _Worker] = {}  # workers of a dead fork server, asked to stop
    crashed = 0
    restart_budget = max(3, workers * 3)
    terminating = False

    def start(index: int) -> None:
        proc = processes.Process(
            target=worker_main,
            args=(flow_name, flow_params, ctx.run_id, index, ctx.settings, ctx.params, ctx.worker_secrets),
            kwargs={"environment": dict(os.environ)},
            name=f"rpa-worker-{index}",
            daemon=False,
        )
        proc.start()
        assert proc.pid is not None
        procs[index] = _Worker(index, proc, proc.pid, start_time(proc.pid))

    for index in range(workers):
        start(index)
    words_of = LiveWords(ctx.queue, ctx.run_id)
    while True:
        for index, worker in list(procs.items()):
            if worker.proc.is_alive():
                continue
            worker.proc.join()
            del procs[index]
            if worker.running():  # its fork server is gone, the worker is not
                orphans[index] = worker
                ctx.log.warning(
                    f"派生工作进程的服务进程已退出，工作进程 w{index}（pid {worker.pid}）仍在运行："
                    "请它处理完手头事项后停止，停止后再启动新的工作进程"
                )
                worker.stop_gently()
            elif worker.proc.exitcode not in (0, None):
                crashed += 1
                ctx.log.warning(f"工作进程 w{index} 异常结束，退出码 {worker.proc.exitcode}")
        for index, worker in list(orphans.items()):
            if not worker.running():
                del orphans[index]
                ctx.log.info(f"工作进程 w{index}（pid {worker.pid}）已停止")
        try:
            stop = ctx.queue.stop_requested(ctx.run_id)
            states = ctx.queue.counts(ctx.run_id)
            counts = {str(k): v for k, v in states.items()}
            awaiting, ended = words_of(states) if on_progress else (0, {})
        except DatabaseUnavailable:  # waited out RPA_DB_OUTAGE_SECONDS: the run stops (exit 3)
            _stop_and_wait([*procs.values(), *orphans.values()])
            raise
        if on_progress is not None:
            on_progress(counts, awaiting, ended)
        open_items = counts.get("pending", 0) + counts.get("leased", 0)
        if stop_event.is_set() and not terminating:
            terminating = True
            ctx.log.warning("收到停止请求：工作进程办完手头的事项后停止")
            for worker in [*procs.values(), *orphans.values()]:
                worker.stop_gently()
        if not procs and not orphans and (stop or terminating or open_items == 0):
            break
        if on_settled is not None and open_items == 0 and not stop and not terminating:
            on_settled()
            on_settled = None
        if not stop and not terminating and open_items > 0:
            for index in range(workers):
                # an orphan still holds its index (its operator's session) until it is gone
                if index not in procs and index not in orphans and restart_budget > 0:
                    restart_budget -= 1
                    ctx.log.info(f"启动工作进程 w{index}")
                    start(index)
            if not procs and not orphans:
                # this host's workers only: workers on other hosts go on (no stop request)
                ctx.log.error(WORKERS_FAILED_TEXT)
                break
        # wakes at once when a worker ends (the run's end no longer waits out a poll); an
        # orphan has no sentinel, so it is looked at every poll
        wait([worker.proc.sentinel for worker in procs.values()], timeout=SUPERVISE_POLL_SECONDS)
    stop = ctx.queue.stop_requested(ctx.run_id)
    return PoolResult(stop_reason=stop[1] if stop else None, stop_code=stop[0] if stop else None,
                      drained=terminating, crashed_workers=crashed)


def _stop_and_wait(workers: list[_Worker], timeout: float = WORKER_STOP_SECONDS) -> None:
    """Ask every worker to stop after the item in hand, and wait (bounded) until they have."""
    for worker in workers:
        worker.stop_gently()
    for worker in workers:
        worker.proc.join(timeout=timeout)


def _terminate_gently(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.kill(pid, signal.SIGTERM)
