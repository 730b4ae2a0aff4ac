"""任务详情's items read as the run's result.xlsx rows do (finding J8): a real `rpa run
account-filing --approval` against the mock AMS, a checker's real `rpa approvals` decisions, then
the page in real Chromium. The rows come in sheet order although the queue took them in business
order (row 3's date is the earliest), each with 业务, the account masked as result.xlsx's
diagnostics mask it (never whole anywhere in the page), the outcome word, AMS's 备案编号, the
复核人 and result.xlsx's own 说明; a 无字号个体工商户's name, its owner's, is masked; the invalid
row, never an item, is among them with the validator's reasons, as in result.xlsx.

The export is written here by hand in DOMAIN.md's headers, its IDs with check digits from the
helpers of tests/e2e/test_approvals.py."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from rpa.masking import mask_name, mask_tail
from tests.console.conftest import Console, shoot
from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_account_filing_run import read_result
from tests.e2e.test_approvals import HEADERS, id_number, uscc
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MAKER, CHECKER = "wang.jb", "li.fh"
ENTERPRISE_A, ENTERPRISE_B = "6228480012345670027", "6228480012345670035"
OWNER_ROW = "6228480012345670043"  # a 无字号个体工商户: its name is its owner's, 陈小明
OWNER = "陈小明"
INVALID_ROW = "6228480012345670051"  # its credit code's last character is not the check digit
REASON = "经营者证件待核实"


def _row(account: str, day: date, name: str, category: str, credit: str, rep: str) -> list[Any]:
    values: dict[str, Any] = {
        "业务类型": "开户", "账号": account, "账户性质": "基本存款账户", "开户日期": day,
        "存款人名称": name, "存款人类别": category, "统一社会信用代码": credit,
        "法定代表人类别": "法定代表人", "法定代表人姓名": rep, "证件种类": "居民身份证",
        "证件号码": id_number("330106", "19700512", "031"), "注册地址": "杭州市西湖区文三路90号",
        "注册资金(万元)": 300, "经营范围": "软件开发", "开户银行机构代码": "102100099996",
        "基本存款账户编号": "", "变更事项": "", "撤销原因": "", "通知日期": None, "经办人": "H0107",
    }
    return [values[h] for h in HEADERS]


def _export(path: Path) -> Path:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    sheet.append(_row(ENTERPRISE_A, today, "杭州西溪数码科技有限公司", "企业法人",
                      uscc("330106", "71000021"), "陈国栋"))  # row 2
    sheet.append(_row(ENTERPRISE_B, today - timedelta(days=1), "杭州钱塘精工机械有限公司", "企业法人",
                      uscc("330106", "71000022"), "陈国栋"))  # row 3: the earliest, queued first
    sheet.append(_row(OWNER_ROW, today, OWNER, "无字号个体工商户",
                      uscc("330106", "71000023"), OWNER))  # row 4
    sheet.append(_row(INVALID_ROW, today, "杭州拱宸桥文具有限公司", "企业法人",
                      uscc("330106", "71000024")[:-1] + "0", "陈国栋"))  # row 5: invalid, never an item
    book.save(path)
    return path


def _rpa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rpa", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=240, check=False)


@pytest.mark.timeout(600)
def test_run_detail_lists_items_as_result_xlsx_rows_in_sheet_order(
    console: Console, screen: Any, ams_env: AmsHandle, tmp_path: Path
) -> None:

    made = _rpa("run", "account-filing", "--input", str(_export(tmp_path / "开户导出.xlsx")),
                "--approval", "--maker", MAKER)
    assert made.returncode == 1, made.stdout + made.stderr  # every row waits for a checker
    run_id = run_id_from(made.stdout)
    rejected = _rpa("approvals", "reject", run_id, "--rows", "4", "--reason", REASON, "--checker", CHECKER)
    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    approved = _rpa("approvals", "approve", run_id, "--checker", CHECKER)
    assert approved.returncode == 1, approved.stdout + approved.stderr  # row 4 ended 复核退回
    result = read_result(console.settings.runs_dir / run_id / "result.xlsx")
    assert [result[r]["状态"] for r in (2, 3, 4, 5)] == ["已报备", "已报备", "复核退回", "无效，未报备"]

    console.login(screen, "zhao.sj")  # an auditor reads runs
    screen.wait_for_url(console.url + "/")
    screen.goto(f"{console.url}/runs/{run_id}")
    table = screen.locator("section", has_text="事项（已脱敏）").locator("tr").all_inner_texts()
    header, *lines = (line.split("\t") for line in table)
    assert header == ["行号", "业务", "账号", "存款人名称", "结果", "备案编号", "复核人", "备注",
                      "尝试次数", "错误", "事项"], header
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    assert [row["行号"] for row in rows] == [f"开户清单 第 {n} 行" for n in (2, 3, 4, 5)]
    assert int(rows[1]["事项"]) < int(rows[0]["事项"])  # the queue took row 3 first: not its order
    assert rows[3]["事项"] == "" and rows[3]["尝试次数"] == ""  # put aside while validating
    assert [row["业务"] for row in rows] == ["开户"] * 4
    accounts = (ENTERPRISE_A, ENTERPRISE_B, OWNER_ROW, INVALID_ROW)
    assert [row["账号"] for row in rows] == [mask_tail(a) for a in accounts]
    assert [row["结果"] for row in rows] == ["已报备", "已报备", "复核退回", "无效，未报备"]
    for number, row in zip((2, 3, 4, 5), rows, strict=True):  # as result.xlsx has them
        assert row["备案编号"] == str(result[number]["备案编号"] or ""), (row, result[number])
        assert row["备注"] == str(result[number]["说明"] or ""), (row, result[number])
    assert [row["复核人"] for row in rows] == [CHECKER] * 3 + [""]
    assert "统一社会信用代码" in rows[3]["备注"]
    assert rows[0]["备案编号"] and rows[1]["备案编号"] and REASON in rows[2]["备注"]
    # a filed row's record is masked in the queue once the run has ended (RPA_PAYLOAD_RETENTION)
    assert rows[0]["存款人名称"] == mask_name("杭州西溪数码科技有限公司")
    assert rows[2]["存款人名称"] == "陈**"  # not filed, so kept whole in the queue, and masked here
    page = screen.content()
    for personal in (*accounts, OWNER):
        assert personal not in page
    screen.get_by_role("heading", name="事项（已脱敏）").scroll_into_view_if_needed()
    shoot(screen, "03-任务详情-事项")
