"""Through the real `rpa` command, no portal needed: what a tester saw filed or dropped silently
(2026-12-05) is refused before anything is queued.

- a 变更事项 that says a field is not changed (经营范围（注册地址不变）) is a row error that
  `rpa validate account-filing` names (exit 1);
- a workbook whose second visible sheet holds the export's header and rows is refused (exit 2)
  by `rpa validate`, `rpa run account-filing` and `rpa run enterprise-check` alike, naming both
  sheets, before any login (the portals' addresses lead nowhere).

The workbooks are written by hand (tests/unit/test_filing_columns.py, test_filing_other_sheets.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_helpers import make_cli_env
from tests.unit.test_filing_columns import DOMAIN_HEADERS, change_row, workbook
from tests.unit.test_filing_other_sheets import _book, _opened


@pytest.mark.timeout(240)
def test_an_unread_change_item_and_a_second_sheet_of_rows_are_refused_by_every_command(
    tmp_path: Path,
) -> None:
    nowhere = "http://127.0.0.1:9"
    cli = make_cli_env(
        tmp_path, RPA_AMS_URL=nowhere, RPA_CHECK_URL=nowhere,
        RPA_AMS_OPERATORS=json.dumps([{"code": "OP0001", "password": "Ams0001!"}]),
        RPA_CHECK_OPERATORS=json.dumps([{"code": "HC0101", "password": "Hc#20261"}]),
    )  # fmt: skip
    remark = workbook(tmp_path, DOMAIN_HEADERS, [change_row(items="经营范围（注册地址不变）")], "remark.xlsx")
    said = cli.run("validate", "account-filing", str(remark), "--today", "2026-11-27")
    assert said.returncode == 1, said.stdout + said.stderr
    assert "第2行" in said.stdout and "「经营范围（注册地址不变）」不是可报备的变更项" in said.stdout

    two = _book(tmp_path, [("开户", [_opened(1)], "visible"), ("变更及撤销", [_opened(2)], "visible")])
    for command in (["validate", "account-filing", str(two)],
                    ["run", "account-filing", "--input", str(two), "--workers", "1"],
                    ["run", "enterprise-check", "--input", str(two), "--workers", "1"]):  # fmt: skip
        refused = cli.run(*command, timeout=120)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "「变更及撤销」也有导出的表头和数据行" in refused.stderr and "--sheet" in refused.stderr
        assert "Traceback" not in refused.stderr
