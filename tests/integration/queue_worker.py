"""A worker process for the queue's multi-process tests.

Its "work" on an item inserts the item's key into `queue_test_work`, a table of the same database
outside the queue's own tables, whose key is UNIQUE: an item done twice would break it. The row
and the completion are separate transactions, as a real bot's side effect and completion are.

An item whose payload has `"block": true` stops the first worker that gets it in the middle of
the item (its row inserted but not committed), until the test kills that process. The worker
keeps its leases alive with a heartbeat thread, as the real worker does, so only a dead worker's
lease expires.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from rpa.db import engine_for, immediate_transaction
from rpa.queue.work_queue import WorkQueue

BLOCKED_SIGNAL = "blocked"  # file the blocked worker writes: "<owner> <pid>"
BLOCK_PATIENCE_SECONDS = 60  # a blocked worker nobody kills gives up, so a broken test ends

work_metadata = MetaData()
work_done = Table(
    "queue_test_work",
    work_metadata,
    Column("key", String(512), nullable=False, unique=True),
    Column("owner", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
)


def create_work_table(url: str) -> None:
    work_metadata.create_all(engine_for(url))


def work_rows(url: str) -> list[tuple[str, str, int]]:
    """(key, owner, attempt) of every committed piece of work."""
    with engine_for(url).connect() as conn:
        rows = conn.execute(select(work_done.c.key, work_done.c.owner, work_done.c.attempt))
        return [(row.key, row.owner, row.attempt) for row in rows]


class LeaseHeartbeat(threading.Thread):
    """Extends the lease of the item in hand every quarter lease, until stopped."""

    def __init__(self, queue: WorkQueue, owner: str, lease_seconds: float) -> None:
        super().__init__(name=f"heartbeat-{owner}", daemon=True)
        self.queue, self.owner, self.lease_seconds = queue, owner, lease_seconds
        self.item_id: int | None = None
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.lease_seconds / 4):
            item_id = self.item_id
            if item_id is not None:
                self.queue.heartbeat(item_id, self.owner, self.lease_seconds)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=10)


def _first_to_block(signals: Path, key: str) -> bool:
    try:
        os.close(os.open(signals / f"block-{key}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _block_until_killed(signals: Path, owner: str) -> None:
    (signals / BLOCKED_SIGNAL).write_text(f"{owner} {os.getpid()}")
    deadline = time.monotonic() + BLOCK_PATIENCE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
    raise RuntimeError(f"{owner} was blocked for {BLOCK_PATIENCE_SECONDS} s and nobody killed it")


def run_worker(url: str, run_id: str, owner: str, lease_seconds: float, signals_dir: str, start: Any) -> None:
    """Process entry point: work through the run's items, then write `<owner>.done` (a count)."""
    signals = Path(signals_dir)
    queue = WorkQueue(url)
    engine = engine_for(url)
    start.wait(timeout=60)  # a barrier: every worker starts claiming at the same moment
    heartbeat = LeaseHeartbeat(queue, owner, lease_seconds)
    heartbeat.start()
    done = 0
    try:
        while True:
            item = queue.claim(run_id=run_id, owner=owner, lease_seconds=lease_seconds)
            if item is None:
                due = queue.next_due_in(run_id)
                if due is None:
                    break
                time.sleep(min(max(due, 0.02), 0.2))
                continue
            heartbeat.item_id = item.id
            with immediate_transaction(engine) as conn:
                conn.execute(insert(work_done).values(key=item.key, owner=owner, attempt=item.attempts))
                if item.payload.get("block") and _first_to_block(signals, item.key):
                    _block_until_killed(signals, owner)
            heartbeat.item_id = None
            queue.complete(item.id, owner, {"worker": owner})
            done += 1
    finally:
        heartbeat.stop()
    (signals / f"{owner}.done").write_text(str(done))
