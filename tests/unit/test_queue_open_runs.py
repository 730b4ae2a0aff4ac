"""`WorkQueue.runs_with_open_items`: what `rpa worker` joins, on SQLite and PostgreSQL."""

from __future__ import annotations

from rpa.queue.work_queue import WorkQueue

OLDER, NEWER, ENDED = (
    "20261201-090000-account-filing-aaaaaa",
    "20261202-090000-account-filing-bbbbbb",
    "20261130-090000-account-filing-cccccc",
)


def test_runs_with_open_items_oldest_first_of_one_flow(db_url: str) -> None:
    queue = WorkQueue(db_url)
    queue.create_schema()
    queue.enqueue("account-filing", ENDED, "open|1101000000003341818|2026-11-27|01", {"row": 4})
    queue.enqueue("account-filing", OLDER, "open|1101000000003238871|2026-11-27|02", {"row": 5})
    queue.enqueue("account-filing", NEWER, "change|1101000000004834000|2026-11-28|03", {"row": 6})
    queue.enqueue("account-filing", OLDER, "close|1101000000001021000|2026-11-28|04", {"row": 7})
    reports = "20261201-100000-report-extraction-dddddd"
    queue.enqueue("report-extraction", reports, "daily|110001|2026-11-27", {})
    ended = queue.claim(run_id=ENDED, owner="robot-a:11:w0", lease_seconds=60)
    assert ended is not None
    queue.complete(ended.id, "robot-a:11:w0", {"status": "filed"})

    assert queue.runs_with_open_items("account-filing") == [OLDER, NEWER]
    leased = queue.claim(run_id=OLDER, owner="robot-b:12:w0", lease_seconds=60)
    assert leased is not None  # a run with an item leased elsewhere is still open
    assert queue.runs_with_open_items("account-filing") == [OLDER, NEWER]
    assert queue.runs_with_open_items("enterprise-check") == []
