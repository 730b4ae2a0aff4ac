"""When the disk says no: a full disk or a folder we may not write is run-fatal, said in Chinese.

    refusal = disk_refusal(exc)    # None: not a disk problem, let it through
    raise DiskRefused(refusal)     # the run stops (exit 3), resumable once space is back

Nothing here retries: a full disk does not empty itself between two attempts of an item.
"""

from __future__ import annotations

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


def _database_refusal(exc: BaseException) -> str | None:
    """SQLite's own words for the same two problems (the database lives under the runs folder
    unless RPA_DATABASE_URL says otherwise)."""
    text = str(getattr(exc, "orig", None) or "") if type(exc).__module__.startswith("sqlalchemy") else ""
    if "database or disk is full" in text:
        return "磁盘空间不足，数据库无法写入：请腾出空间后用 --resume 继续本次运行"
    if "readonly database" in text or "unable to open database" in text:
        return "数据库文件或其文件夹不可写：请检查 RPA_RUNS_DIR / RPA_DATABASE_URL 的权限后用 --resume 继续"
    return None
