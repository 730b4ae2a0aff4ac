"""Whether a run is still alive: which host and process runs it, and whether it has ended.

A run given rows another run holds must know whether that run will still work them: a live run
will (this one leaves them to it), a run that ended or whose process is gone will not (this one
takes them over). `execute_run` marks its run running (host, pid, the pid's start time) when it
starts or resumes and ended when it closes, in the queue's database (`run_owners`).

    owners = RunOwners.from_settings(settings)
    owners.mark_running(run_id)
    owners.state(run_id)          # "running" | "ended" | "gone" | "unknown"
    owners.mark_ended(run_id)

"unknown": a run on another host (its process cannot be looked at from here), or one that
started before runs were marked; the caller judges it by its leases.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, delete, insert, select, update

from rpa.db import immediate_transaction
from rpa.queue.schema import UtcDateTime
from rpa.queue.tables import tables_ready
from rpa.run.processes import is_running, start_time

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rpa.settings import Settings

RunState = Literal["running", "ended", "gone", "unknown"]
STATE_LABELS: dict[str, str] = {
    "running": "运行中",
    "ended": "已结束",
    "gone": "进程已不在",
    "unknown": "状态不明",
}

metadata = MetaData()
run_owners = Table(
    "run_owners",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("pid_started", String(32)),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended", Boolean, nullable=False),
)


class RunOwners:
    """Which process runs each run, in the queue's database."""

    def __init__(self, url: str, host: str | None = None) -> None:
        self._url = url
        self._host = host or socket.gethostname()  # RPA_HOST_ID

    @classmethod
    def from_settings(cls, settings: Settings) -> RunOwners:
        return cls(settings.database_url_resolved, settings.host_id)

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)  # looked up on use: a forked worker builds its own

    def mark_running(self, run_id: str, *, pid: int | None = None) -> None:
        """This process (or `pid` on this host) runs `run_id` from now on."""
        pid = os.getpid() if pid is None else pid
        row = {"run_id": run_id, "host": self._host, "pid": pid, "pid_started": start_time(pid),
               "started_at": datetime.now(UTC), "ended": False}
        with immediate_transaction(self._engine) as conn:
            conn.execute(delete(run_owners).where(run_owners.c.run_id == run_id))
            conn.execute(insert(run_owners).values(**row))

    def mark_ended(self, run_id: str) -> None:
        with immediate_transaction(self._engine) as conn:
            conn.execute(update(run_owners).where(run_owners.c.run_id == run_id).values(ended=True))

    def state(self, run_id: str) -> RunState:
        with self._engine.connect() as conn:
            row = conn.execute(select(run_owners).where(run_owners.c.run_id == run_id)).first()
        if row is None:
            return "unknown"
        if row.ended:
            return "ended"
        if row.host != self._host:
            return "unknown"
        return "running" if is_running(row.pid, row.pid_started) else "gone"
