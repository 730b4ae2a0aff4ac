"""The fork server workers are started from, kept light to import.

multiprocessing's fork server is a clean single-threaded process that imports the engine, the
flows and Playwright once (`PRELOADED`); each worker forked from it starts without importing them
again (about 1 s of CPU each). `start_worker_server()` starts it as soon as a run's settings are
known good, so its imports overlap the engine's own and the run's preparation; a command refused
for its settings starts no server. This module imports only the flows' names, so a command that
is refused early has not paid for the engine's imports.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from multiprocessing.context import ForkServerContext

from rpa.run.flow import FLOWS

# what every worker imports: the program that started the run, the engine, the flows, Playwright
PRELOADED = (
    "__main__",
    "rpa.run.worker",
    "rpa.run.flow",
    "rpa.audit.log",
    "rpa.queue.work_queue",
    "rpa.logs",
    "rpa.browser.session",
    *(target.partition(":")[0] for target in FLOWS.values()),
    "playwright.sync_api",
)


def worker_processes() -> ForkServerContext:
    """The multiprocessing context workers are started with."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOADED))
    return context


def start_worker_server() -> None:
    """Start the fork server now (a no-op when it runs): it imports while the run prepares."""
    worker_processes()
    multiprocessing.forkserver.ensure_running()
