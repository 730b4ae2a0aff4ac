"""The rows of one account are filed one at a time, in business order, whatever the file's order.

An export lists a general account's close first, then its change, then its open (and a second
account's close before its open), among other accounts' opens. Two workers, each claiming one
item ahead, file everything with real Chromium against the mock AMS, which refuses a change or
close of an account it does not hold as open: no refusal, and AMS's own record shows each
account's filings in business order, each attempt begun only after the one before it ended.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.records import FilingRecord
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import BANK_A, BANK_B, basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

BASIC_PERMIT = "J1031000000101"
CHAINED = "110020260001"  # open, change and close, listed close first
SHORT_LIVED = "110020260002"  # open and close, listed close first


def _records() -> list[dict[str, Any]]:
    """The export's rows in file order, as canonical records."""
    general: dict[str, Any] = {
        "account_kind": "general",
        "basic_account_permit": BASIC_PERMIT,
        "bank_code": BANK_A,
    }
    new_address = {**general, "change_items": "注册地址", "registered_address": "北京市朝阳区建国路88号"}
    rows = [
        basic_record(CHAINED, day="2026-11-25", action="close", close_reason="转户", **general),
        basic_record(CHAINED, day="2026-11-23", action="change", **new_address),
        basic_record("110020260101", serial=11, day="2026-11-20"),
        basic_record(SHORT_LIVED, day="2026-11-26", action="close", close_reason="撤并", **general),
        basic_record(SHORT_LIVED, day="2026-11-24", **general),
        basic_record("110020260102", serial=12, day="2026-11-24"),
        basic_record(CHAINED, day="2026-11-23", **general),  # the same day as its change
        basic_record("110020260103", serial=13, day="2026-11-26"),
    ]
    return [FilingRecord.model_validate(r).model_dump() for r in rows]


def test_the_rows_of_one_account_are_filed_in_business_order_one_at_a_time(
    ams: AmsHandle, tmp_path: Path
) -> None:
    # the depositor's basic account, at another bank: the general accounts hang off its permit
    basic = basic_record("020020260001", bank_code=BANK_B, basic_account_permit=BASIC_PERMIT)
    ams.seed([{**basic, "business_date": "2019-05-06", "filing_no": "AMS2019050600001"}])
    records = _records()
    source = write_export(tmp_path / "accounts.xlsx", records)
    # the queue keeps what the test reads back (account groups, payloads) after the run ends
    settings = filing_settings(tmp_path, ams, 2).model_copy(update={"payload_retention": "keep"})

    outcome = execute_run(
        settings, "account-filing", {"flow_params": {"input": str(source), "today": REFERENCE_DAY}}, workers=2
    )

    assert outcome.exit_code == 0, outcome
    assert outcome.counts.get("done") == len(records), outcome.counts
    submissions = ams.submissions()
    assert [s["outcome"] for s in submissions] == ["filed"] * len(records), submissions
    assert {r["状态"] for r in read_result(outcome.folder / "result.xlsx").values()} == {"已报备"}
    filings = ams.filings()  # in the order AMS took them
    assert [(f["action"], f["business_date"]) for f in filings if f["account_no"] == CHAINED] == [
        ("open", "2026-11-23"),
        ("change", "2026-11-23"),
        ("close", "2026-11-25"),
    ]
    assert [f["action"] for f in filings if f["account_no"] == SHORT_LIVED] == ["open", "close"]
    _assert_each_account_worked_one_at_a_time(WorkQueue.from_settings(settings), outcome.run_id)


def _assert_each_account_worked_one_at_a_time(queue: WorkQueue, run_id: str) -> None:
    """Within an account, every attempt starts after every attempt of the item before ended."""
    by_account: dict[str | None, list[int]] = {}
    for item in queue.items(run_id):
        by_account.setdefault(item.order_group, []).append(item.id)
    assert None not in by_account and len(by_account[CHAINED]) == 3 and len(by_account[SHORT_LIVED]) == 2
    for ids in by_account.values():
        for before, after in itertools.pairwise(ids):
            ended = [a.ended_at for a in queue.history(before)]
            assert all(e is not None for e in ended)
            latest_end = max(e for e in ended if e is not None)
            assert min(a.started_at for a in queue.history(after)) >= latest_end
    actions = [queue.get(i).payload["record"]["action"] for i in by_account[CHAINED]]
    assert actions == ["open", "change", "close"]
