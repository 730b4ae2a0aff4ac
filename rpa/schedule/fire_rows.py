"""The fire table's rows and tables: outcomes, records, and who owns a running fire.

    schedule_fires       one row per (job id, planned time), UNIQUE: the claim of a fire
    schedule_job_locks   one row per job: the fire it is running now (jobs that may not overlap)
    schedule_owners      one row per scheduler process: its heartbeat, the lease of every fire it owns
    schedule_jobs        one row per job: when a scheduler first saw it (no misses from before)
    drop_files           (in rpa.schedule.drop) the SHA-256 of every file taken from a drop folder
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, UniqueConstraint, inspect, text
from sqlalchemy.engine import RowMapping

from rpa.db import immediate_transaction
from rpa.queue.schema import UtcDateTime, _Id, _Json
from rpa.run.processes import is_running, start_time


class FireOutcome(StrEnum):
    """How a fire ended (or why it never started), as kept in `schedule_fires.outcome`."""

    RUNNING = "running"
    OK = "ok"  # the run ended with exit code 0
    FAILED = "failed"  # the run finished, some items in business errors or failed (exit 1)
    STOPPED = "stopped"  # the run stopped early (run-fatal, exit 3) or ended otherwise
    ERROR = "error"  # the launch itself failed (exit 2, or the launcher raised)
    INTERRUPTED = "interrupted"  # the scheduler was told to stop mid-run: resumed on next start
    ABANDONED = "abandoned"  # its process vanished (crash, power cut): resumed on next start
    NO_INPUT = "no_input"  # a drop-folder job found nothing new
    SKIPPED_OVERLAP = "skipped_overlap"
    SKIPPED_WINDOW = "skipped_window"
    SKIPPED_PAUSED = "skipped_paused"  # a person paused the job (rpa.schedule.pauses)
    MISSED = "missed"  # the machine was off (or busy) past the job's misfire grace
    HELD = "held"  # not started: an earlier fire of the job stopped and needs a person first
    BACKFILLED = "backfilled"  # a missed fire whose dates a later fire's run took in
    CLOSED = "closed"  # a stopped fire a person closed (`rpa schedule close`)


ADDED_FIRE_COLUMNS = ("stop_code",)  # columns a table made by an earlier version lacks
_SCHEMA_LOCK_KEY = 0x5C4ED  # any constant shared by every scheduler process
RESUMABLE = (FireOutcome.INTERRUPTED, FireOutcome.ABANDONED)
# a fire that needs a person: listed until its run is finished or a person closes it
NEEDS_ATTENTION = (FireOutcome.STOPPED,)


class ClaimOutcome(StrEnum):
    """What inserting a fire's row gave this process."""

    CLAIMED = "claimed"  # this process starts the fire
    TAKEN = "taken"  # another scheduler (or an earlier start) already has this fire
    OVERLAP = "overlap"  # the job is still running an earlier fire: recorded as skipped_overlap


@dataclass(frozen=True)
class FireRecord:
    """One row of the fire table."""

    id: int
    job_id: str
    planned_at: datetime
    source: str  # schedule | catch_up | manual
    owner: str | None
    started_at: datetime | None
    finished_at: datetime | None
    run_id: str | None
    params: dict[str, Any] | None
    outcome: str
    exit_code: int | None
    note: str | None
    stop_code: str | None = None


metadata = MetaData()
fires = Table(
    "schedule_fires",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("job_id", String(64), nullable=False),
    Column("planned_at", UtcDateTime(), nullable=False),
    Column("source", String(16), nullable=False),
    Column("owner", String(160)),
    Column("started_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("run_id", Text),
    Column("params", _Json),
    Column("outcome", String(24), nullable=False),
    Column("exit_code", Integer),
    Column("note", Text),
    Column("stop_code", String(64)),  # why its run stopped (exit 3): the launcher's word for it
    UniqueConstraint("job_id", "planned_at", name="uq_schedule_fires_job_planned"),
)
job_locks = Table(
    "schedule_job_locks",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("fire_id", _Id),
)
owners = Table(
    "schedule_owners",
    metadata,
    Column("owner", String(160), primary_key=True),  # `host:pid:start time`, as in fires.owner
    Column("role", String(16), nullable=False),  # daemon (`rpa schedule run`) | trigger
    Column("started_at", UtcDateTime(), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("stopped_at", UtcDateTime()),
)
jobs_seen = Table(
    "schedule_jobs",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("first_seen_at", UtcDateTime(), nullable=False),
)


def create_tables(engine: Engine, tables: MetaData) -> None:
    """Create missing tables; several processes starting at once take turns (SQLite's write
    lock, a transaction-scoped advisory lock on PostgreSQL)."""
    with immediate_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        tables.create_all(conn)
        if fires.name in inspect(conn).get_table_names():
            present = {column["name"] for column in inspect(conn).get_columns(fires.name)}
            for name in ADDED_FIRE_COLUMNS:
                if name not in present:  # a table made by an earlier version
                    kind = fires.c[name].type.compile(dialect=conn.dialect)
                    conn.execute(text(f"ALTER TABLE {fires.name} ADD COLUMN {name} {kind}"))


def host_id() -> str:
    """This robot host's name in the fire table: RPA_HOST_ID, else the host name."""
    return os.environ.get("RPA_HOST_ID", "").strip().replace(":", "-") or socket.gethostname()


def process_owner() -> str:
    """`host:pid:start time`: a running fire's owner, told apart from a later process that
    was given the same pid."""
    return f"{host_id()}:{os.getpid()}:{start_time(os.getpid())}"


def owner_gone(owner: str | None) -> bool | None:
    """Whether the process that owns a fire is gone: True or False for a process of this host,
    None for another host's (or an owner this cannot read). An owner written as `host:pid`
    (before the start time was part of it) is judged by its pid alone."""
    host, pid, *started = (owner or "").split(":")
    if host != host_id() or not pid.isdigit() or len(started) > 1:
        return None
    return not is_running(int(pid), started[0] if started else None)


def record_of(row: RowMapping) -> FireRecord:
    return FireRecord(**{column.name: row[column.name] for column in fires.columns})
