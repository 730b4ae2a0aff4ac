"""When the disk says no: a full disk or a folder we may not write is run-fatal, said in Chinese.

    refusal = disk_refusal(exc)    # None: not a disk problem, let it through
    raise DiskRefused(refusal)     # the run stops (exit 3), resumable once space is back
    full = full_disk(run_folder, exc)  # a system error on a full disk: the disk, not the portal

Nothing here retries: a full disk does not empty itself between two attempts of an item.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from rpa.errors import DISK_DENIED_ERRNOS, DISK_FULL_ERRNOS, DiskRefused

_FULL = DISK_FULL_ERRNOS
_DENIED = DISK_DENIED_ERRNOS


def disk_refusal(exc: BaseException) -> str | None:
    """A Chinese line for a full disk or a refused write, or None for any other error."""
    if not isinstance(exc, OSError) or exc.errno not in _FULL | _DENIED:
        return _database_refusal(exc)
    where = exc.filename or "运行文件夹"
    if exc.errno in _FULL:
        return f"磁盘空间不足，无法写入 {where}：请腾出空间后用 --resume 继续本次运行"
    return f"没有写入 {where} 的权限（{exc.strerror}）：请检查文件夹权限后用 --resume 继续本次运行"


def as_run_fatal(exc: BaseException) -> DiskRefused | None:
    """The DiskRefused a disk problem becomes, or None."""
    refusal = disk_refusal(exc)
    return None if refusal is None else DiskRefused(refusal, details={"errno": getattr(exc, "errno", None)})


# less room than this on the run folder's disk is a full disk: Chromium's profile and the
# evidence of one item need a few MB
MIN_FREE_BYTES = 8 << 20


def full_disk(folder: Path, exc: BaseException) -> DiskRefused | None:
    """The run-fatal DiskRefused when the disk holding `folder` is (almost) full, else None.
    A browser whose profile cannot grow says so in its own words (net::ERR_INSUFFICIENT_RESOURCES,
    a page or GPU process gone), never with an OSError: a system error is checked against the
    disk before it is retried as the portal's."""
    try:
        stat = os.statvfs(folder)
    except OSError:
        return None
    if stat.f_bavail * stat.f_frsize >= MIN_FREE_BYTES:
        return None
    said = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
    return DiskRefused(
        f"磁盘空间不足：{folder} 所在磁盘剩余不足 {MIN_FREE_BYTES >> 20} MB（出错：{said}）："
        "请腾出空间后用 --resume 继续本次运行",
        details={"errno": errno.ENOSPC},
    )


def _database_refusal(exc: BaseException) -> str | None:
    """SQLite's own words for the same two problems (the database lives under the runs folder
    unless RPA_DATABASE_URL says otherwise)."""
    text = str(getattr(exc, "orig", None) or "") if type(exc).__module__.startswith("sqlalchemy") else ""
    if "database or disk is full" in text:
        return "磁盘空间不足，数据库无法写入：请腾出空间后用 --resume 继续本次运行"
    if "readonly database" in text or "unable to open database" in text:
        return "数据库文件或其文件夹不可写：请检查 RPA_RUNS_DIR / RPA_DATABASE_URL 的权限后用 --resume 继续"
    return None
