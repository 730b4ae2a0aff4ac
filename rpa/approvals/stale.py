"""A checker's decision taken on a page older than the rows: refused, never applied to content
the checker did not see.

Two ways a page goes stale: another checker decided a row a moment earlier (`taken`,
`already_decided`), or the row changed after the page showed it (rejected, corrected by its
maker, and waiting again: tester W's A1, where a stale 批准所选 filed a corrected 法定代表人 and
ID number the checker never saw). Each waiting row has a `row_seen` token (its item, what it
will file and AMS's values beside them); the console's 复核 page sends back the tokens of the
rows it showed, and `refuse_unseen` refuses a decision on any row whose token differs, or on
a row the page did not show (`全部批准` of a run that gained a row since).

    seen = {row.row: row.seen for row in waiting_run.rows}      # as the page showed them
    refuse_unseen(run_id, chosen, seen)                          # UsageError naming the rows
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping

from rpa.approvals.words import APPROVED_BY, REJECTED_CODE
from rpa.errors import UsageError
from rpa.queue.work_queue import WorkItem, WorkQueue


def row_seen(item: WorkItem) -> str:
    """The token of a waiting row as a checker sees it: its item, its payload (what it files) and
    its review (AMS's values beside them); another correction or look-up gives another token."""
    shown = {"item": item.id, "payload": item.payload, "review": (item.result or {}).get("review")}
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def refuse_unseen(run_id: str, chosen: list[WorkItem], seen: Mapping[int, str] | None) -> None:
    """UsageError naming the chosen rows that changed since the page showed them, or that it
    did not show; nothing when `seen` is None (the command line, which lists and decides in
    one reading of the queue)."""
    if seen is None:
        return
    changed = sorted(sheet_row(item) for item in chosen if seen.get(sheet_row(item)) != row_seen(item))
    if changed:
        rows = "、".join(str(row) for row in changed)
        raise UsageError(f"运行 {run_id} 第 {rows} 行在你打开复核页面后已改变（被退回更正、重新查询或新增）："
                         "本次办理没有生效，请刷新复核页面，核对后重新办理")


def taken(queue: WorkQueue, run_id: str, chosen: list[WorkItem], done: set[int],
          awaiting: Callable[[], list[WorkItem]]) -> list[WorkItem]:
    """The chosen items, all decided by this decision; UsageError naming who decided the rows
    another checker took a moment earlier (then this decision changed nothing and is not
    recorded). `awaiting()`: the run's rows waiting now."""
    if done == {item.id for item in chosen}:
        return chosen
    now = {item.id: item for item in queue.items(run_id)}
    still = {item.id for item in awaiting()}
    gone = [now[item.id] for item in chosen if item.id in now and item.id not in still]
    raise already_decided(run_id, gone or chosen)


def already_decided(run_id: str, items: list[WorkItem]) -> UsageError:
    told = "；".join(f"第 {sheet_row(item)} 行{decided_by(item) or '已由他人办理'}"
                    for item in sorted(items, key=sheet_row))
    return UsageError(f"运行 {run_id} 中{told}，已不再待复核：本次办理没有生效，请刷新复核页面后重新办理")


def decided_by(item: WorkItem) -> str:
    """Who decided the row (`已由 X 批准` / `已由 X 退回`); empty when no checker did."""
    result = item.result or {}
    if item.last_error_code == REJECTED_CODE and result.get("checker"):
        return f"已由 {result['checker']} 退回"
    if item.payload.get(APPROVED_BY):
        return f"已由 {item.payload[APPROVED_BY]} 批准"
    return ""


def sheet_row(item: WorkItem) -> int:
    """The item's sheet row, as the pages and `rpa approvals` name a row."""
    return int(item.payload.get("row") or 0)
