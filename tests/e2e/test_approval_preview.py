"""The checker's screen says what a 变更 files: through the real `rpa` command into the mock AMS.

A 变更 files only the items its 变更事项 names; every other field of the form stays as AMS holds
it, whatever the export row's cell says. Until 2026-12-04 `rpa approvals list` showed the row's
stale cells under 将报送 for those fields (注册资金 1000000.00 where AMS holds 2000000.00), while
AMS was sent its own: a checker approved a screen that misstated the filing. Here AMS's record of
the account has moved on (a 变更 of its capital and scope after the 开户) and the export still
carries the old cells; the screen must show, field by field, what AMS then records.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.notes import FIELD_LABELS
from rpa.approvals.words import KEPT_NOTE
from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_approvals import BANK_CODE, HEADERS, id_number, uscc
from tests.e2e.test_filing_columns import cli_for, export_with
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ACCOUNT, PERMIT = "6228480010000047", "J1000020250047"
NAME, CREDIT = "北京朝阳餐饮管理有限公司", uscc("110105", "71000047")
ID_NUMBER = id_number("110105", "19800101", "047")
OLD_ADDRESS, NEW_ADDRESS = "北京市朝阳区旧址1号", "北京市朝阳区新址20号"
MAKER, CHECKER = "clerk.a", "checker.b"


def _filing(action: str, day: str, filing_no: str, **fields: Any) -> dict[str, Any]:
    return {
        "action": action, "account_no": ACCOUNT, "account_kind": "basic", "business_date": day,
        "depositor_name": NAME, "depositor_category": "企业法人", "uscc": CREDIT,
        "legal_rep_role": "法定代表人", "legal_rep_name": "李明", "id_type": "居民身份证",
        "id_number": ID_NUMBER, "registered_address": OLD_ADDRESS, "bank_code": BANK_CODE,
        "basic_account_permit": PERMIT, "close_reason": None, "notice_date": None,
        "operator_id": "H0107", "filing_no": filing_no, **fields,
    }  # fmt: skip


def _seed(ams: AmsHandle) -> None:
    """Opened with the export's capital and scope; a later 变更 moved both in AMS."""
    ams.seed([
        _filing("open", "2025-03-04", "AMS2025030400047", registered_capital_yuan="1000000.00",
                business_scope="餐饮服务", change_items=None),
        _filing("change", "2026-06-01", "AMS2026060100047", registered_capital_yuan="2000000.00",
                business_scope="技术开发、技术咨询", change_items="注册资金、经营范围"),
    ])


def _export(path: Path) -> Path:
    """A 变更 naming 注册地址 only, whose capital (100 万元) and scope cells are the old ones."""
    values: dict[str, Any] = {
        "业务类型": "变更", "账号": ACCOUNT, "账户性质": "基本存款账户", "开户日期": dt.date.today(),
        "存款人名称": NAME, "存款人类别": "企业法人", "统一社会信用代码": CREDIT,
        "法定代表人类别": "法定代表人", "法定代表人姓名": "李明", "证件种类": "居民身份证",
        "证件号码": ID_NUMBER, "注册地址": NEW_ADDRESS, "注册资金(万元)": 100, "经营范围": "餐饮服务",
        "开户银行机构代码": BANK_CODE, "基本存款账户编号": PERMIT, "变更事项": "注册地址",
        "撤销原因": "", "通知日期": None, "经办人": "H0107",
    }  # fmt: skip
    return export_with(path, HEADERS, [[values[h] for h in HEADERS]])


def _line(listed: str, label: str) -> str:
    """The screen's line of the field `label`: its first word, a ＊ before it when it changes."""
    (line,) = [line for line in listed.splitlines() if line.split() and line.split()[0].lstrip("＊") == label]
    return line


@pytest.mark.timeout(600)
def test_the_approval_screen_shows_what_a_change_files(ams: AmsHandle, tmp_path: Path) -> None:
    _seed(ams)
    cli = cli_for(ams, tmp_path)
    made = cli.run("run", "account-filing", "--input", str(_export(tmp_path / "change.xlsx")),
                   "--approval", "--maker", MAKER, "--workers", "1", timeout=240)
    assert made.returncode == 1, made.stdout + made.stderr  # the row waits for a checker
    run_id = run_id_from(made.stdout)

    listed = cli.run("approvals", "list", run_id, check_exit=0).stdout
    address = _line(listed, "注册地址")
    assert "＊" in address and OLD_ADDRESS in address and NEW_ADDRESS in address, listed
    kept = (("注册资金", "2000000.00", "1000000.00"), ("经营范围", "技术开发、技术咨询", "餐饮服务"))
    for label, ams_value, stale in kept:  # AMS's value, not the row's stale cell
        line = _line(listed, label)
        assert "＊" not in line and stale not in line, listed
        assert line.count(ams_value) == 2 and KEPT_NOTE in line, listed  # 将报送 = AMS 现有
    assert KEPT_NOTE not in address
    assert "注意：" not in listed  # a review made now marks what it keeps: no warning

    approved = cli.run("approvals", "approve", run_id, "--checker", CHECKER, "--workers", "1", timeout=240)
    assert approved.returncode == 0, approved.stdout + approved.stderr
    filed = _bots_change(ams)
    assert filed["registered_address"] == NEW_ADDRESS
    assert filed["registered_capital_yuan"] == "2000000.00"
    assert filed["business_scope"] == "技术开发、技术咨询"
    said = _said(listed)  # and every other field the screen shows unmasked, as AMS recorded it
    assert said["depositor_name"] == NAME and said["registered_capital_yuan"] == "2000000.00"
    assert {name: filed[name] for name in said} == said


def _said(listed: str) -> dict[str, str]:
    """The unmasked values under 将报送, by field name (its last column, KEPT_NOTE taken off)."""
    names = {label: name for name, label in FIELD_LABELS.items()}
    said = {}
    for line in listed.replace(KEPT_NOTE, "").splitlines():
        words = line.split()
        if len(words) == 3 and words[0].lstrip("＊") in names and "*" not in line:
            said[names[words[0].lstrip("＊")]] = words[-1]
    return said


def _bots_change(ams: AmsHandle) -> dict[str, Any]:
    """The 变更 the bot filed (the seeded one left out), as AMS records it."""
    (found,) = [f for f in ams.filings() if f["account_no"] == ACCOUNT and f["action"] == "change"
                and f.get("filing_no") != "AMS2026060100047"]
    record: dict[str, Any] = found["record"]
    return record
