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


# a tester's findings, written down by hand: our run files P and Q; AMS then lists P's filing
# number under another business date and holds another number for Q's key; clerks file two
# 变更 of R on one day (the first as the export says, the second with another name) and an
# 开户 of S whose name the list shows blank
P, Q, R, S = "6228480066660000019", "6228480066660000027", "6228480066660000035", "6228480066660000043"
NAMES = {P: "北京东城安定门贸易有限公司", Q: "北京西城德胜门科技有限公司", R: "北京朝阳望京实业有限公司",
         S: "北京海淀上地电子有限公司"}  # fmt: skip
CODES = {account: uscc(f"911101087{account[-8:]}") for account in NAMES}


def _planted(account: str, action: str, day: str, **more: Any) -> dict[str, Any]:
    """A filing as a clerk typed it into AMS (the export row's values unless `more` says)."""
    record = {"action": action, "account_no": account, "account_kind": "basic", "business_date": day,
              "depositor_name": NAMES[account], "depositor_category": "企业法人", "uscc": CODES[account],
              "legal_rep_role": "法定代表人", "legal_rep_name": "刘洋", "id_type": "居民身份证",
              "id_number": "11010519491231002X", "registered_address": "北京市朝阳区建国路88号",
              "registered_capital_yuan": "5000000.00", "business_scope": "技术开发",
              "bank_code": "102100099996", "operator_id": "BR0117"}  # fmt: skip
    return {**record, **more}


@pytest.mark.timeout(500)
def test_two_filings_of_a_key_a_blank_name_and_numbers_elsewhere_are_said(ams: Any, tmp_path: Path) -> None:
    cli = _cli(tmp_path, ams)
    filed = write_export(tmp_path / "filed.xlsx", [open_row(P, NAMES[P], CODES[P], "刘洋", "2026-11-16"),
                                                   open_row(Q, NAMES[Q], CODES[Q], "刘洋", "2026-11-17")])
    run = cli.run("run", "account-filing", "--input", str(filed), "--workers", "1", timeout=240, check_exit=0)
    filing_run = run_id_from(run.stdout)
    ours = {f["account_no"]: f for f in ams.filings()}
    number_p, number_q = ours[P]["filing_no"], ours[Q]["filing_no"]
    ams.reset()
    other_q = "0099202611179" + number_q[-5:]  # not the number our run recorded
    assert other_q != number_q
    ams.seed([{**ours[P]["record"], "business_date": "2026-11-18", "filing_no": number_p},
              {**ours[Q]["record"], "filing_no": other_q}])  # fmt: skip
    _, number_s = ams.plant([_planted(R, "open", "2026-11-02"),
                             _planted(S, "open", "2026-11-19", depositor_name="")])  # the list shows no name
    permit = next(f["record"]["basic_account_permit"] for f in ams.filings() if f["account_no"] == R)
    change = {"basic_account_permit": permit, "change_items": "注册地址"}
    same, renamed = ams.plant([_planted(R, "change", "2026-11-18", **change),  # the export's values first
                               _planted(R, "change", "2026-11-18", **change,
                                        depositor_name="北京朝阳望京集团有限公司")])  # fmt: skip
    changed = open_row(R, NAMES[R], CODES[R], "刘洋", "2026-11-18")
    changed[0], changed[15], changed[16] = "变更", permit, "注册地址"
    others = write_export(tmp_path / "others.xlsx",
                          [changed, open_row(S, NAMES[S], CODES[S], "刘洋", "2026-11-19")])

    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                   "--input", str(filed), "--input", str(others), "--as-of", "2026-11-20", timeout=240)
    said = done.stdout + done.stderr
    assert done.returncode == 1 and "全部完成" not in said, said
    sheets = {name: rows[1:] for name, rows in _book(cli, done.stdout).items()}
    # P: our filing's number is listed under 11-18: each key in its class, both lines say it
    assert [(r[1], r[2], r[5]) for r in sheets["已报备但AMS无记录"]] == [(P, "2026-11-16", number_p)]
    assert "AMS 清单将此备案编号列为 开户 2026-11-18" in sheets["已报备但AMS无记录"][0][8]
    assert sheets["非本行报送"] == []  # AMS's 11-18 filing is our run's: its date differs
    whose = f"备案编号 {number_p} 是本行报备运行 {filing_run} 报送的 开户 2026-11-16"
    moved = next(r for r in sheets["数据不一致"] if r[1] == P)
    assert whose in moved[10] and moved[9] == f"本行报备运行 {filing_run}（本行备案编号 {number_p}）"
    differs = [(r[1], r[4], r[5], r[6], r[7]) for r in sheets["数据不一致"]]
    assert differs == [
        (Q, "备案编号", number_q, other_q, other_q),  # AMS holds another number for our key
        (P, "业务日期", "2026-11-16", "2026-11-18", number_p),  # our filing, listed under 11-18
        (R, "存款人名称", NAMES[R], "北京朝阳望京集团有限公司", renamed),  # listed second, still found
        (S, "存款人名称", NAMES[S], "（空）", number_s),  # a blank in AMS's list is no match
    ]
    assert "AMS 中有 2 条同一账号、业务类型和日期的备案" in sheets["数据不一致"][2][10]
    assert same not in {r[7] for r in sheets["数据不一致"]}
    assert sheets["已报备已确认"] == [] and sheets["应报未报"] == []
    summary = {label: value for label, value in _book(cli, done.stdout)["汇总"] if label != "说明"}
    assert summary["已读导出文件"] == "2 个：filed.xlsx、others.xlsx；核对期间内 4 行"
    assert summary["合计"].startswith("5（")
    html = (cli.runs / run_id_from(done.stdout) / "report.html").read_text(encoding="utf-8")
    assert "AMS 所列备案编号与本行报备运行所记不同" in html
    assert "AMS 清单将此备案编号列为 开户 2026-11-18" in html
    assert "AMS 所列业务日期与本行报备运行所记不同" in html and "不是本行的报备运行报送" not in html
    assert "4 笔 AMS 与导出文件或本行报备运行的数据不一致" in said, said
    # no export read: the differences are with our runs alone, and the terminal says so (tester AN)
    alone = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                    "--as-of", "2026-11-20", timeout=240)
    said = alone.stdout + alone.stderr
    assert alone.returncode == 1 and "2 笔 AMS 与本行报备运行的数据不一致" in said, said


@pytest.mark.timeout(300)
def test_a_scheduled_form_that_read_no_export_is_not_all_done(ams: Any, tmp_path: Path) -> None:
    cli = _cli(tmp_path, ams)
    done = cli.run("run", "account-reconciliation", "--from", "2026-11-16", "--to", "2026-11-20",
                   "--as-of", "2026-11-20", timeout=240)  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1 and "全部完成" not in said, said
    assert "没有读到任何导出文件" in said and "应报未报无法核对" in said and "--input" in said, said
    summary = {label: value for label, value in _book(cli, done.stdout)["汇总"]}
    assert summary["已读导出文件"].startswith("核对期间 2026-11-16 至 2026-11-20 没有读到任何导出文件")
    html = (cli.runs / run_id_from(done.stdout) / "report.html").read_text(encoding="utf-8")
    assert "已读导出文件 0 个" in html
