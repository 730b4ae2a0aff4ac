"""PRC working days: chinesecalendar, calendar.yaml on top, and honest estimates beyond both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from loguru import logger

from rpa.errors import ConfigError
from rpa.settings import PROJECT_ROOT
from rpa.workdays import Deadline, WorkCalendar

REPO_CALENDAR = PROJECT_ROOT / "calendar.yaml"
OFFICIAL_2027 = """
years:
  2027:
    holidays:
      - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
      - {name: 春节, from: 2027-02-05, to: 2027-02-13}
      - 2027-06-09
      - {name: 劳动节, from: 2027-05-01, to: 2027-05-05}
      - {name: 国庆节, from: 2027-10-01, to: 2027-10-07}
    workdays: [2027-02-20]
"""


@pytest.fixture
def warnings_logged() -> Iterator[list[str]]:
    """Messages loguru logs at WARNING or above while the test runs."""
    messages: list[str] = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="WARNING")
    yield messages
    logger.remove(sink)


def write_calendar(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def calendar() -> WorkCalendar:
    return WorkCalendar.load(REPO_CALENDAR)


def test_national_day_2026_comes_from_the_package(calendar: WorkCalendar) -> None:
    for day in range(1, 8):
        status = calendar.day_status(date(2026, 10, day))
        assert (status.working, status.known, status.source) == (False, True, "chinesecalendar")
    assert calendar.is_working_day(date(2026, 10, 8))  # Thursday after the holiday
    assert calendar.is_working_day(date(2026, 9, 20))  # make-up Sunday before it


def test_five_working_days_across_national_day_count_the_make_up_saturday(calendar: WorkCalendar) -> None:
    # Sep 30 (Wed) + 5: Oct 8, Oct 9, Oct 10 (make-up Saturday), Oct 12, Oct 13
    assert calendar.add_working_days(date(2026, 9, 30), 5) == Deadline(date(2026, 10, 13), estimated=False)


def test_a_make_up_saturday_is_a_working_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(date(2026, 10, 9), 1).due == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 2, 27), 1).due == date(2026, 2, 28)
    assert calendar.last_working_day_of_month(2026, 2) == date(2026, 2, 28)  # a Saturday
    assert not calendar.is_working_day(date(2026, 10, 11))  # the Sunday after stays a rest day


def test_zero_working_days_is_the_same_day_or_the_next_working_day(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(date(2026, 11, 27), 0) == Deadline(date(2026, 11, 27), estimated=False)
    assert calendar.add_working_days(date(2026, 10, 3), 0).due == date(2026, 10, 8)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 11, 27), -1)


def test_next_and_previous_working_day_skip_the_holiday(calendar: WorkCalendar) -> None:
    assert calendar.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert calendar.previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert calendar.last_working_day_of_month(2026, 9) == date(2026, 9, 30)


def test_into_2027_through_calendar_yaml(tmp_path: Path) -> None:
    calendar = WorkCalendar.load(write_calendar(tmp_path, OFFICIAL_2027))
    assert calendar.covers_year(2027)
    # Dec 28 (Mon) + 5: Dec 29, 30, 31, then 元旦 Jan 1-3, then Jan 4, Jan 5
    assert calendar.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 5), estimated=False)
    status = calendar.day_status(date(2027, 2, 20))
    assert (status.working, status.known, status.source) == (True, True, "calendar.yaml")
    assert not calendar.is_working_day(date(2027, 6, 9))
    # a 2027 date the file does not list follows the weekday rule, and is known
    assert calendar.day_status(date(2027, 3, 3)).working is True  # Wednesday
    saturday = calendar.day_status(date(2027, 3, 6))
    assert (saturday.working, saturday.known) == (False, True)


def test_the_repository_calendar_covers_2027_provisionally(
    calendar: WorkCalendar, warnings_logged: list[str]
) -> None:
    assert calendar.covers_year(2027) and calendar.is_provisional(2027)
    assert not calendar.is_provisional(2026)
    deadline = calendar.add_working_days(date(2026, 12, 28), 5)
    assert deadline == Deadline(date(2027, 1, 5), estimated=True)  # through a provisional year
    assert calendar.add_working_days(date(2026, 12, 1), 5) == Deadline(date(2026, 12, 8), estimated=False)
    status = calendar.day_status(date(2027, 1, 1))
    assert status.source == "calendar.yaml (provisional)" and status.provisional and status.known
    assert any("2027" in m and "暂定" in m for m in warnings_logged)


def test_without_2027_the_deadline_is_estimated_and_warned_once(
    tmp_path: Path, warnings_logged: list[str]
) -> None:
    calendar = WorkCalendar.load(write_calendar(tmp_path, "years: {}\n"))
    assert not calendar.covers_year(2027)
    # Jan 1 2027 is a Friday: the weekday rule counts it, so the (estimated) due date is Jan 4
    assert calendar.add_working_days(date(2026, 12, 28), 5) == Deadline(date(2027, 1, 4), estimated=True)
    calendar.add_working_days(date(2027, 3, 1), 10)
    assert len([m for m in warnings_logged if "2027" in m]) == 1


def test_an_unknown_year_is_never_silently_a_weekday(
    calendar: WorkCalendar, warnings_logged: list[str]
) -> None:
    status = calendar.day_status(date(2031, 1, 1))
    assert (status.working, status.known, status.source) == (True, False, "weekday rule")
    assert calendar.add_working_days(date(2031, 1, 3), 1) == Deadline(date(2031, 1, 6), estimated=True)
    assert calendar.add_working_days(date(2030, 12, 31), 0).estimated is True
    assert not calendar.covers_year(2031)
    assert sum("2031" in m for m in warnings_logged) == 1


def test_calendar_yaml_overrides_a_year_the_package_knows(tmp_path: Path) -> None:
    text = "years:\n  2026:\n    holidays: [2026-11-27]\n    workdays: [2026-11-28]\n"
    calendar = WorkCalendar.load(write_calendar(tmp_path, text))
    assert calendar.day_status(date(2026, 11, 27)).source == "calendar.yaml"
    assert not calendar.is_working_day(date(2026, 11, 27))
    assert calendar.is_working_day(date(2026, 11, 28))
    assert calendar.day_status(date(2026, 10, 1)).source == "chinesecalendar"  # the rest of 2026


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("years:\n  2027:\n    holidays: [2027-01-01]\n    workdays: [2027-01-01]\n", "既列为假日又列为"),
        ("years:\n  2027:\n    holidays: [2028-01-01]\n", "不是 2027 年的日子"),
        ("years:\n  2027:\n    holidays: [{name: x, from: 2027-01-05, to: 2027-01-01}]\n", "早于 from"),
        # the file and line of the YAML error
        ("years:\n  2027:\n    holidays: [2027-01-01\n", "calendar.yaml 第4行"),
        # tester T's U7: said in Chinese, naming the key
        ("years:\n  2027:\n    unknown_key: 1\n", "years.2027.unknown_key：不认识的字段"),
        ("years:\n  2026:\n    holidays: [2026/12/07]\n", "years.2026.holidays.0：须是日期"),
        ("years:\n  2026:\n    holidays: [2026-02-30]\n", "写成日期却不存在的日子"),
        # tester T's S6: a 2027 the package does not know, not provisional, without its holidays
        ("years:\n  2027:\n    provisional: false\n", "没有把法定假日 1月1日、5月1日、10月1日"),
        ("years:\n  2027:\n    holidays: [2027-01-01]\n", "没有把法定假日 5月1日、10月1日"),
    ],
)
def test_a_malformed_calendar_file_is_a_config_error(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        WorkCalendar.load(write_calendar(tmp_path, text))


def test_a_missing_calendar_file_leaves_the_package(tmp_path: Path, warnings_logged: list[str]) -> None:
    calendar = WorkCalendar.load(tmp_path / "absent.yaml")
    assert calendar.add_working_days(date(2026, 9, 30), 5).due == date(2026, 10, 13)
    assert not calendar.covers_year(2027)
    assert any("不存在" in m for m in warnings_logged)
