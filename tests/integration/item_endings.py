"""Items of a filing run ended as the flow and its people end them (filed, refused by AMS,
rejected by a checker, filed by hand, awaiting a checker, retried), in a real queue, and the
word each must read as: the word its row has in result.xlsx (`rpa.outcomes.item_label`)."""

from __future__ import annotations

from collections.abc import Callable

from rpa.queue.work_queue import WorkQueue

OWNER, REFUSED = "test-owner", "basic_account_missing"
# the item's name -> the one word it reads as wherever it is shown on its own
ROW_WORDS = {"refused": "门户拒绝", "filed": "已报备", "checker": "复核退回", "by_hand": "人工报备",
             "awaiting": "待复核", "retried": "未完成"}


def end_items(queue: WorkQueue, run_id: str) -> dict[str, int]:
    """One item per entry of `ROW_WORDS`, ended so; returns each one's id by name."""
    queue.create_schema()
    refused = {"status": "refused", "portal_message": "基本存款账户不存在"}
    endings: dict[str, Callable[[int], object]] = {
        "refused": lambda i: queue.fail_business(i, OWNER, REFUSED, "AMS 拒绝", result=refused),
        "filed": lambda i: queue.complete(i, OWNER, {"status": "filed", "filing_no": "100020260105000001"}),
        "checker": lambda i: queue.fail_business(i, OWNER, "rejected_by_checker", "复核人退回",
                                                 result={"status": "rejected_by_checker"}),
        "by_hand": lambda i: queue.complete(i, OWNER, {"status": "filed_by_hand", "note": "人工报备：柜面"}),
        "awaiting": lambda i: queue.hold(i, OWNER, "awaiting_approval", "待复核",
                                         result={"status": "awaiting_approval"}),
        "retried": lambda i: queue.fail_business(i, OWNER, REFUSED, "AMS 拒绝", result=refused),
    }
    ids: dict[str, int] = {}
    for name, end in endings.items():
        queue.enqueue("account-filing", run_id, f"{run_id}:{name}", {"row": len(ids) + 2})
        item = queue.claim(run_id=run_id, owner=OWNER, lease_seconds=30)
        assert item is not None
        end(item.id)
        ids[name] = item.id
    assert queue.retry(run_id, [ids["retried"]]) == [ids["retried"]]  # pending again, its result kept
    return ids
