"""SQLite engines: WAL mode even when another process holds a new database at the moment."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy import text

from rpa.db import engine_for


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
