"""A basic account's own 基本存款账户编号 is AMS's to issue at its 开户 (DOMAIN.md: the number is
required for the other kinds and for 变更/撤销; AMS assigns a basic account's). Until 2026-12-06 an
export that carried one on a basic 开户 row had it typed into AMS's form, and the mock AMS kept it
as the account's number (tester AF). Through the real `rpa` command into the mock AMS, whose own
record is the judge; the export is written by hand with DOMAIN.md's headers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.cli_helpers import run_id_from
from tests.e2e.test_account_filing_run import read_result
from tests.e2e.test_filing_change_items import HEADERS
from tests.e2e.test_filing_columns import cli_for, export_with, filing_of
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

ACCOUNT, EXPORTS_PERMIT = "6228480012345670077", "J9999000000101"


@pytest.mark.timeout(400)
def test_a_basic_open_files_no_permit_and_shows_the_one_ams_issued(ams: AmsHandle, tmp_path: Path) -> None:
    # a 91 credit code and a 居民身份证 number whose check characters were worked out by hand from
    # DOMAIN.md's weights (as in tests/unit/test_filing_export_artefacts.py)
    row = ["开户", ACCOUNT, "基本存款账户", "2026-11-20", "杭州青禾农业科技有限公司", "01",
           "91330106MA2KXQ2N0G", "法定代表人", "周明", "居民身份证", "330106198805060016",
           "杭州市西湖区文三路90号", "200", "农业技术开发", "102100099996", EXPORTS_PERMIT, "", "", None,
           "310009"]  # fmt: skip
    cli = cli_for(ams, tmp_path)
    export = export_with(tmp_path / "opens.xlsx", HEADERS, [row])
    done = cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    issued = filing_of(ams, ACCOUNT, "open")["record"]["basic_account_permit"]
    assert issued and issued != EXPORTS_PERMIT  # AMS's own, not typed from the export
    book = cli.runs / run_id_from(done.stdout) / "result.xlsx"
    result = read_result(book)[2]
    assert result["状态"] == "已报备" and result["基本存款账户编号"] == issued, result
    workbook = load_workbook(book, read_only=True)
    try:  # a read-only book holds its file open until closed
        checks = [[str(c or "") for c in row] for row in workbook["校验"].iter_rows(values_only=True)]
    finally:
        workbook.close()
    said = [row for row in checks if row[0].startswith("基本存款账户开户行未带基本存款账户编号")]
    assert said and "提示" in said[0] and "第2行" in said[0], checks
