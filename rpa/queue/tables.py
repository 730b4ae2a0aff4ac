"""Small tables a module keeps of its own in the queue's database, created on first use.

    engine = tables_ready(settings.database_url_resolved, metadata)

Several processes on several hosts may meet a missing table at once: on PostgreSQL they create
it one at a time (an advisory lock), on SQLite `BEGIN IMMEDIATE` serialises them.
"""

from __future__ import annotations

from sqlalchemy import Engine, MetaData

from rpa.db import engine_for, immediate_transaction

_READY: set[tuple[str, int]] = set()  # (database URL, id of the metadata) created in this process


def tables_ready(url: str, metadata: MetaData) -> Engine:
    """The engine of `url`, with `metadata`'s tables created if they were missing."""
    engine = engine_for(url)
    if (url, id(metadata)) not in _READY:
        with immediate_transaction(engine) as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('rpa_small_tables'))")
            metadata.create_all(conn, checkfirst=True)
        _READY.add((url, id(metadata)))
    return engine
