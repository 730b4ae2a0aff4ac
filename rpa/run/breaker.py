"""The circuit breaker of a run, kept in the queue's database so every worker on every host
counts towards it: N system errors in a row across all of them (RPA_CIRCUIT_BREAKER_THRESHOLD)
and the run stops for all (exit 3, the rest left pending for `--resume`).

    breaker = RunBreaker(queue.url, run_id, settings.circuit_breaker_threshold)
    breaker.succeeded()                     # an item ended well or in a business error
    tripped = breaker.failed(message)       # a system error; the count when it opened, else None

A worker's own count would need N errors of that one worker; with many workers on many hosts
a portal that is down would be hit N times per worker before the run stopped. The count is
one row per run: each failure adds one in a single statement (the row lock on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite), each success sets it back to 0. The worker whose failure reaches
N opens the circuit and sets the count back to 0 in the same transaction, so a resumed run
starts with a closed circuit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select, update

from rpa.db import immediate_transaction, ride_out_outages_of
from rpa.queue.schema import UtcDateTime, insert_or_ignore
from rpa.queue.tables import tables_ready

if TYPE_CHECKING:
    from sqlalchemy import Engine

metadata = MetaData()
breakers = Table(
    "run_breakers",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("errors_in_a_row", Integer, nullable=False),
    Column("last_error", Text),  # scrubbed by the worker loop before it gets here
    Column("updated_at", UtcDateTime(), nullable=False),
)


@ride_out_outages_of  # a database restart is waited out; each call's transaction runs again whole
class RunBreaker:
    """The shared count of system errors in a row of one run."""

    def __init__(self, url: str, run_id: str, threshold: int) -> None:
        self._url, self.run_id, self.threshold = url, run_id, threshold

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)  # looked up on use: a forked worker builds its own

    def errors_in_a_row(self) -> int:
        with self._engine.connect() as conn:
            found = conn.execute(
                select(breakers.c.errors_in_a_row).where(breakers.c.run_id == self.run_id)
            ).scalar()
        return int(found or 0)

    def failed(self, message: str) -> int | None:
        """Count one system error; the count that opened the circuit (and is now reset) when it
        reached the threshold, else None."""
        engine, now = self._engine, datetime.now(UTC)
        with immediate_transaction(engine) as conn:
            conn.execute(
                insert_or_ignore(engine.dialect.name, breakers, "run_id"),
                [{"run_id": self.run_id, "errors_in_a_row": 0, "updated_at": now}],
            )
            count = conn.execute(
                update(breakers)
                .where(breakers.c.run_id == self.run_id)
                .values(errors_in_a_row=breakers.c.errors_in_a_row + 1, last_error=message[:500],
                        updated_at=now)
                .returning(breakers.c.errors_in_a_row)
            ).scalar_one()
            if count < self.threshold:
                return None
            conn.execute(update(breakers).where(breakers.c.run_id == self.run_id)
                         .values(errors_in_a_row=0, updated_at=now))
            return int(count)

    def succeeded(self) -> None:
        """An item ended without a system error: the errors are no longer in a row. Read first
        (no write lock on SQLite while the count is already 0, as it mostly is)."""
        if self.errors_in_a_row() == 0:
            return
        with immediate_transaction(self._engine) as conn:
            conn.execute(update(breakers).where(breakers.c.run_id == self.run_id)
                         .values(errors_in_a_row=0, updated_at=datetime.now(UTC)))
