"""A deadline kept with what it is counted from is counted again under the calendar in force when
it is read (rpa.alerts.recount); one kept before that, as a date alone, is read as it stands.
Calendars and dates are written by hand: Saturday 2026-12-05 made a 调休 working day, 2027 known
or not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rpa.alerts.findings import PutAside
from rpa.alerts.recount import counted_from, deadline_now
from rpa.workdays import Deadline, WorkCalendar

MAKE_UP_1205 = "years:\n  2026:\n    workdays: [2026-12-05]\n"


def _calendar(tmp_path: Path, text: str) -> WorkCalendar:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return WorkCalendar.load(path)


def test_a_deadline_says_what_it_is_counted_from_and_is_counted_again_under_a_later_calendar(
    tmp_path: Path,
) -> None:
    published = _calendar(tmp_path, "years: {}\n")
    # Monday 2026-11-30 + 5 working days: Dec 1, 2, 3, 4, then Monday Dec 7
    kept = counted_from(published.add_working_days(date(2026, 11, 30), 5))
    assert kept == {"deadline_from": "2026-11-30", "deadline_working_days": 5}
    payload = {"deadline": "2026-12-07", "deadline_estimated": False, **kept}
    assert deadline_now(published, payload) == Deadline(date(2026, 12, 7), estimated=False)
    # Saturday Dec 5 made a working day: Dec 1 to 5
    made_up = _calendar(tmp_path, MAKE_UP_1205)
    assert deadline_now(made_up, payload) == Deadline(date(2026, 12, 5), estimated=False)


def test_a_deadline_through_a_year_no_calendar_knows_is_an_estimate_as_today(tmp_path: Path) -> None:
    # Monday 2026-12-28 + 5: Dec 29, 30, 31, Friday 2027-01-01 and Monday Jan 4 by the weekday rule
    details = {"deadline": "2027-01-05", "deadline_from": "2026-12-28", "deadline_working_days": 5}
    unknown = _calendar(tmp_path, "years: {}\n")
    assert deadline_now(unknown, details) == Deadline(date(2027, 1, 4), estimated=True)
    official = _calendar(tmp_path, "years:\n  2027:\n    holidays: [{from: 2027-01-01, to: 2027-01-03},"
                                   " 2027-05-01, {from: 2027-10-01, to: 2027-10-03}]\n")
    assert deadline_now(official, details) == Deadline(date(2027, 1, 5), estimated=False)


def test_what_was_kept_before_the_count_was_is_read_as_the_date_it_holds(tmp_path: Path) -> None:
    calendar = _calendar(tmp_path, MAKE_UP_1205)
    old_item = {"record": {"account_no": "6217003320001234567"}, "deadline": "2026-12-07"}
    assert deadline_now(calendar, old_item) == Deadline(date(2026, 12, 7), estimated=False)
    estimated = deadline_now(calendar, {"deadline": "2027-01-04", "deadline_estimated": True})
    assert estimated == Deadline(date(2027, 1, 4), estimated=True)
    assert deadline_now(calendar, {"deadline": None}) is None
    # a row put aside, as a run before this change recorded its row.validated
    old_row = PutAside.of("run-old", {"sheet": "开户清单", "row": 2, "status": "invalid",
                                      "deadline": "2026-12-07", "account": "***4567"})
    assert old_row.deadline_now(calendar) == Deadline(date(2026, 12, 7), estimated=False)
    new_row = PutAside.of("run-new", {"sheet": "开户清单", "row": 2, "status": "invalid",
                                      "deadline": "2026-12-07", "deadline_from": "2026-11-30",
                                      "deadline_working_days": 5})
    assert new_row.deadline_now(calendar) == Deadline(date(2026, 12, 5), estimated=False)
