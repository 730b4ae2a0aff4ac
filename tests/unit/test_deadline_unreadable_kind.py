"""A row whose 账户性质 (or 业务类型) does not read is invalid, yet it is an account to file by a
deadline: DOMAIN.md gives 开户 of a basic or temporary account T+0 and of a general or special one
5 working days, 变更 2 working days from the notice, 撤销 2 working days. Not knowing which kind,
the earliest it could be is its deadline, so the row is told overdue no later than it really is.
Dates counted by hand on the PRC calendar of November 2026 (no holiday: weekends only)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.account_filing import validate_file
from rpa.settings import PROJECT_ROOT
from tests.check_exports import open_row, uscc, write_export

CODE = uscc("91110108MA01ABCD5")


def _row(action: str, account: str, day: str, *, notice: str = "", reason: str = "") -> list[object]:
    row = open_row(account, "北京长河科技有限公司", CODE, "刘洋", day)
    row[0], row[2] = action, ""  # 账户性质 left blank
    if action == "变更":
        row[16] = "注册地址"
    row[17], row[18] = reason, notice
    return row


def test_a_row_without_its_account_kind_gets_the_earliest_deadline_it_could_have(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.xlsx", [
        _row("变更", "6228480077770000011", "2026-11-25", notice="2026-11-27"),  # Fri +2: Tue 12-01
        _row("撤销", "6228480077770000029", "2026-11-27", reason="转户"),  # Fri +2: Tue 12-01
        _row("开户", "6228480077770000037", "2026-11-20"),  # T+0 (basic) before +5 (general): Fri 11-20
        _row("开户", "6228480077770000045", "2026-11-21"),  # a Saturday: T+0 is Monday 11-23
    ])  # fmt: skip
    report = validate_file(export, config_dir=PROJECT_ROOT / "config",
                           calendar_file=PROJECT_ROOT / "calendar.yaml", today=date(2026, 12, 5))
    outcomes = report.outcomes
    assert [o.valid for o in outcomes] == [False] * 4
    assert [o.deadline.due.isoformat() if o.deadline else None for o in outcomes] == [
        "2026-12-01", "2026-12-01", "2026-11-20", "2026-11-23"]
    assert all(o.overdue for o in outcomes)
    said = [i.message for o in outcomes for i in o.warnings if i.code == "deadline_earliest"]
    assert len(said) == 4 and "报备期限按可能的最早日期2026-12-01计" in said[0], said


def test_a_change_whose_business_date_does_not_read_counts_from_its_notice(tmp_path: Path) -> None:
    """DOMAIN.md: a 变更 is due 2 working days after the depositor's notice; its 开户日期 typed as
    2026-11-31 takes nothing from that. Notice Wednesday 2026-12-02: due Friday 12-04, overdue on
    Saturday 12-05. An 开户 whose date does not read has no deadline to count."""
    change = _row("变更", "6228480077770000053", "2026-11-31", notice="2026-12-02")
    change[2] = "基本存款账户"
    opened = _row("开户", "6228480077770000061", "2026-11-31")
    export = write_export(tmp_path / "export.xlsx", [change, opened])
    report = validate_file(export, config_dir=PROJECT_ROOT / "config",
                           calendar_file=PROJECT_ROOT / "calendar.yaml", today=date(2026, 12, 5))
    first, second = report.outcomes
    assert not first.valid and first.deadline is not None and first.deadline.due == date(2026, 12, 4)
    assert first.overdue
    assert second.deadline is None
