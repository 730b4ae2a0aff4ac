"""An export that gives each action its own date column: 开户日期, 变更日期 and 销户日期 side by
side, as some core-banking systems write them (DOMAIN.md's single 开户日期 column holds the
date of whichever action the row is). A row's date is read from its action's column only: a
变更 row's 开户日期 is when the account was opened years ago, and counting its deadline from
there would make a fresh change overdue; filing it under that date would be another filing.

Rows are typed here from DOMAIN.md's check-digit samples; the layout is another bank's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from flows.account_filing import validate_file
from rpa.errors import InputFileError
from rpa.settings import PROJECT_ROOT
from tests.e2e.cli_helpers import make_cli_env

pytestmark = pytest.mark.timeout(120)

CONFIG = PROJECT_ROOT / "config"
CALENDAR = PROJECT_ROOT / "calendar.yaml"
TODAY = date(2026, 11, 27)

HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "变更日期", "销户日期", "存款人名称", "存款人类别",
    "统一社会信用代码", "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址",
    "注册资金(万元)", "经营范围", "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因",
]  # fmt: skip


def row(
    action: str, account: str, opened: str, changed: str = "", closed: str = "", **cells: str
) -> list[Any]:
    values = {
        "业务类型": action, "账号": account, "账户性质": "一般存款账户", "开户日期": opened,
        "变更日期": changed, "销户日期": closed, "存款人名称": "北京华信科技有限公司", "存款人类别": "01",
        "统一社会信用代码": "91110000600037341L", "法定代表人类别": "法定代表人", "法定代表人姓名": "张三",
        "证件种类": "居民身份证", "证件号码": "11010519491231002X", "注册地址": "北京市朝阳区建国路88号",
        "注册资金(万元)": "100", "经营范围": "技术开发", "开户银行机构代码": "102100099996",
        "基本存款账户编号": "J1000000000002", "变更事项": "经营范围" if action == "变更" else "",
        "撤销原因": "撤并" if action == "撤销" else "",
    } | cells  # fmt: skip
    return [values.get(header, "") for header in HEADERS]


def export(tmp_path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for values in rows:
        sheet.append([v for h, v in zip(HEADERS, values, strict=True) if h in headers])
    path = tmp_path / "export.xlsx"
    book.save(path)
    return path


def validate(path: Path) -> Any:
    return validate_file(path, config_dir=CONFIG, calendar_file=CALENDAR, today=TODAY)


def test_each_row_takes_its_date_from_its_own_actions_column(tmp_path: Path) -> None:
    path = export(tmp_path, [
        row("开户", "6228480012345678901", "2026-11-20"),
        row("变更", "6228480012345678902", "2019-03-01", changed="2026-11-25"),
        row("撤销", "6228480012345678903", "2015-06-30", closed="2026年11月26日"),
    ])  # fmt: skip
    report = validate(path)
    dates = [(o.record.action, o.record.business_date) for o in report.outcomes if o.record]
    assert dates == [
        ("open", date(2026, 11, 20)), ("change", date(2026, 11, 25)), ("close", date(2026, 11, 26)),
    ]  # fmt: skip
    assert all(o.valid and not o.overdue for o in report.outcomes)  # 2019's date would be long overdue


def test_a_change_or_close_dated_before_its_own_rows_opening_is_refused(tmp_path: Path) -> None:
    """Tester BE F9 (2026-12-07): a 变更 whose 开户日期 (2026-11-25) is after its 变更日期
    (2026-11-20) was filed without a word: one of its two dates is wrong. The same day, an
    opening that does not read, and a blank 开户日期 are no refusal."""
    path = export(tmp_path, [
        row("变更", "6228480012345678902", "2026-11-25", changed="2026-11-20"),
        row("撤销", "6228480012345678903", "2026-11-26", closed="2026-11-25"),
        row("变更", "6228480012345678904", "2026-11-20", changed="2026-11-20"),
        row("变更", "6228480012345678905", "", changed="2026-11-20"),
    ])  # fmt: skip
    first, second, same, blank = validate(path).outcomes
    for outcome, column in ((first, "变更日期"), (second, "销户日期")):
        (problem,) = [i for i in outcome.errors if i.code == "action_date_before_opening"]
        assert not outcome.valid and problem.column == column, outcome.errors
        assert "早于同一行的开户日期" in problem.message
    assert same.valid and blank.valid, (same.errors, blank.errors)


def test_a_row_whose_own_date_is_blank_is_invalid_naming_that_cell_not_given_another_date(
    tmp_path: Path,
) -> None:
    path = export(tmp_path, [row("变更", "6228480012345678902", "2019-03-01")])
    (outcome,) = validate(path).outcomes
    assert not outcome.valid and outcome.record is None
    (problem,) = [i for i in outcome.errors if i.code == "required_missing"]
    assert problem.column == "变更日期" and problem.cell == "E2"


def test_an_action_without_a_date_column_of_its_own_is_invalid_not_read_from_another(tmp_path: Path) -> None:
    headers = [h for h in HEADERS if h != "变更日期"]  # 开户日期 and 销户日期 only
    path = export(tmp_path, [
        row("变更", "6228480012345678902", "2019-03-01"),
        row("撤销", "6228480012345678903", "2015-06-30", closed="2026-11-26"),
    ], headers)  # fmt: skip
    change, close = validate(path).outcomes
    assert not change.valid and change.record is None
    (problem,) = change.errors
    assert problem.code == "action_date_column_missing" and problem.column == "变更日期"
    assert "不取其他业务的日期" in problem.message and problem.cell is None
    assert close.valid and close.record is not None and close.record.business_date == date(2026, 11, 26)


def test_a_row_whose_action_does_not_read_counts_from_its_earliest_date(tmp_path: Path) -> None:
    path = export(tmp_path, [row("开销", "6228480012345678902", "2026-11-02", changed="2026-11-25")])
    (outcome,) = validate(path).outcomes
    assert not outcome.valid and outcome.parsed["business_date"] == date(2026, 11, 2)
    assert outcome.deadline is not None  # the earliest it could be, so it is told in time


def test_a_generic_date_column_beside_an_actions_own_is_still_refused(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["业务日期" if h == "销户日期" else h for h in HEADERS])  # which date is it?
    sheet.append(row("开户", "6228480012345678901", "2026-11-20", closed="2026-11-21"))
    book.save(path := tmp_path / "export.xlsx")
    with pytest.raises(InputFileError, match="都对应「开户日期」"):
        validate(path)


def test_the_cli_reports_the_layout_and_the_rows_as_a_clerk_reads_them(tmp_path: Path) -> None:
    path = export(tmp_path, [
        row("开户", "6228480012345678901", "2026-11-20"),
        row("变更", "6228480012345678902", "2019-03-01"),
    ])  # fmt: skip
    cli = make_cli_env(tmp_path)
    done = cli.run("validate", "account-filing", str(path), "--today", "2026-11-27", "--json")
    assert done.returncode == 1, done.stderr  # one row invalid
    data = json.loads(done.stdout)
    assert [r["row"] for r in data["rows"] if r["errors"]] == [3]
    (error,) = next(r for r in data["rows"] if r["row"] == 3)["errors"]
    assert error["column"] == "变更日期" and error["cell"] == "E3"
    assert "Traceback" not in done.stderr
