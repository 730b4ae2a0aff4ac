"""A 变更 files the items its 变更事项 names and nothing else, through the real `rpa` command into
the mock AMS (whose own record is the judge).

Until 2026-12-04 a 变更 copied the whole export row into AMS: a tester who had not read the code
saw a 注册资金 change move the registered address to the row's, a 存款人名称 change replace the
legal representative, and blank cells of a 注册地址 change erase AMS's capital and scope. The
cases below are theirs; the export is written by hand with DOMAIN.md's headers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_filing_columns import cli_for, export_with, filing_of
from tests.plugins.portals import AmsHandle
from tests.unit.test_filing_uscc import with_check

pytestmark = pytest.mark.browser

HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
CAPITAL, NAME, ADDRESS = "6228480012345670035", "6228480012345670043", "6228480012345670051"


def _opened(account: str, serial: int, name: str) -> dict[str, Any]:
    """AMS's record of the account's 开户, as an earlier filing left it."""
    return {
        "action": "open", "account_no": account, "account_kind": "basic", "business_date": "2026-11-02",
        "depositor_name": name, "depositor_category": "企业法人",
        "uscc": with_check(f"9135020077604{serial:04d}"), "legal_rep_role": "法定代表人",
        "legal_rep_name": "张三", "id_type": "居民身份证", "id_number": "360426199101010071",
        "registered_address": "北京市海淀区中关村大街1号", "registered_capital_yuan": "10050000.00",
        "business_scope": "软件开发;技术服务。", "bank_code": "102100099996",
        "basic_account_permit": f"J102100000{serial:04d}",
    }  # fmt: skip


def _change(seed: dict[str, Any], items: str, **cells: Any) -> list[Any]:
    """A 变更 row of the seeded account: the export's cells as `cells` says, else AMS's values."""
    row = {
        "业务类型": "变更", "账号": seed["account_no"], "账户性质": "基本存款账户", "开户日期": "2026-11-25",
        "存款人名称": seed["depositor_name"], "存款人类别": "01", "统一社会信用代码": seed["uscc"],
        "法定代表人类别": "法定代表人", "法定代表人姓名": "张三", "证件种类": "居民身份证",
        "证件号码": "360426199101010071", "注册地址": "北京市海淀区中关村大街1号", "注册资金(万元)": "1005",
        "经营范围": "软件开发;技术服务。", "开户银行机构代码": "102100099996",
        "基本存款账户编号": seed["basic_account_permit"], "变更事项": items, "撤销原因": "", "通知日期": None,
        "经办人": "310002",
    }  # fmt: skip
    row.update(cells)
    return [row[h] for h in HEADERS]


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_change_files_only_the_items_its_change_items_name(ams: AmsHandle, tmp_path: Path) -> None:
    seeds = [_opened(CAPITAL, 1, "厦门海联贸易有限公司"), _opened(NAME, 2, "北京测试科技有限公司"),
             _opened(ADDRESS, 3, "上海样例商贸有限公司")]
    ams.seed(seeds)
    rows = [
        _change(seeds[0], "注册资金", **{"注册资金(万元)": "200", "注册地址": "上海市不该变路1号"}),
        _change(seeds[1], "存款人名称", 存款人名称="北京测试（集团）科技股份有限公司", 法定代表人姓名="王五"),
        _change(seeds[2], "注册地址；经营范围", 注册地址="上海市浦东新区世纪大道100号",
                **{"注册资金(万元)": None, "经营范围": "软件开发；技术服务（不含许可类）。"}),
    ]
    cli = cli_for(ams, tmp_path)
    export = export_with(tmp_path / "changes.xlsx", HEADERS, rows)
    done = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run_id_from(done.stdout)

    capital = filing_of(ams, CAPITAL, "change")["record"]
    assert capital["registered_capital_yuan"] == "2000000.00"  # 200 万元, the item named
    assert capital["registered_address"] == "北京市海淀区中关村大街1号"  # AMS's, not the row's

    name = filing_of(ams, NAME, "change")["record"]
    assert name["depositor_name"] == "北京测试（集团）科技股份有限公司"  # full-width, as registered
    assert name["legal_rep_name"] == "张三"  # not 王五: the representative was not a change item

    address = filing_of(ams, ADDRESS, "change")["record"]
    assert address["registered_address"] == "上海市浦东新区世纪大道100号"
    assert address["registered_capital_yuan"] == "10050000.00"  # a blank cell erased nothing
    assert address["business_scope"] == "软件开发；技术服务（不含许可类）。"  # typed as the row has it
