"""An export without a 注册资金 column, filed through the real `rpa` command into the mock AMS.

- 变更 rows leave AMS's registered capital as it was (the portal's own record is the judge), and
  so any other field the 变更 form sends (法定代表人姓名); a 变更 without 账号 refuses the file;
- 开户 rows refuse the file (exit 2) naming the column and the aliases tried, unless the
  operator states the column is absent (`--absent-column 注册资金`): then the 开户 is filed as
  未标明注册资金 and the statement is in the audit chain and run.json.

The export is written here by hand with DOMAIN.md's headers; the values are DOMAIN.md's samples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
CHANGED = "6228480012345670019"
OPENED = "6228480012345670027"
PERMIT = "J1021000000019"
SEED = {
    "action": "open",
    "account_no": CHANGED,
    "account_kind": "basic",
    "business_date": "2026-11-02",
    "depositor_name": "厦门海联贸易有限公司",
    "depositor_category": "企业法人",
    "uscc": "91350200776049653A",
    "legal_rep_role": "法定代表人",
    "legal_rep_name": "李四",
    "id_type": "居民身份证",
    "id_number": "360426199101010071",
    "registered_address": "厦门市思明区湖滨南路1号",
    "registered_capital_yuan": "5000000.00",
    "business_scope": "货物进出口",
    "bank_code": "102100099996",
    "basic_account_permit": PERMIT,
}
CHANGE_ROW = [
    "变更", CHANGED, "基本存款账户", "2026-11-25", "厦门海联贸易有限公司", "01", "91350200776049653A",
    "法定代表人", "李四", "居民身份证", "360426199101010071", "厦门市思明区湖滨南路1号",
    "货物进出口、技术咨询", "102100099996", PERMIT, "经营范围", "", "", "310002",
]  # fmt: skip
OPEN_ROW = [
    "开户", OPENED, "基本存款账户", "2026-11-26", "北京华信科技有限公司", "01", "91110000600037341L",
    "法定代表人", "张三", "居民身份证", "11010519491231002X", "北京市朝阳区建国路88号", "技术开发",
    "102100099996", "", "", "", "", "310001",
]  # fmt: skip


def export(path: Path, rows: list[list[Any]]) -> Path:
    return export_with(path, HEADERS, rows)


def filing_of(ams: AmsHandle, account: str, action: str) -> dict[str, Any]:
    (found,) = [f for f in ams.filings() if f["account_no"] == account and f["action"] == action]
    return found


def cli_for(ams: AmsHandle, tmp_path: Path) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    return make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_without_a_capital_column_changes_keep_ams_value_and_opens_need_a_statement(
    ams: AmsHandle, tmp_path: Path
) -> None:
    ams.seed([SEED])
    cli = cli_for(ams, tmp_path)

    # 变更 only: filed, AMS's 注册资金 untouched
    changes = export(tmp_path / "changes.xlsx", [CHANGE_ROW])
    done = cli.run("run", "account-filing", "--input", str(changes), "--workers", "1", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    change = filing_of(ams, CHANGED, "change")
    assert change["record"]["business_scope"] == "货物进出口、技术咨询"
    assert change["record"]["registered_capital_yuan"] == "5000000.00"  # not 未标明
    result = load_workbook(cli.runs / run_id_from(done.stdout) / "result.xlsx").active
    assert result is not None
    (row,) = list(result.iter_rows(min_row=2, values_only=True))
    assert row[5] == "已报备" and "注册资金：未提供（原值不变）" in str(row[12])

    # 开户 in a file without the column: refused before anything is filed
    opens = export(tmp_path / "opens.xlsx", [OPEN_ROW])
    submitted = len(ams.submissions())
    refused = cli.run("run", "account-filing", "--input", str(opens), "--workers", "1", timeout=120)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = refused.stdout + refused.stderr
    assert "opens.xlsx" in said and "注册资金(万元)" in said and "注册资本(万元)" in said
    assert "--absent-column" in said and "Traceback" not in said
    assert len(ams.submissions()) == submitted

    # the operator states the export has no such column: filed as 未标明, and recorded
    stated = cli.run(
        "run", "account-filing", "--input", str(opens), "--workers", "1",
        "--absent-column", "注册资金", timeout=240,
    )  # fmt: skip
    assert stated.returncode == 0, stated.stdout + stated.stderr
    opened = filing_of(ams, OPENED, "open")
    assert opened["record"]["registered_capital_yuan"] is None
    folder = cli.runs / run_id_from(stated.stdout)
    events = [json.loads(line) for line in (folder / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    (statement,) = [e for e in events if e["event"] == "input.columns_absent"]
    assert statement["details"]["stated"] == ["注册资金(万元)"]
    run_info = (folder / "run.json").read_text(encoding="utf-8")
    assert "absent_columns" in run_info and "注册资金" in run_info


def without(dropped: str, *rows: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """DOMAIN.md's headers and `rows` without the `dropped` column."""
    at = HEADERS.index(dropped)
    return [h for h in HEADERS if h != dropped], [[v for i, v in enumerate(r) if i != at] for r in rows]


def export_with(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开销户明细"
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_change_without_the_name_column_keeps_ams_name_and_without_the_account_is_refused(
    ams: AmsHandle, tmp_path: Path
) -> None:
    ams.seed([SEED])
    cli = cli_for(ams, tmp_path)

    # no 账号 column: the 变更 cannot be found, the file is refused before anything is filed
    submitted = len(ams.submissions())
    headers, rows = without("账号", CHANGE_ROW)
    no_account = export_with(tmp_path / "no_account.xlsx", headers, rows)
    refused = cli.run("run", "account-filing", "--input", str(no_account), "--workers", "1", timeout=120)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    said = refused.stdout + refused.stderr
    assert "no_account.xlsx" in said and "账号" in said and "Traceback" not in said
    assert len(ams.submissions()) == submitted

    # no 法定代表人姓名 column: the 变更 is filed and AMS keeps the name it holds
    headers, rows = without("法定代表人姓名", CHANGE_ROW)
    no_name = export_with(tmp_path / "no_name.xlsx", headers, rows)
    done = cli.run("run", "account-filing", "--input", str(no_name), "--workers", "1", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    change = filing_of(ams, CHANGED, "change")
    assert change["record"]["business_scope"] == "货物进出口、技术咨询"
    assert change["record"]["legal_rep_name"] == "李四"  # AMS's own, never blank
    result = load_workbook(cli.runs / run_id_from(done.stdout) / "result.xlsx").active
    assert result is not None
    (row,) = list(result.iter_rows(min_row=2, values_only=True))
    assert row[5] == "已报备" and "法定代表人姓名" in str(row[12]) and "未提供（原值不变）" in str(row[12])


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_with_a_date_column_per_action_a_change_is_filed_on_its_change_date(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """开户日期 and 变更日期 side by side, as some exports give each action its own date: the 变更
    is filed under its 变更日期, not the day the account was opened (the file was refused
    before); a 变更 whose 变更日期 is blank is invalid, and result.xlsx leaves its 业务日期 blank
    rather than show the 开户日期 as its date."""
    ams.seed([SEED])
    cli = cli_for(ams, tmp_path)
    headers = [*HEADERS[:4], "变更日期", *HEADERS[4:]]

    def per_action(row: list[Any], account: str, changed: str) -> list[Any]:
        return [row[0], account, row[2], SEED["business_date"], changed, *row[4:]]

    rows = [per_action(CHANGE_ROW, CHANGED, "2026-11-25"), per_action(CHANGE_ROW, OPENED, "")]
    path = export_with(tmp_path / "per_action.xlsx", headers, rows)
    done = cli.run("run", "account-filing", "--input", str(path), "--workers", "1", timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr  # one row invalid
    change = filing_of(ams, CHANGED, "change")
    assert change["business_date"] == "2026-11-25" and change["record"]["business_date"] == "2026-11-25"
    assert not [f for f in ams.filings() if f["account_no"] == OPENED]
    result = load_workbook(cli.runs / run_id_from(done.stdout) / "result.xlsx").active
    assert result is not None
    filed, blank = list(result.iter_rows(min_row=2, max_col=13, values_only=True))
    assert (filed[4], filed[5]) == ("2026-11-25", "已报备")
    assert (blank[4], blank[5]) == (None, "无效，未报备") and "变更日期" in str(blank[12])
