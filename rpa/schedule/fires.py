"""The scheduler's own table of fires: which planned fire of which job ran, when, and how it ended.

APScheduler's job stores must not be shared between schedulers, so the project keeps this table
instead, in the queue's database. A fire starts only after inserting its (job id, planned time)
row under a unique constraint: of several schedulers on one database exactly one starts it. A
job that may not overlap itself also takes its row in `schedule_job_locks` with a conditional
UPDATE, which serialises the same way on SQLite and PostgreSQL.

A running fire is owned under a lease: its process writes a heartbeat in `schedule_owners`
(`rpa.schedule.owners`) every third of the lease, and a fire whose owner has not for a whole lease
(a host killed or cut off) is abandoned by whichever scheduler looks next, on any host, and
resumed. On the owner's own host a vanished process is seen at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection

from rpa.db import engine_for, immediate_transaction
from rpa.queue.schema import insert_or_ignore
from rpa.schedule.fire_rows import (
    NEEDS_ATTENTION,
    RESUMABLE,
    ClaimOutcome,
    FireOutcome,
    FireRecord,
    create_tables,
    fires,
    job_locks,
    metadata,
    owner_gone,
    owners,
    process_owner,
    record_of,
)
from rpa.schedule.shown import shown

__all__ = ["ClaimOutcome", "FireOutcome", "FireRecord", "FireTable", "create_tables"]


class FireTable:
    """Claims, outcomes and history of scheduled fires (SQLite or PostgreSQL)."""

    def __init__(
        self,
        db_url: str,
        *,
        owner: str | None = None,
        lease: timedelta = timedelta(seconds=90),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine_for(db_url)
        self.owner = owner or process_owner()
        self.lease = lease
        self._clock = clock or (lambda: datetime.now(UTC))
        create_tables(self.engine, metadata)

    def claim(
        self,
        job_id: str,
        planned: datetime,
        *,
        source: str = "schedule",
        exclusive: bool = True,
        params: dict[str, Any] | None = None,
    ) -> tuple[ClaimOutcome, FireRecord | None]:
        """Insert the fire's row; with `exclusive`, also take the job's lock or record an overlap.

        Returns what happened and the blocking fire for an overlap, else the new record."""
        now = self._clock()
        with immediate_transaction(self.engine) as conn:
            inserted = conn.execute(
                insert_or_ignore(conn.dialect.name, fires, "job_id", "planned_at").values(
                    job_id=job_id, planned_at=planned, source=source, owner=self.owner,
                    started_at=now, params=params, outcome=FireOutcome.RUNNING.value,
                ).returning(fires.c.id)
            ).first()
            if inserted is None:
                return ClaimOutcome.TAKEN, None
            record = self._one(conn, job_id, planned)
            if exclusive:
                holder = self._take_lock(conn, job_id, record.id, now)
                if holder is not None:
                    conn.execute(
                        update(fires).where(fires.c.id == record.id).values(
                            outcome=FireOutcome.SKIPPED_OVERLAP.value, finished_at=now,
                            note=f"{shown(holder.planned_at)} 的那次仍在运行",
                        )
                    )
                    return ClaimOutcome.OVERLAP, holder
            return ClaimOutcome.CLAIMED, record

    def claim_fire(self, job_id: str, planned: datetime) -> bool:
        """True when this process is the one to start the fire."""
        return self.claim(job_id, planned)[0] is ClaimOutcome.CLAIMED

    def reclaim(self, record: FireRecord, *, exclusive: bool = True) -> bool:
        """Take an interrupted, abandoned or stopped fire back to resume it; False if someone
        else did (its outcome is no longer the one `record` read)."""
        now = self._clock()
        resumable = [o.value for o in (*RESUMABLE, *NEEDS_ATTENTION)]
        with immediate_transaction(self.engine) as conn:
            taken = conn.execute(
                update(fires)
                .where(fires.c.id == record.id, fires.c.outcome == record.outcome,
                       fires.c.outcome.in_(resumable))
                .values(outcome=FireOutcome.RUNNING.value, owner=self.owner, started_at=now, finished_at=None)
            )
            if taken.rowcount != 1:
                return False
            if exclusive and self._take_lock(conn, record.job_id, record.id, now) is not None:
                conn.execute(update(fires).where(fires.c.id == record.id).values(outcome=record.outcome))
                return False
            return True

    def set_launch(self, record: FireRecord, *, run_id: str, params: dict[str, Any]) -> None:
        """Note the run a fire is about to launch (before it starts, so a crash leaves a trace)."""
        with immediate_transaction(self.engine) as conn:
            current = conn.execute(select(fires.c.run_id).where(fires.c.id == record.id)).scalar()
            run_ids = [r for r in (current or "").split(",") if r]
            if run_id not in run_ids:
                run_ids.append(run_id)
            conn.execute(
                update(fires).where(fires.c.id == record.id).values(run_id=",".join(run_ids), params=params)
            )

    def finish(
        self, record: FireRecord, *, outcome: FireOutcome, exit_code: int | None = None, note: str = "",
        stop_code: str | None = None,
    ) -> None:
        """Close a fire and release its job's lock."""
        with immediate_transaction(self.engine) as conn:
            conn.execute(
                update(fires).where(fires.c.id == record.id).values(
                    outcome=outcome.value, exit_code=exit_code, note=note or None,
                    finished_at=self._clock(), stop_code=stop_code,
                )
            )
            conn.execute(update(job_locks).where(job_locks.c.fire_id == record.id).values(fire_id=None))

    def record(
        self, job_id: str, planned: datetime, outcome: FireOutcome, *, source: str, note: str = ""
    ) -> bool:
        """Record a fire that did not start (missed, outside the window); False if already known."""
        with immediate_transaction(self.engine) as conn:
            inserted = conn.execute(
                insert_or_ignore(conn.dialect.name, fires, "job_id", "planned_at").values(
                    job_id=job_id, planned_at=planned, source=source, owner=self.owner,
                    outcome=outcome.value, note=note or None, finished_at=self._clock(),
                ).returning(fires.c.id)
            ).first()
            return inserted is not None

    def _take_lock(self, conn: Connection, job_id: str, fire_id: int, now: datetime) -> FireRecord | None:
        """Point the job's lock at `fire_id`; returns the live fire holding it instead, if any."""
        conn.execute(insert_or_ignore(conn.dialect.name, job_locks, "job_id").values(job_id=job_id))
        for _attempt in range(3):
            taken = conn.execute(
                update(job_locks).where(job_locks.c.job_id == job_id, job_locks.c.fire_id.is_(None))
                .values(fire_id=fire_id)
            )
            if taken.rowcount == 1:
                return None
            holder_id = conn.execute(select(job_locks.c.fire_id).where(job_locks.c.job_id == job_id)).scalar()
            row = conn.execute(select(fires).where(fires.c.id == holder_id)).mappings().first()
            holder = record_of(row) if row is not None else None
            if holder is not None and holder.outcome == FireOutcome.RUNNING:
                if not self._is_stale(conn, holder, now):
                    return holder
                self._abandon(conn, holder, now)
            conn.execute(
                update(job_locks).where(job_locks.c.job_id == job_id, job_locks.c.fire_id == holder_id)
                .values(fire_id=None)
            )
        raise RuntimeError(f"could not take the lock of job {job_id!r}")  # pragma: no cover

    def release_dead(self) -> list[FireRecord]:
        """Mark fires left 'running' by a vanished process as abandoned; returns them."""
        now = self._clock()
        with immediate_transaction(self.engine) as conn:
            rows = conn.execute(select(fires).where(fires.c.outcome == FireOutcome.RUNNING.value)).mappings()
            dead = [r for r in map(record_of, rows.all()) if self._is_stale(conn, r, now)]
            for record in dead:
                self._abandon(conn, record, now)
                conn.execute(update(job_locks).where(job_locks.c.fire_id == record.id).values(fire_id=None))
        return dead

    def _abandon(self, conn: Connection, record: FireRecord, now: datetime) -> None:
        conn.execute(
            update(fires).where(fires.c.id == record.id, fires.c.outcome == FireOutcome.RUNNING.value).values(
                outcome=FireOutcome.ABANDONED.value, finished_at=now,
                note=f"其调度进程（{record.owner}）已不在或已停止心跳",
            )
        )

    def _is_stale(self, conn: Connection, record: FireRecord, now: datetime) -> bool:
        gone = owner_gone(record.owner)
        if gone is not None:  # a process of this host: it runs or it does not
            return gone
        beat = conn.execute(
            select(owners.c.beat_at, owners.c.stopped_at).where(owners.c.owner == record.owner)
        ).first()
        if beat is not None and beat.stopped_at is not None:
            return True  # its scheduler stopped without finishing it
        last = beat.beat_at if beat is not None else (record.started_at or record.planned_at)
        return now - last > self.lease

    # --- reading ------------------------------------------------------------------------------
    def get(self, job_id: str, planned: datetime) -> FireRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(fires).where(fires.c.job_id == job_id, fires.c.planned_at == planned)
            ).mappings().first()
        return record_of(row) if row is not None else None

    def last_fires(self, job_id: str, n: int = 5) -> list[FireRecord]:
        """The job's latest `n` fires, newest first."""
        return self._select(and_(fires.c.job_id == job_id), n)

    def missed(self, job_id: str | None = None, n: int = 50) -> list[FireRecord]:
        """Fires recorded as missed, newest first."""
        condition = fires.c.outcome == FireOutcome.MISSED.value
        return self._select(and_(condition, fires.c.job_id == job_id) if job_id else condition, n)

    def resumable(self, job_id: str) -> list[FireRecord]:
        """Interrupted or abandoned fires of a job that had launched a run, oldest first."""
        condition = and_(
            fires.c.job_id == job_id,
            fires.c.outcome.in_([o.value for o in RESUMABLE]),
            fires.c.run_id.is_not(None),
        )
        return list(reversed(self._select(condition, 100)))

    def latest_planned(self, job_id: str) -> datetime | None:
        """The newest planned time on record for a job's schedule (manual triggers aside)."""
        with self.engine.connect() as conn:
            latest: datetime | None = conn.execute(
                select(fires.c.planned_at).where(fires.c.job_id == job_id, fires.c.source != "manual")
                .order_by(fires.c.planned_at.desc()).limit(1)
            ).scalar()
        return latest

    def _select(self, condition: Any, n: int) -> list[FireRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(fires).where(condition).order_by(fires.c.planned_at.desc()).limit(n)
            ).mappings().all()
        return [record_of(row) for row in rows]

    @staticmethod
    def _one(conn: Connection, job_id: str, planned: datetime) -> FireRecord:
        row = conn.execute(
            select(fires).where(fires.c.job_id == job_id, fires.c.planned_at == planned)
        ).mappings().one()
        return record_of(row)
