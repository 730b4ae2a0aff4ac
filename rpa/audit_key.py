"""The audit key file: the HMAC key every audit event, chain head, ledger entry and queue seal
is made with. It is made (0600, 64 hex characters) on a new database's first use only: a key
made anew for a database that already holds audit records would leave every one of them
unverifiable (`rpa audit verify` would call each one edited), so a missing key file there is a
ConfigError naming it, as it is for a check (`create=False`), which never makes one.

    key = key_from_file(path, database_url, create=True)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import inspect, text

from rpa.db import engine_for, sqlite_file_missing
from rpa.errors import ConfigError

# the audit chain's head rows (rpa.audit.store.audit_heads): one per chain that has an event
_HEADS = "audit_heads"


def key_from_file(path: Path, database_url: str, *, create: bool) -> bytes:
    """The key file's text, stripped, as bytes; made first when `create` and the database holds
    no audit record yet."""
    if not path.exists():
        if not create:
            raise ConfigError(f"审计密钥文件 {path} 不存在：核对要用生成这些记录的那把密钥，"
                              "不会为核对新建一把。请用 RPA_AUDIT_KEY_FILE 指向它（或从备份恢复）")
        if holds_audit_records(database_url):
            raise ConfigError(f"审计密钥文件 {path} 不存在，而数据库中已有审计记录：新建一把密钥会使"
                              "已有记录都无法核对。请用 RPA_AUDIT_KEY_FILE 指向原来的密钥（或从备份恢复）")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _make(path)
        key = path.read_text().strip()
    except OSError as exc:
        raise ConfigError(f"无法读写审计密钥文件 {path}（{exc.strerror or type(exc).__name__}）："
                          "请检查 RPA_AUDIT_KEY_FILE 及其所在文件夹的权限") from None
    if not key:
        raise ConfigError(f"审计密钥文件 {path} 是空的：请从备份恢复密钥，"
                          "或用 RPA_AUDIT_KEY_FILE 指向正确的密钥文件")
    return key.encode()


def _make(path: Path) -> None:
    """A new key written beside `path`, then linked into place whole: of two processes making it at
    once (two runs started together on a new database), the one that links second takes the first's
    key; it neither fails on the file's existing (File exists) nor reads it half written."""
    spare, key = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"), secrets.token_hex(32)
    try:
        _write_new(spare, key)
        try:
            os.link(spare, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: written in place, as before
            _write_new(path, key)
    except FileExistsError:
        pass  # made by another process meanwhile: that key is the one
    finally:
        spare.unlink(missing_ok=True)


def _write_new(path: Path, key: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)


def holds_audit_records(database_url: str) -> bool:
    """Whether the database has a chain head (a SQLite file not there yet has none)."""
    if sqlite_file_missing(database_url):
        return False
    engine = engine_for(database_url)
    if not inspect(engine).has_table(_HEADS):
        return False
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT 1 FROM {_HEADS} LIMIT 1")).first() is not None
