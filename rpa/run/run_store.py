"""The run store: the runs folder (RPA_RUNS_DIR) where run folders live, shared by every robot host
that works one PostgreSQL queue, and checked before a run or a worker starts.

    check_run_store(settings)   # ConfigError (exit 2) naming what is wrong, in Chinese

Hosts sharing a database must share the run store too (a shared mount, at the same path on
every host): a worker on one host writes evidence and traces into run folders a supervisor on
another host reads, and run.json records absolute paths. The store carries a marker file naming
the database it belongs to (an id kept in that database, not its URL, which may differ between
hosts) and the path it was made at. A host whose runs folder is another database's, or reaches
the store by another path, is refused before anything runs; a store that does not take a write
is refused too. With SQLite the database lives in the runs folder itself: nothing to check.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, insert, select

from rpa.db import immediate_transaction, is_sqlite
from rpa.errors import ConfigError
from rpa.queue.tables import tables_ready
from rpa.run.runs import make_private_dir, write_private_text

if TYPE_CHECKING:
    from rpa.settings import Settings

MARKER = ".rpa-store.json"

metadata = MetaData()
database_identity = Table("rpa_database", metadata, Column("id", String(36), primary_key=True))


def database_id(url: str) -> str:
    """The database's own id, made on first use: the same for every host whatever its URL."""
    engine = tables_ready(url, metadata)
    with immediate_transaction(engine) as conn:
        found = conn.execute(select(database_identity.c.id)).scalar()
        if found is None:
            found = str(uuid.uuid4())
            conn.execute(insert(database_identity).values(id=found))
    return str(found)


def check_run_store(settings: Settings) -> Path:
    """The runs folder, checked as the shared run store of a PostgreSQL queue (see above)."""
    from rpa.db import engine_for

    folder = settings.runs_dir.resolve()
    if is_sqlite(engine_for(settings.database_url_resolved)):
        return folder
    try:
        make_private_dir(folder)
        probe = folder / f".rpa-write-check-{settings.host_id}-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"运行文件夹 {folder} 不可写（{exc.strerror}）：请检查 RPA_RUNS_DIR 指向的共享挂载及其权限"
        ) from None
    here = database_id(settings.database_url_resolved)
    marker = folder / MARKER
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        record = {"database": here, "path": str(folder), "made_by": settings.host_id}
        write_private_text(marker, json.dumps(record, ensure_ascii=False, indent=1))
        return folder
    except (OSError, ValueError):
        raise ConfigError(f"运行文件夹的标记文件 {marker} 读不出来：请检查或删除它后重试") from None
    if not isinstance(found, dict) or found.get("database") != here:
        raise ConfigError(
            f"运行文件夹 {folder} 属于另一个数据库（{MARKER} 所记与 RPA_DATABASE_URL 的数据库不符）："
            "共用一个队列的主机须用同一个数据库和同一个共享运行文件夹，请检查 RPA_RUNS_DIR"
        )
    if found.get("path") != str(folder):
        raise ConfigError(
            f"共享运行文件夹建立于 {found.get('path')}，本机却经 {folder} 访问："
            "请在每台主机上把它挂载到同一路径（RPA_RUNS_DIR）"
        )
    return folder
