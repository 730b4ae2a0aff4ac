"""An account closed and opened again (a reopened account) is filed in its new life: AMS's 开户 or
撤销 of the earlier life is no conflict of a row after the break (tester M: a reopened account's
new 撤销 was held as `AMS中该账户已于2025-03-01撤销报备`); without a break, it still is."""

from __future__ import annotations

import pytest

from bots.ams import HistoryEntry
from bots.ams.pages.history import AccountHistory
from flows.account_filing.history_match import match_history
from flows.account_filing.records import FilingRecord
from tests.integration.ams_helpers import basic_record

ACCOUNT = "6228480012345670035"
FIRST_OPEN = HistoryEntry("open", "2020-05-06", "100020200506000011", "/detail/1")
CLOSED = HistoryEntry("close", "2025-03-01", "100020250301000012", "/detail/2")
REOPENED = HistoryEntry("open", "2026-12-04", "100020261204000013", "/detail/3")


def _record(action: str, day: str) -> FilingRecord:
    extra = {"basic_account_permit": "J1000000011301", "close_reason": "解散"} if action == "close" else {}
    return FilingRecord.model_validate(basic_record(ACCOUNT, action=action, day=day, **extra))


def _unread(entry: HistoryEntry) -> dict[str, str]:
    raise AssertionError(f"no 详情 of another day is read: {entry.filing_no}")


@pytest.mark.parametrize(("action", "day", "entries", "conflict"), [
    ("close", "2026-12-06", (FIRST_OPEN, CLOSED, REOPENED), None),  # the new life's 撤销
    ("open", "2026-12-04", (FIRST_OPEN, CLOSED), None),  # the reopening itself
    ("close", "2026-12-06", (FIRST_OPEN, CLOSED), CLOSED),  # closed already, never reopened
    ("open", "2026-12-04", (FIRST_OPEN,), FIRST_OPEN),  # open already, never closed
    ("open", "2020-05-07", (FIRST_OPEN, CLOSED, REOPENED), FIRST_OPEN),  # the first life's, a day off
], ids=["new_close", "reopening", "closed_twice", "opened_twice", "first_life_other_day"])
def test_an_earlier_life_s_filing_is_no_conflict(
    action: str, day: str, entries: tuple[HistoryEntry, ...], conflict: HistoryEntry | None
) -> None:
    found = match_history(_record(action, day), AccountHistory(ACCOUNT, True, entries), _unread)
    assert found.already is None
    assert found.conflict_filing == (None if conflict is None else conflict.filing_no)
