"""A 撤销 row written as AMS's 撤销 form asks for it (tester AK's F5, 2026-12-06): 账号, 账户性质,
基本存款账户编号, 撤销日期 and 撤销原因, the depositor's and representative's cells blank. It was
refused (「法定代表人姓名」不能为空 ...) though the form takes none of them, while a 变更 with the
same blanks was filed: a close with a deadline left unfiled.

Now such a row is filed; only 存款人类别, and the credit code it is checked against, are asked
for where they tell 备案 from 核准 (a 基本 or 临时 account: config/deadlines.yaml's approval), and
a close of such an account without them goes to a person, never filed as a 备案. Through the
real `rpa` command into the mock AMS, whose record is the judge; the export is written by hand
with DOMAIN.md's headers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_account_filing_run import read_result
from tests.e2e.test_filing_change_items import HEADERS
from tests.e2e.test_filing_columns import cli_for, export_with
from tests.integration.ams_helpers import BANK_A, BANK_B, basic_record, make_uscc
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

PERMIT_G, PERMIT_B, PERMIT_C = "J1031000000404", "J1031000000412", "J1031000000420"
GENERAL, BASIC_BLANK, BASIC_NAMED = "110020260401", "110020260402", "110020260403"


def _close(account: str, kind: str, permit: str, category: str = "", code: str = "") -> list[object]:
    # 业务类型 .. 证件号码 blank but what the 撤销 form takes and what identifies the account
    return ["撤销", account, kind, "2026-11-25", "", category, code, "", "", "", "", "", "", "",
            BANK_A, permit, "", "转户", None, "310009"]


@pytest.mark.timeout(400)
def test_a_close_without_the_fields_its_form_does_not_take_is_filed(ams: AmsHandle, tmp_path: Path) -> None:
    ams.seed([
        basic_record("020020260400", serial=60, day="2026-11-02", bank_code=BANK_B,
                     basic_account_permit=PERMIT_G),
        basic_record(GENERAL, serial=60, day="2026-11-20", account_kind="general",
                     basic_account_permit=PERMIT_G),
        basic_record(BASIC_BLANK, serial=61, day="2026-11-20", basic_account_permit=PERMIT_B),
        basic_record(BASIC_NAMED, serial=62, day="2026-11-20", basic_account_permit=PERMIT_C),
    ])  # fmt: skip
    cli = cli_for(ams, tmp_path)
    export = export_with(tmp_path / "撤销.xlsx", HEADERS, [
        _close(GENERAL, "一般存款账户", PERMIT_G),
        _close(BASIC_BLANK, "基本存款账户", PERMIT_B),  # 备案 or 核准? its category is blank
        _close(BASIC_NAMED, "基本存款账户", PERMIT_C, category="企业法人", code=make_uscc(62)),
    ])
    checked = cli.run("validate", "account-filing", str(export), check_exit=None)
    assert "不能为空" not in checked.stdout, checked.stdout
    said = "「存款人类别」「统一社会信用代码」为空或没有该列：基本存款账户撤销须有相符的存款人类别"
    assert said in checked.stdout and "F3" in checked.stdout, checked.stdout

    done = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr  # the basic account's close: a person's
    closed = {f["account_no"]: f["record"] for f in ams.filings() if f["action"] == "close"}
    assert set(closed) == {GENERAL, BASIC_NAMED}, closed
    assert closed[GENERAL]["close_reason"] == "转户" and closed[GENERAL]["basic_account_permit"] == PERMIT_G
    result = read_result(cli.runs / run_id_from(done.stdout) / "result.xlsx")
    assert [result[n]["状态"] for n in (2, 3, 4)] == ["已报备", "需人工处理", "已报备"], result
    assert said in str(result[3]["说明"]), result[3]
