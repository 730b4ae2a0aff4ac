"""Jobs paused by a person (the console's 调度 page): schedules.yaml stays the source of the jobs,
this table only says which of them the scheduler skips until resumed.

    pauses = JobPauses(settings.database_url_resolved)
    pauses.pause("daily-filing", by="admin01")
    pauses.paused()                 # {"daily-filing": Pause(by="admin01", at=...)}
    pauses.resume("daily-filing")

A paused job's due fires are recorded as `skipped_paused` (跳过：已暂停), so the fire table still
shows each one; `rpa schedule trigger` (a person asking for a run now) is not held by a pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, delete, select

from rpa.queue.schema import UtcDateTime, insert_or_ignore
from rpa.queue.tables import tables_ready

metadata = MetaData()
pauses = Table(
    "schedule_pauses",
    metadata,
    Column("job_id", String(64), primary_key=True),
    Column("paused_by", String(128), nullable=False),
    Column("paused_at", UtcDateTime(), nullable=False),
)


@dataclass(frozen=True)
class Pause:
    by: str
    at: datetime


class JobPauses:
    def __init__(self, url: str) -> None:
        self._url = url

    def pause(self, job_id: str, *, by: str) -> bool:
        """Pause the job; False when it was paused already."""
        engine = tables_ready(self._url, metadata)
        with engine.begin() as conn:
            done = conn.execute(insert_or_ignore(engine.dialect.name, pauses, "job_id").values(
                job_id=job_id, paused_by=by, paused_at=datetime.now(UTC)))
        return bool(done.rowcount)

    def resume(self, job_id: str) -> bool:
        """Resume the job; False when it was not paused."""
        with tables_ready(self._url, metadata).begin() as conn:
            return bool(conn.execute(delete(pauses).where(pauses.c.job_id == job_id)).rowcount)

    def paused(self) -> dict[str, Pause]:
        with tables_ready(self._url, metadata).connect() as conn:
            rows = conn.execute(select(pauses)).all()
        return {row.job_id: Pause(row.paused_by, row.paused_at) for row in rows}
