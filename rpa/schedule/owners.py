"""Scheduler processes in the database: their heartbeat (the lease of the fires they own) and the
jobs they have seen.

    owners = OwnerTable(db_url, owner=fires.owner)
    with Heartbeat(owners, role="daemon", every=30.0):   # beats now, then every 30 s
        ...                                               # fires run under this process's lease
    owners.newest_beat("daemon")                          # `rpa schedule check`

A fire's owner renews its lease by writing `beat_at`; `rpa.schedule.fires` counts a fire whose
owner stopped beating for a whole lease as abandoned. `first_seen` is when a scheduler first saw
a job: a job never run has no missed fires from before then (a new database, a new job).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from types import TracebackType

from loguru import logger
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from rpa.db import engine_for, immediate_transaction
from rpa.queue.schema import insert_or_ignore
from rpa.schedule.fire_rows import create_tables, jobs_seen, metadata, owners

FORGET_AFTER = timedelta(days=31)


class OwnerTable:
    """One scheduler process's row in `schedule_owners`, and the jobs' first sighting."""

    def __init__(self, db_url: str, *, owner: str, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine_for(db_url)
        self.owner = owner
        self._clock = clock or (lambda: datetime.now(UTC))
        create_tables(self.engine, metadata)

    def beat(self, role: str) -> datetime:
        """Write this process's heartbeat (and its row, the first time); returns the time written."""
        now = self._clock()
        with immediate_transaction(self.engine) as conn:
            conn.execute(insert_or_ignore(conn.dialect.name, owners, "owner").values(
                owner=self.owner, role=role, started_at=now, beat_at=now,
            ))
            conn.execute(
                update(owners).where(owners.c.owner == self.owner).values(beat_at=now, stopped_at=None)
            )
        return now

    def stopped(self) -> None:
        """This process stops: the fires it still owns are not waited for."""
        with immediate_transaction(self.engine) as conn:
            conn.execute(update(owners).where(owners.c.owner == self.owner).values(stopped_at=self._clock()))

    def newest_beat(self, role: str) -> datetime | None:
        """The latest heartbeat any process of `role` wrote, or None if none ever did."""
        with self.engine.connect() as conn:
            newest: datetime | None = conn.execute(
                select(func.max(owners.c.beat_at)).where(owners.c.role == role)
            ).scalar()
        return newest

    def see_jobs(self, job_ids: Iterable[str]) -> dict[str, datetime]:
        """Note the jobs a scheduler starts with (first time only); returns when each was first
        seen. Rows of processes silent for a month go (their fires were long taken over)."""
        now = self._clock()
        ids = list(job_ids)
        with immediate_transaction(self.engine) as conn:
            conn.execute(delete(owners).where(owners.c.beat_at < now - FORGET_AFTER))
            for job_id in ids:
                conn.execute(insert_or_ignore(conn.dialect.name, jobs_seen, "job_id").values(
                    job_id=job_id, first_seen_at=now,
                ))
            rows = conn.execute(select(jobs_seen).where(jobs_seen.c.job_id.in_(ids))).all()
        return {row.job_id: row.first_seen_at for row in rows}


class Heartbeat:
    """A thread that writes the process's heartbeat every `every` seconds while in the `with`
    block (the first one before the block starts). A failed write is logged and tried again at
    the next beat: the lease lapses only if the database stays away longer than the lease."""

    def __init__(self, owners_table: OwnerTable, *, role: str, every: float,
                 on_beat: Callable[[datetime], None] | None = None) -> None:
        self.owners = owners_table
        self.role = role
        self.every = every
        self.on_beat = on_beat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{role}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)
        try:
            self.owners.stopped()
        except SQLAlchemyError as error:
            logger.warning(f"调度心跳：无法记录停止（{type(error).__name__}）")

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._beat()

    def _beat(self) -> None:
        try:
            written = self.owners.beat(self.role)
        except SQLAlchemyError as error:
            logger.warning(f"调度心跳：写入数据库失败（{type(error).__name__}），下次再试")
            return
        if self.on_beat is not None:
            self.on_beat(written)
