"""Filing deadlines from config/deadlines.yaml, counted in PRC working days."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from flows.account_filing import load_aliases, load_deadline_rules, read_export, validate_rows
from flows.account_filing.deadlines import DeadlineRules, deadline_for
from rpa.errors import ConfigError
from rpa.settings import PROJECT_ROOT
from rpa.workdays import Deadline, WorkCalendar

CONFIG = PROJECT_ROOT / "config"
NO_SUCH_COLUMNS = frozenset({"registered_capital_yuan", "business_scope"})


@pytest.fixture(scope="module")
def rules() -> DeadlineRules:
    return load_deadline_rules(CONFIG)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.load(PROJECT_ROOT / "calendar.yaml")


def test_the_rules_file_gives_each_kind_and_action_its_days(rules: DeadlineRules) -> None:
    def days(action: str, kind: str) -> tuple[int, str]:
        rule = rules.rule_for(action=action, kind=kind)
        assert rule is not None
        return rule.working_days, rule.counts_from

    assert days("open", "basic") == (0, "business_date")
    assert days("open", "temporary") == (0, "business_date")
    assert days("open", "general") == (5, "business_date")
    assert days("open", "special") == (5, "business_date")
    assert days("change", "general") == (2, "notice_date_or_business")
    assert days("close", "basic") == (2, "business_date")
    assert "ASSUMPTION" in (CONFIG / "deadlines.yaml").read_text(encoding="utf-8")


def test_general_open_across_national_day(rules: DeadlineRules, calendar: WorkCalendar) -> None:
    due = deadline_for(rules, calendar, action="open", kind="general", business_date=date(2026, 9, 30))
    assert due == Deadline(date(2026, 10, 13), estimated=False)


def test_same_day_filing_opened_on_a_holiday_is_due_the_next_working_day(
    rules: DeadlineRules, calendar: WorkCalendar
) -> None:
    due = deadline_for(rules, calendar, action="open", kind="basic", business_date=date(2026, 10, 3))
    assert due.due == date(2026, 10, 8)


def test_a_change_counts_from_the_notice_date_when_given(
    rules: DeadlineRules, calendar: WorkCalendar
) -> None:
    from_notice = deadline_for(
        rules,
        calendar,
        action="change",
        kind="basic",
        business_date=date(2026, 10, 9),
        notice_date=date(2026, 9, 29),
    )
    assert from_notice.due == date(2026, 10, 8)  # Sep 30, then Oct 8
    from_business = deadline_for(
        rules, calendar, action="change", kind="basic", business_date=date(2026, 10, 9)
    )
    assert from_business.due == date(2026, 10, 12)  # Oct 10 (make-up Saturday), Oct 12


def test_a_close_into_2027_uses_calendar_yaml(rules: DeadlineRules, calendar: WorkCalendar) -> None:
    due = deadline_for(rules, calendar, action="close", kind="general", business_date=date(2026, 12, 30))
    assert due.due == date(2027, 1, 4)  # Dec 31, then Jan 4 after 元旦
    assert due.estimated  # 2027 is provisional in calendar.yaml: a plausible schedule, marked so


def test_a_close_into_an_unknown_2027_is_estimated(rules: DeadlineRules, tmp_path: Path) -> None:
    (tmp_path / "calendar.yaml").write_text("years: {}\n", encoding="utf-8")
    calendar = WorkCalendar.load(tmp_path / "calendar.yaml")
    due = deadline_for(rules, calendar, action="close", kind="general", business_date=date(2026, 12, 30))
    assert due == Deadline(date(2027, 1, 1), estimated=True)  # the weekday rule cannot know 元旦


def test_an_incomplete_rules_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "deadlines.yaml").write_text(
        "rules:\n  - {kinds: [basic, general, special, temporary], actions: [open, change],"
        " working_days: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="没有 basic 账户 close 业务的期限规则"):
        load_deadline_rules(tmp_path)
    with pytest.raises(ConfigError, match="不存在"):
        load_deadline_rules(tmp_path / "absent")


def test_approval_rule_names_non_enterprise_basic_and_temporary_accounts(rules: DeadlineRules) -> None:
    assert rules.approval.requires_approval(action="open", kind="basic", category="03")
    assert rules.approval.requires_approval(action="open", kind="temporary", category="08")
    assert not rules.approval.requires_approval(action="open", kind="basic", category="01")
    assert not rules.approval.requires_approval(action="open", kind="general", category="03")


def _export(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    headers = [
        "业务类型",
        "账号",
        "账户性质",
        "开户日期",
        "存款人名称",
        "存款人类别",
        "统一社会信用代码",
        "法定代表人类别",
        "法定代表人姓名",
        "证件种类",
        "证件号码",
        "注册地址",
        "开户银行机构代码",
        "基本存款账户编号",
    ]
    path = tmp_path / "export.csv"  # no 注册资金 or 经营范围 column: stated, as --absent-column does
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, headers)
        writer.writeheader()
        for number, row in enumerate(rows):
            writer.writerow(
                {
                    "业务类型": "开户",
                    "账号": f"62284800123456{number:05d}",
                    "存款人名称": "北京华信科技有限公司",
                    "存款人类别": "01",
                    "统一社会信用代码": "91110000600037341L",
                    "法定代表人类别": "法定代表人",
                    "法定代表人姓名": "张三",
                    "证件种类": "居民身份证",
                    "证件号码": "11010519491231002X",
                    "注册地址": "北京市朝阳区建国路88号",
                    "开户银行机构代码": "102100099996",
                    "基本存款账户编号": "J1000000000001",
                    **row,
                }
            )
    return path


def test_rows_are_marked_overdue_due_today_or_estimated(
    rules: DeadlineRules, calendar: WorkCalendar, tmp_path: Path
) -> None:
    path = _export(
        tmp_path,
        [
            # T+0: overdue on the 27th (a basic account's own number is AMS's to issue: none here)
            {"账户性质": "基本存款账户", "开户日期": "2026-11-26", "基本存款账户编号": ""},
            {"账户性质": "一般存款账户", "开户日期": "2026-11-20"},  # 5 working days: due on the 27th
            {"账户性质": "专用存款账户", "开户日期": "2026-11-26"},  # due Dec 3
        ],
    )
    with read_export(path, aliases=load_aliases(CONFIG)) as export:
        report = validate_rows(
            export, calendar=calendar, rules=rules, today=date(2026, 11, 27), absent=NO_SUCH_COLUMNS
        )
    overdue, today, later = report.outcomes
    assert (overdue.overdue, overdue.due_today) == (True, False)
    assert [w.code for w in overdue.warnings] == ["deadline_overdue"]
    assert "2026-11-26" in overdue.warnings[0].message
    assert (today.overdue, today.due_today, today.warnings) == (False, True, [])
    assert later.deadline == Deadline(date(2026, 12, 3), estimated=False)
    assert (later.overdue, later.due_today) == (False, False)
    assert report.counts["overdue"] == 1 and report.counts["due_today"] == 1


def test_a_row_in_an_unknown_year_gets_an_estimated_deadline_with_a_warning(
    rules: DeadlineRules, calendar: WorkCalendar, tmp_path: Path
) -> None:
    path = _export(tmp_path, [{"账户性质": "一般存款账户", "开户日期": "2031-01-02"}])
    with read_export(path, aliases=load_aliases(CONFIG)) as export:
        report = validate_rows(
            export, calendar=calendar, rules=rules, today=date(2031, 1, 3), absent=NO_SUCH_COLUMNS
        )
    (outcome,) = report.outcomes
    assert outcome.valid
    assert outcome.deadline == Deadline(date(2031, 1, 9), estimated=True)
    (warning,) = outcome.warnings
    assert warning.code == "deadline_estimated"
    assert "2031" in warning.message and "估算" in warning.message
    assert "deadline_estimated" in report.render_text()


def test_a_row_counted_into_a_provisional_year_is_marked_estimated_naming_the_year(
    rules: DeadlineRules, calendar: WorkCalendar, tmp_path: Path
) -> None:
    path = _export(tmp_path, [{"账户性质": "一般存款账户", "开户日期": "2026-12-30"}])
    with read_export(path, aliases=load_aliases(CONFIG)) as export:
        report = validate_rows(
            export, calendar=calendar, rules=rules, today=date(2026, 12, 30), absent=NO_SUCH_COLUMNS
        )
    (outcome,) = report.outcomes
    assert outcome.deadline is not None and outcome.deadline.estimated
    (warning,) = outcome.warnings
    assert warning.code == "deadline_estimated" and "2027年的节假日安排未定" in warning.message
    assert "2026" not in warning.message.split("：", 1)[1]
