"""Resume a run after a person's work on its rows (rpa.casework.actions): it files what was put
back to pending and refreshes result.xlsx, report.html, run.json and the ledger.

    >>> resume_run(settings, run_id, actor="wang.jb")       # blocks until the run has ended
    0
    python -m rpa.casework.resume RUN_ID ACTOR               # the console starts it this way

A run still running files the items itself and is not resumed (`is_live`). A row put back
while a resume was already past its workers would wait with nobody to work it: so when the run
ends (exit 0 or 1) with items pending, it is resumed again, at most `ROUNDS` times in all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpa.settings import Settings

ROUNDS = 3


def is_live(settings: Settings, run_id: str) -> bool:
    """True while the run is running on this host (it files pending items itself)."""
    from rpa.run.owners import RunOwners

    return RunOwners.from_settings(settings).state(run_id) == "running"


def left_to_workers(settings: Settings, run_id: str) -> bool:
    """True for an `--enqueue-only` run whose items still wait for `rpa worker`: a case action's
    resume would file them from the person's own terminal with this host's operator (tester BM
    F14, 2026-12-08: a checker's approval of a hand filing filed the run's other rows)."""
    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import ItemState, WorkQueue

    counts = WorkQueue.from_settings(settings).counts(run_id)
    if not (counts[ItemState.PENDING] or counts[ItemState.LEASED]):
        return False
    events = AuditLog.from_settings(settings).events(run_id)
    return any(event.event == "run.enqueued_only" for event in events)


def resume_run(settings: Settings, run_id: str, actor: str) -> int:
    """Resume the run (its flow and parameters as run.json has them); its exit code."""
    from rpa.queue.work_queue import ItemState, WorkQueue
    from rpa.run.orchestrate import execute_run
    from rpa.run.runs import read_run_json, run_folder

    flow = str(read_run_json(run_folder(settings, run_id)).get("flow", ""))
    queue = WorkQueue.from_settings(settings)
    code = 0
    for _ in range(ROUNDS):
        code = execute_run(settings, flow, {}, trigger=f"cases:{actor}", resume=run_id).exit_code
        if code not in (0, 1) or not queue.counts(run_id)[ItemState.PENDING]:
            break
    return code


def main(argv: list[str]) -> int:
    import os

    from rpa.errors import outcome_for
    from rpa.input_files import apply_input_limits
    from rpa.logs import configure_logging
    from rpa.settings import load_settings

    os.umask(os.umask(0o077) | 0o077)  # owner-only, as every `rpa` process
    run_id, actor = argv[0], argv[1]
    configure_logging(level="WARNING")
    try:
        settings = load_settings()
        apply_input_limits(settings)
        return resume_run(settings, run_id, actor)
    except Exception as exc:  # the run could not resume or stopped on a bug: the exit code says which
        print(f"运行 {run_id} 未能续跑：{type(exc).__name__}", file=sys.stderr)
        return outcome_for(exc).exit_code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
