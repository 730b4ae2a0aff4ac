"""The exports a reconciliation reads when none is given: those the drop folder took for
account-filing runs from the first day of the period on (a scheduled reconciliation has no --input).

    paths = taken_exports(settings, date(2026, 11, 16))   # [runs/inbox/.../taken/<run id>-x.xlsx]

The source is the drop folder's own record (table `drop_files`: path, SHA-256, run), not a
listing of taken/: a file recorded but gone, or changed since it was taken, is an error naming
it, never an export with nothing due. Exports given by hand to `rpa run account-filing --input`
are not in that record: reconcile those with --input.

A taken file whose filing run was refused before it queued a single row (run.json exit code 2,
no row of the run in the queue) is no input: nothing was filed from it, and it may be a half-copied
or damaged file. It is named in a warning and passed over. The drop folder puts such files back
(`DropFolder.put_back`), so only a take recorded before that, or whose put-back failed, is met here.
A file whose run queued any row is always read.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from loguru import logger

from flows.account_reconciliation.ours import FILING_FLOW
from rpa.errors import InputFileError
from rpa.run.runs import read_run_json, sha256_file
from rpa.schedule.drop import DropFolder

if TYPE_CHECKING:
    from rpa.settings import Settings


def taken_exports(settings: Settings, since: date) -> list[Path]:
    """The files taken for account-filing runs at or after the start of `since` (local time)."""
    start = datetime.combine(since, time(0), tzinfo=ZoneInfo(settings.timezone))
    found: list[Path] = []
    drop = DropFolder(settings.database_url_resolved)
    for taken in drop.taken_since(start):
        if f"-{FILING_FLOW}-" not in taken.run_id:
            continue  # another flow's drop folder
        where = f"投放文件夹为运行 {taken.run_id} 取走的导出文件 {taken.path}"
        if _refused_before_any_row(settings, drop, taken.run_id):
            logger.warning(f"{where} 不核对：该运行在报备任何一行之前被拒绝（退出码 2），其中的账户没有报备；"
                           f"改正原因后用 rpa run account-filing --resume {taken.run_id} 报备")
            continue
        try:
            digest = sha256_file(taken.path)
        except OSError as exc:
            raise InputFileError(f"{where} 读不出（{type(exc).__name__}）：请找回该文件，"
                                 "或用 --input 指定本期的导出文件") from exc  # fmt: skip
        if digest != taken.sha256:
            raise InputFileError(f"{where} 在取走后被改动过：请放回原文件，或用 --input 指定本期的导出文件")
        found.append(taken.path)
    return found


def _refused_before_any_row(settings: Settings, drop: DropFolder, run_id: str) -> bool:
    """The run ended refused (exit 2) and queued none of its rows: nothing was filed from its file."""
    try:
        refused = read_run_json(settings.runs_dir / run_id).get("exit_code") == 2
    except (OSError, ValueError):
        return False  # an unreadable run.json proves nothing: the file is read as before
    return refused and not drop.enqueued_any(run_id)
