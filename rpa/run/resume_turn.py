"""One resume of a run at a time, on every host that shares the runs folder.

    with resume_turn(settings, run_id):     # waits while another process resumes the run
        ctx = open_run(settings, flow, params, trigger=..., resume=run_id)
        ...

Two checkers approving two rows of one run at the same moment each resumed it: both read
run.json's resumes, each wrote its own list back, and one resume was lost from run.json while
the chain kept both, so `rpa audit verify` reported result.xlsx short until the next resume
(tester BM F13, 2026-12-08). The turn is an exclusive `flock` on the run folder's `resume.lock`,
held from before the resume reads run.json until the run is marked ended; a process that dies
(kill -9) lets it go. A run id that names no run takes no turn: `open_run` refuses it in words.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from loguru import logger

from rpa.errors import UsageError
from rpa.run.runs import run_folder

if TYPE_CHECKING:
    from rpa.settings import Settings

RESUME_LOCK = "resume.lock"


@contextmanager
def resume_turn(settings: Settings, run_id: str | None) -> Iterator[None]:
    """Hold the run's resume turn for the block (nothing for a new run or an unknown id)."""
    try:
        folder = run_folder(settings, run_id) if run_id else None
    except UsageError:
        folder = None
    if folder is None:
        yield
        return
    with (folder / RESUME_LOCK).open("a") as lock:  # released when the file closes
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("运行 {} 正由另一进程续跑：等它结束后再续跑本运行", run_id)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield
