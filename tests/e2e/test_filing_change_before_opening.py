"""Rows of one account whose dates cannot both be right, and AMS's refusal on its own form
(tester AK, 2026-12-06). Through the real `rpa` command into the mock AMS, whose record is the
judge; the export is written by hand with DOMAIN.md's headers, its credit code and 居民身份证 number
with check characters worked out from DOMAIN.md's weights (as tests/e2e/test_filing_basic_permit.py).

- A 变更 dated before the same file's 开户 of its account was filed first in business order, AMS
  answered 该账户未备案, and the same-day 开户 was held behind it: a basic account left unfiled.
  Now the 变更 goes to a person while validating, naming the 开户's row, and the 开户 is filed.
- That refusal came on AMS's account-entry page, before 确认提交: result.xlsx said 业务错误 with
  an English code and "详情在运行日志中", where AMS's words were. Now it is 门户拒绝 with them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_account_filing_run import read_result
from tests.e2e.test_filing_change_items import HEADERS
from tests.e2e.test_filing_columns import cli_for, export_with, filing_of
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

OPENED, NEVER_FILED = "6228480012345670118", "6228480012345670126"


def _row(action: str, account: str, day: str, *, items: str = "", permit: str = "") -> list[object]:
    return [action, account, "基本存款账户", day, "杭州青禾农业科技有限公司", "01", "91330106MA2KXQ2N0G",
            "法定代表人", "周明", "居民身份证", "330106198805060016", "杭州市西湖区文三路90号", "300",
            "农业技术开发", "102100099996", permit, items, "", None, "310009"]


@pytest.mark.timeout(400)
def test_a_change_dated_before_its_opening_goes_to_a_person_and_the_opening_is_filed(
        ams: AmsHandle, tmp_path: Path) -> None:
    cli = cli_for(ams, tmp_path)
    export = export_with(tmp_path / "开户与变更.xlsx", HEADERS, [
        _row("开户", OPENED, "2026-11-20"),
        _row("变更", OPENED, "2026-11-19", items="注册资金", permit="J9999000000101"),  # before it
    ])
    checked = cli.run("validate", "account-filing", str(export), check_exit=None)
    said = "「开户日期」2026-11-19 早于同一文件第2行开户的日期 2026-11-20：账户开立之前不能变更"
    assert said in checked.stdout and "D3" in checked.stdout, checked.stdout

    done = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # a row for a person
    assert filing_of(ams, OPENED, "open")["record"]["account_no"] == OPENED  # filed: not held behind
    assert [s for s in ams.submissions() if s.get("action") == "change"] == []
    result = read_result(cli.runs / run_id_from(done.stdout) / "result.xlsx")
    assert result[2]["状态"] == "已报备", result[2]
    assert result[3]["状态"] == "需人工处理" and said in str(result[3]["说明"]), result[3]


@pytest.mark.timeout(400)
def test_ams_refusing_a_change_on_its_own_form_is_a_portal_refusal_in_its_words(
        ams: AmsHandle, tmp_path: Path) -> None:
    cli = cli_for(ams, tmp_path)
    export = export_with(tmp_path / "变更.xlsx", HEADERS, [
        _row("变更", NEVER_FILED, "2026-11-20", items="注册资金", permit="J9999000000101")])
    done = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    run_id = run_id_from(done.stdout)
    row = read_result(cli.runs / run_id / "result.xlsx")[2]
    assert row["状态"] == "门户拒绝" and "该账户未备案" in str(row["门户信息"]), row
    assert "运行日志" not in str(row["说明"]), row
    # the tallies say the row's word, not the state's (testers AI and AK: 业务错误 1 beside 门户拒绝)
    verdict = next(line for line in done.stdout.splitlines() if line.startswith(f"运行 {run_id}"))
    assert "门户拒绝 1" in verdict and "业务错误" not in verdict, verdict
    for shown in (cli.run("runs", "show", run_id, check_exit=0).stdout,
                  cli.run("runs", "list", check_exit=0).stdout):
        assert "门户拒绝 1" in shown and "业务错误" not in shown, shown
