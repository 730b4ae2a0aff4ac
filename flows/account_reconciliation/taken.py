"""The exports a reconciliation reads when none is given: those the drop folder took for
account-filing runs from the first day of the period on (a scheduled reconciliation has no --input).

    paths = taken_exports(settings, date(2026, 11, 16))   # [runs/inbox/.../taken/<run id>-x.xlsx]

The source is the drop folder's own record (table `drop_files`: path, SHA-256, run), not a
listing of taken/: a file recorded but gone, or changed since it was taken, is an error naming
it, never an export with nothing due. Exports given by hand to `rpa run account-filing --input`
are not in that record: reconcile those with --input.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flows.account_reconciliation.ours import FILING_FLOW
from rpa.errors import InputFileError
from rpa.run.runs import sha256_file
from rpa.schedule.drop import DropFolder

if TYPE_CHECKING:
    from rpa.settings import Settings


def taken_exports(settings: Settings, since: date) -> list[Path]:
    """The files taken for account-filing runs at or after the start of `since` (local time)."""
    start = datetime.combine(since, time(0), tzinfo=ZoneInfo(settings.timezone))
    found: list[Path] = []
    for taken in DropFolder(settings.database_url_resolved).taken_since(start):
        if f"-{FILING_FLOW}-" not in taken.run_id:
            continue  # another flow's drop folder
        where = f"投放文件夹为运行 {taken.run_id} 取走的导出文件 {taken.path}"
        try:
            digest = sha256_file(taken.path)
        except OSError as exc:
            raise InputFileError(f"{where} 读不出（{type(exc).__name__}）：请找回该文件，"
                                 "或用 --input 指定本期的导出文件") from exc  # fmt: skip
        if digest != taken.sha256:
            raise InputFileError(f"{where} 在取走后被改动过：请放回原文件，或用 --input 指定本期的导出文件")
        found.append(taken.path)
    return found
