"""Which rows another run holds make a row of the same account wait (`waits_for_earlier_row`):
an earlier row by business order (date, then 开户, 变更, 撤销) not ended filed, for the same AMS,
and not a dry run's. The other runs' items are made by hand here, one per case, in a real queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.account_rows import waits_for_earlier_row
from flows.account_filing.records import FilingRecord
from rpa.errors import NeedsPerson
from rpa.queue.work_queue import NewItem, WorkQueue
from tests.integration.ams_helpers import basic_record

FLOW = "account-filing"
MONDAY, TUESDAY = "20261123-090000-account-filing-aaaaaa", "20261124-090000-account-filing-bbbbbb"
ACCOUNT = "110020260399"
AMS = "ams:PBCAMS-110000"
OWNER = "robot-1:4711:w0"


GENERAL = {"account_kind": "general", "basic_account_permit": "J1031000000101"}
EXTRA = {"close": {"close_reason": "转户"},
         "change": {"change_items": "注册地址", "registered_address": "北京市朝阳区建国路88号"}}


def _row(action: str, day: str) -> dict[str, Any]:
    row = basic_record(ACCOUNT, day=day, action=action, **GENERAL, **EXTRA.get(action, {}))
    return FilingRecord.model_validate(row).model_dump(mode="json")


def _monday(queue: WorkQueue, action: str, day: str, *, end: str, key: str = "k-monday",
            portal: str = AMS) -> None:
    [made] = queue.enqueue_many(FLOW, MONDAY, [
        NewItem(key, {"portal": portal, "record": _row(action, day), "row": 4}, order_group=ACCOUNT)])
    if end == "pending":
        return
    claimed = queue.claim(run_id=MONDAY, owner=OWNER, lease_seconds=60)
    assert claimed is not None and claimed.id == made.item_id
    if end == "held":
        queue.hold(made.item_id, OWNER, "filing_conflict", "AMS 中的开户与输入行不同")
    elif end == "done":
        queue.complete(made.item_id, OWNER, {"status": "filed", "filing_no": "AMS2026112300001"})


CASES: dict[str, tuple[Callable[[WorkQueue], None], bool]] = {
    "an earlier open held": (lambda q: _monday(q, "open", "2026-11-20", end="held"), True),
    "an earlier open not worked yet": (lambda q: _monday(q, "open", "2026-11-20", end="pending"), True),
    "an open the same day (open comes first)": (lambda q: _monday(q, "open", "2026-11-25", end="held"), True),
    "an earlier open filed": (lambda q: _monday(q, "open", "2026-11-20", end="done"), False),
    "a later change held": (lambda q: _monday(q, "change", "2026-11-26", end="held"), False),
    "a dry run's earlier open held": (
        lambda q: _monday(q, "open", "2026-11-20", end="held", key=f"dry-run:{MONDAY}:k"), False),
    "an earlier open held for another AMS": (
        lambda q: _monday(q, "open", "2026-11-20", end="held", portal="ams:PBCAMS-310000"), False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_close_waits_only_for_an_earlier_unfiled_row_of_another_run(case: str, tmp_path: Path) -> None:
    queue = WorkQueue(f"sqlite:///{tmp_path / 'queue.db'}")
    queue.create_schema()
    make, waits = CASES[case]
    make(queue)
    record = FilingRecord.model_validate(_row("close", "2026-11-25"))
    [made] = queue.enqueue_many(FLOW, TUESDAY, [
        NewItem("k-tuesday", {"portal": AMS, "record": record.model_dump(mode="json"), "row": 4},
                order_group=ACCOUNT)])
    item = queue.claim(run_id=TUESDAY, owner="robot-1:4712:w0", lease_seconds=60)
    assert item is not None and item.id == made.item_id

    if not waits:
        waits_for_earlier_row(queue, item, record)
        return
    with pytest.raises(NeedsPerson) as held:
        waits_for_earlier_row(queue, item, record)
    note = held.value.details["note"]
    assert note.startswith(f"同一账户在前的运行 {MONDAY} 第4行（"), note
    # only this row goes back: the run's other ended rows (AMS's refusals) are not pressed again
    # (tester BJ F6, 2026-12-07, followed a note naming the whole run)
    assert note.endswith(f"rpa runs retry {TUESDAY} --items {item.id}"), note
