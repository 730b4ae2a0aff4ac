"""`rpa run account-reconciliation` through the real command against the mock AMS: what a person
must look at is never "all done".

A filing our run made that AMS's list lacks (已报备但AMS无记录) is exit 1, said on the terminal.
An export row that is invalid (a wrong 统一社会信用代码 check character) but whose account, action
and business date read is an account that had to be filed: classed like any row, here 应报未报 and
overdue, counted in 汇总; a row whose account number does not read is named in 汇总's 说明.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]
A, B = "6228480055550000011", "6228480055550000029"


def _cli(tmp_path: Path, ams: Any) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    return make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)


def _book(cli: CliEnv, stdout: str) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(cli.runs / run_id_from(stdout) / "reconciliation.xlsx")
    return {sheet.title: list(sheet.iter_rows(min_row=1, values_only=True)) for sheet in book.worksheets}


@pytest.mark.timeout(400)
def test_our_filing_missing_from_ams_alone_exits_1_and_says_so(ams: Any, tmp_path: Path) -> None:
    cli = _cli(tmp_path, ams)
    row = open_row(A, "北京南湖启明软件有限公司", uscc(f"911101087{A[-8:]}"), "刘洋", "2026-11-16")
    export = write_export(tmp_path / "filed.xlsx", [row])
    cli.run("run", "account-filing", "--input", str(export), "--workers", "1", timeout=240, check_exit=0)
    ams.reset()  # AMS no longer holds the filing our run made
    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-16",
                   "--input", str(export), "--as-of", "2026-11-20", timeout=240)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "全部完成" not in said and "已结束，有事项需要处理" in said, said
    assert "1 笔本行已报备（有备案编号）但 AMS 清单中没有" in said, said
    sheets = _book(cli, done.stdout)
    assert [r[1] for r in sheets["已报备但AMS无记录"][1:]] == [A]


@pytest.mark.timeout(300)
def test_an_invalid_row_whose_key_reads_is_classed_and_counted(ams: Any, tmp_path: Path) -> None:
    cli = _cli(tmp_path, ams)
    code = uscc(f"911101087{B[-8:]}")
    wrong = code[:-1] + ("1" if code[-1] != "1" else "2")  # the check character does not add up
    rows = [open_row(B, "北京南湖华清电子有限公司", wrong, "刘洋", "2026-11-16"),  # T+0: overdue by 11-20
            open_row("62284800XX", "北京南湖东方广告有限公司", code, "刘洋", "2026-11-17")]  # fmt: skip
    export = write_export(tmp_path / "export.xlsx", rows)
    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                   "--input", str(export), "--as-of", "2026-11-20", timeout=240)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    sheets = _book(cli, done.stdout)
    due = sheets["应报未报"][1:]
    assert [(r[1], r[2], r[4], r[5]) for r in due] == [(B, "2026-11-16", "2026-11-16", "是")]
    assert "无效" in due[0][7] and "统一社会信用代码" in due[0][7], due[0][7]
    summary = {label: value for label, value in sheets["汇总"] if label != "说明"}
    assert summary["应报未报"] == "1" and summary["其中已逾期"] == "1" and summary["合计"].startswith("1（")
    said = [value for label, value in sheets["汇总"] if label == "说明"]
    assert any("export.xlsx 开户清单 第3行" in note and "未能核对" in note for note in said), said
    assert not any("第2行" in note and "未能核对" in note for note in said), said
