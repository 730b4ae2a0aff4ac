"""The console's 任务详情 rows: each work item of a run as its row in the run's result file reads
(`Flow.item_row`), and the order they are shown in, the input's.

    >>> row = input_item_row(item, {"open": "开户"})  # payload: sheet 开户清单, row 3, action open
    >>> row.place, row.action, row.outcome
    ('开户清单 第 3 行', '开户', '通过')
    >>> rows = sorted(pairs, key=lambda pair: input_order(pair[0], pair[1]))

A flow whose result file has more (account filing: account, name, filing number, checker, its
own notes) builds the row itself; what it hands over is already masked as its outputs mask it
(the account to its last 4 digits, a person's name to its first character), and the page scrubs
every text once more before showing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rpa.masking import scrub_text
from rpa.outcomes import item_label

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem


@dataclass(frozen=True)
class ItemRow:
    """One item as its row of the run's result file: where the input has it (`sheet`, `row`; 0
    for an item of no input row) or what it is (`subject`: a report file), the business (`action`:
    开户/变更/撤销), the account and the depositor's name masked, `outcome` the row's word of
    rpa.outcomes, the AMS filing number, who approved it (`checker`, a run set for approval) and
    the note result.xlsx gives it."""

    sheet: str = ""
    row: int = 0
    subject: str = ""
    action: str = ""
    account: str = ""
    name: str = ""
    outcome: str = ""
    filing_no: str = ""
    checker: str = ""
    note: str = ""

    @property
    def place(self) -> str:
        """`开户清单 第 3 行`; "" for an item of no input row."""
        if not self.row:
            return ""
        return f"{self.sheet} 第 {self.row} 行" if self.sheet else f"第 {self.row} 行"


def input_item_row(item: WorkItem, actions: Mapping[str, str]) -> ItemRow | None:
    """An item whose payload names its input row (`sheet`, `row`, and `action` as a code that
    `actions` words): that row with its outcome word (`item_label`) and its result's note,
    scrubbed; None for an item of no input row."""
    payload = item.payload if isinstance(item.payload, Mapping) else {}
    row = payload.get("row")
    if not isinstance(row, int) or isinstance(row, bool) or row < 1:
        return None
    result = item.result or {}
    return ItemRow(
        sheet=str(payload.get("sheet") or ""), row=row,
        action=actions.get(str(payload.get("action") or ""), ""),
        outcome=item_label(str(item.state), result),
        note=scrub_text(str(result.get("note") or "")),
    )


def input_order(row: ItemRow | None, item_id: int) -> tuple[int, str, int, int]:
    """Sort key: rows of the input by sheet row (the queue files them in business order, not in
    the file's), then items of no row in the queue's order."""
    if row is None or not row.row:
        return (1, "", 0, item_id)
    return (0, row.sheet, row.row, item_id)
