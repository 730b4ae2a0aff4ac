"""SQLAlchemy engines for the queue and the audit chain, on SQLite or PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and `immediate_transaction()` opens a
`BEGIN IMMEDIATE` transaction, so claims from several processes serialise instead of failing.
On PostgreSQL the same call is an ordinary transaction; row locks do the work there.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_SECONDS = 60  # how long a connection waits for another's lock before it gives up
CHECKPOINT_WAIT_MS = 2000  # how long `empty_wal` waits for other connections


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@lru_cache(maxsize=16)
def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines must not cross a fork: workers call this anew)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # masked payloads leave no old bytes behind
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            mode = conn.info.pop("begin_mode", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode (it stays so; a database already in it needs no lock).

    Switching a new database to WAL needs it to itself for a moment, and SQLite answers "database
    is locked" at once, without waiting out the busy timeout, when another connection is using
    it: a second process switching the same new file at the same moment (two schedulers starting
    on one fresh database did). So the switch is tried again until the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextmanager
def immediate_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction that takes the database write lock up front on SQLite."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.info["begin_mode"] = "IMMEDIATE"
        with conn.begin():
            yield conn


def empty_wal(engine: Engine) -> bool:
    """SQLite: copy the WAL into the database and truncate it to nothing (the WAL still holds
    old versions of changed rows until then). False when a reader kept it from finishing (the
    next checkpoint does it); True on other databases, which have no WAL file."""
    if not is_sqlite(engine):
        return True
    with engine.connect() as conn:
        # another run's long read would hold this up to the full busy timeout: a short wait only
        conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    return busy is None or not busy[0]


def dispose_all() -> None:
    """Forget this process's engines (a spawned worker builds its own on first use)."""
    engine_for.cache_clear()


def database_tag(database_url: str) -> str:
    """A short tag naming one database (files kept per database, such as the run ledger's copy):
    a hash of the SQLite file's absolute path, or of the URL without its password."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        identity = f"sqlite:{Path(parsed.database).resolve()}"
    else:
        identity = parsed.render_as_string(hide_password=True)
    return hashlib.sha256(identity.encode()).hexdigest()[:12]
