"""Four processes append to one run's audit chain at once: one order, no gaps, and it verifies.

Runs on a SQLite file (WAL, BEGIN IMMEDIATE) and on PostgreSQL (the chain head row locked
with SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from rpa.audit.log import AuditLog

KEY = b"integration-audit-key-0123456789"
PROCESSES = 4
EVENTS_EACH = 50
OUTSIDE_EVERY = 10
RUN_ID = "R-concurrent"


def _append_events(url: str, worker: int, start_together: Barrier) -> None:
    """One process: its own engine, then EVENTS_EACH run events and a few outside any run."""
    log = AuditLog(url, KEY)
    # all four pass the barrier (or it breaks and the process fails) before anyone appends
    start_together.wait(timeout=120)
    for n in range(EVENTS_EACH):
        log.append(RUN_ID, f"worker-{worker}", "item_done", item_key=f"{worker}:{n}", details={"n": n})
        if n % OUTSIDE_EVERY == 0:
            log.append(None, f"worker-{worker}", "heartbeat", details={"n": n})


def test_four_processes_appending_at_once_keep_one_verified_chain(db_url: str, tmp_path: Path) -> None:
    log = AuditLog(db_url, KEY)
    log.create_schema()
    spawn = multiprocessing.get_context("spawn")
    start_together = spawn.Barrier(PROCESSES)
    workers = [
        spawn.Process(target=_append_events, args=(db_url, worker, start_together))
        for worker in range(PROCESSES)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=240)
    assert [process.exitcode for process in workers] == [0] * PROCESSES

    events = log.events(RUN_ID)
    total = PROCESSES * EVENTS_EACH
    assert [event.seq for event in events] == list(range(1, total + 1))
    for worker in range(PROCESSES):
        own = [event.details["n"] for event in events if event.actor == f"worker-{worker}"]
        assert own == list(range(EVENTS_EACH)), "a process's events must keep its own order"

    result = log.verify(RUN_ID)
    assert result.ok and result.checked == total, str(result)
    outside = log.verify(None)
    assert outside.ok and outside.checked == PROCESSES * (EVENTS_EACH // OUTSIDE_EVERY), str(outside)

    exported = log.export(RUN_ID, tmp_path / "runs" / RUN_ID / "audit.jsonl")
    assert len(exported.read_text(encoding="utf-8").splitlines()) == total
    assert log.verify_export(exported).ok
