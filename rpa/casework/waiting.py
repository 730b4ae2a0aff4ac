"""Runs a person still has to finish: rows waiting for a checker (待复核), cases of 异常处理
(refused, held, failed, put aside while validating) and items not ended. `rpa runs prune`
keeps their folders whatever their age: removing one would drop its rows from `rpa approvals
list` and `rpa cases list` and leave nothing to resume.

    >>> still_open(settings)
    {'20261205-093000-account-filing-1a2b3c': '仍有 3 行需人工处理'}
"""

from __future__ import annotations

from rpa.approvals.decisions import waiting
from rpa.casework.cases import open_cases
from rpa.queue.work_queue import ItemState, WorkQueue
from rpa.run.runs import list_runs
from rpa.settings import Settings

_NOT_ENDED = (ItemState.PENDING, ItemState.LEASED)


def still_open(settings: Settings) -> dict[str, str]:
    """Run id -> why a person still has to finish it, for every run that waits."""
    found: dict[str, str] = {}
    for case in open_cases(settings):
        rows = len(case.cases) + len(case.aside)
        found[case.run_id] = f"仍有 {rows} 行需人工处理（rpa cases list {case.run_id}）"
    for checker in waiting(settings):
        why = f"仍有 {len(checker.rows)} 行待复核（rpa approvals list {checker.run_id}）"
        found.setdefault(checker.run_id, why)
    queue = WorkQueue.from_settings(settings)
    for run in list_runs(settings):
        run_id = str(run.get("run_id") or "")
        counts = queue.counts(run_id)
        left = sum(counts[state] for state in _NOT_ENDED)
        if left:
            found.setdefault(run_id, f"仍有 {left} 个事项未完成，可续跑（rpa runs retry {run_id}）")
    return found
