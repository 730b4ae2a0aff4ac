"""Engines: SQLite in WAL mode even when another process holds a new database at the moment; an
engine dropped from the per-process cache closes its connections."""

from __future__ import annotations

import gc
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest
from sqlalchemy import text

from rpa.db import ENGINES_KEPT, engine_for


def test_a_new_database_another_connection_is_writing_is_switched_to_wal_once_free(tmp_path: Path) -> None:
    # another process took the brand-new file first (still in rollback-journal mode) and writes;
    # SQLite refuses the switch to WAL at once there, whatever the busy timeout
    path = tmp_path / "queue.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE taken_first (x)")
    done_writing = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    done_writing.start()
    try:
        engine = engine_for(f"sqlite:///{path}")
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("SELECT count(*) FROM taken_first")).scalar() == 0
        engine.dispose()
    finally:
        done_writing.join()
        other.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_engine_dropped_from_the_cache_closes_its_connections(tmp_path: Path, db_url: str) -> None:
    # 16 other databases later the engine leaves the cache; its pooled connection was left to the
    # garbage collector, where psycopg's ResourceWarning (PostgreSQL's driver) failed whichever test
    # happened to be running
    engine = engine_for(db_url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert engine.pool.checkedin() == 1
    others = [f"sqlite:///{tmp_path / f'other{n}.db'}" for n in range(ENGINES_KEPT)]
    for url in others:
        engine_for(url)
    assert engine.pool.checkedin() == 0  # disposed: the connection is closed, not waiting for gc
    assert engine_for(db_url) is not engine  # a fresh one is made on the next use
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del engine
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    for url in [db_url, *others]:
        engine_for(url).dispose()
