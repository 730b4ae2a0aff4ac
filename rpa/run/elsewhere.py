"""Input rows of a run that another run's items hold: an earlier run filed the row, or works it
still. They are no items of this run, so a page listing the run's items would leave them out
while its result file lists them: the flow records them at its close (`rows.elsewhere`, each
row's sheet and row, the other run's item id and run, and the result file's note), and the
console's 任务详情 shows them from there.

    ctx.record(ROWS_ELSEWHERE, rows=[{"sheet": "开户清单", "row": 2, "item_id": 17,
                                      "run": "20261205-...", "note": "已由运行 20261205-... 办结"}])
    for row in rows_elsewhere(audit, queue, run_id): ...   # the last close's rows
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.queue.models import ItemNotFound

if TYPE_CHECKING:
    from rpa.audit.log import AuditLog
    from rpa.queue.work_queue import WorkItem, WorkQueue

ROWS_ELSEWHERE = "rows.elsewhere"


@dataclass(frozen=True)
class RowElsewhere:
    """One input row of the run and the other run's item that holds it."""

    sheet: str
    row: int
    item: WorkItem
    note: str


def rows_elsewhere(audit: AuditLog, queue: WorkQueue, run_id: str) -> list[RowElsewhere]:
    """The rows the run's last close recorded as another run's (none before its first close);
    a row whose item is no longer in the queue is left out."""
    recorded: list[Any] = list((audit.last_details(run_id, ROWS_ELSEWHERE) or {}).get("rows") or [])
    found = []
    for entry in recorded:
        try:
            item = queue.get(int(entry["item_id"]))
        except (KeyError, TypeError, ValueError, ItemNotFound):
            continue
        found.append(RowElsewhere(str(entry.get("sheet") or ""), int(entry.get("row") or 0), item,
                                  str(entry.get("note") or "")))
    return found
