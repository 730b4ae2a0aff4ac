"""Who started a run, for the maker-checker rule: the maker the run's `run.started` event records
(its keyed hash checked), never run.json's copy alone, which anyone with the runs folder can
edit. A run.json or params.json naming another maker than the chain is refused out loud: the
maker could otherwise rename themselves and approve their own run.

    >>> maker_of(settings, run_id)
    'zhang.wei'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rpa.approvals.words import MAKER_PARAM
from rpa.audit.log import AuditLog
from rpa.audit.run_json_checks import makers_in_files
from rpa.errors import UsageError
from rpa.run.runs import run_folder

if TYPE_CHECKING:
    from rpa.settings import Settings


def maker_of(settings: Settings, run_id: str) -> str | None:
    """The run's maker as its audit chain records it (None: none recorded); UsageError when the
    chain holds no start that verifies, or run.json / params.json name someone else."""
    starts = AuditLog.from_settings(settings).checked_details(run_id)
    started = next((found for found in starts if found is not None), None)
    if started is None:
        raise UsageError(f"运行 {run_id} 的审计链中没有可核验的开始记录：无法确认发起人，不能复核；"
                         f"请运行 rpa audit verify {run_id} 查明")
    recorded = started.get(MAKER_PARAM) or None
    for name, maker in makers_in_files(run_folder(settings, run_id)):
        if maker != recorded:
            raise UsageError(f"运行 {run_id} 的 {name} 记录的发起人与审计链不同（文件被改动过）：不能复核；"
                             f"请运行 rpa audit verify {run_id} 查明")
    return str(recorded) if recorded else None
