"""`rpa run account-reconciliation` when AMS's 备案业务清单 shows less than the query asked for, or
shows the whole list otherwise.

AMS holds two 开户 filed by hand on 2026-11-17 and 2026-11-19; the export has both rows, so both
belong in 非本行报送. A list narrower than asked, taken for the whole, would put a row AMS holds
in 应报未报 and a clerk would file it twice. So:
- a 业务类型 the query form remembers from the last search (变更) is set back to 全部 before the
  query, and the reconciliation is right;
- a portal that cuts the query's range (to 1 day after its start) and shows the cut range is
  refused: exit 3 naming both ranges, no workbook;
- a list showing account numbers masked (6228****0011) is refused the same way: nothing to match by.
- a list showing account numbers cut to their last 8 digits is refused: AMS's look-up does not
  know the number shown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.check_exports import open_row, uscc, write_export
from tests.e2e.cli_helpers import CliEnv, make_cli_env, run_id_from

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ACCOUNTS = {"6228480066660000011": "2026-11-17", "6228480066660000029": "2026-11-19"}
BANK = "102100099996"


def _name(account: str) -> str:
    return f"北京西山{account[-3:]}科技有限公司"


def _code(account: str) -> str:
    return uscc(f"911101087{account[-8:]}")


def _planted(account: str, day: str) -> dict[str, Any]:
    """The 开户 as a clerk filed it at AMS's own screens."""
    return {"action": "open", "account_no": account, "account_kind": "basic", "business_date": day,
            "depositor_name": _name(account), "depositor_category": "企业法人", "uscc": _code(account),
            "legal_rep_role": "法定代表人", "legal_rep_name": "刘洋", "id_type": "居民身份证",
            "id_number": "11010519491231002X", "registered_address": "北京市朝阳区建国路88号",
            "registered_capital_yuan": "5000000.00", "business_scope": "技术开发", "bank_code": BANK,
            "operator_id": "BR0117"}  # fmt: skip


def _reconcile(ams: Any, tmp_path: Path, period: tuple[str, str] = ("2026-11-16", "2026-11-20"),
               plant: list[dict[str, Any]] | None = None, accounts: dict[str, str] | None = None,
               exported: dict[str, str] | None = None, as_of: str = "2026-11-20") -> tuple[CliEnv, Any]:
    """Plant `accounts`' 开户 (and `plant`) in AMS, and reconcile an export of every account
    (and of `exported`'s)."""
    planted = [_planted(a, d) for a, d in (ACCOUNTS if accounts is None else accounts).items()]
    ams.admin.post("/_admin/plant", json=planted + (plant or [])).raise_for_status()
    rows = [open_row(a, _name(a), _code(a), "刘洋", d) for a, d in {**ACCOUNTS, **(exported or {})}.items()]
    export = write_export(tmp_path / "export.xlsx", rows)
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:1]])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators, RPA_MAX_ATTEMPTS="1")
    done = cli.run("run", "account-reconciliation", "--from", period[0], "--to", period[1],
                   "--input", str(export), "--as-of", as_of, timeout=240)  # fmt: skip
    return cli, done


@pytest.mark.timeout(300)
@pytest.mark.parametrize("drift", [{"remembered_biz_type": "change"},
                                   {"spaced_accounts": True, "slashed_dates": True}],
                         ids=["business type remembered", "accounts in groups, dates with slashes"])
def test_a_list_shown_otherwise_but_whole_is_read_right(
    ams: Any, tmp_path: Path, drift: dict[str, Any]
) -> None:
    """A 业务类型 left from the last search is set back to 全部; account numbers in groups of four
    and the form's dates as 2026/11/16 are the same numbers and dates."""
    ams.drift_list(**drift)
    cli, done = _reconcile(ams, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    book = load_workbook(cli.runs / run_id_from(done.stdout) / "reconciliation.xlsx")
    sheets = {s.title: list(s.iter_rows(min_row=2, values_only=True)) for s in book.worksheets}
    assert sheets["应报未报"] == []
    assert sorted(r[1] for r in sheets["非本行报送"]) == sorted(ACCOUNTS)


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("drift", "said"), [
    ({"max_days": 1}, "按 2026-11-16 至 2026-11-17 查询，不是要求的 2026-11-16 至 2026-11-20"),
    ({"masked_accounts": True}, "的账号显示为"),
    ({"own_branch_box": True}, "查询条件还有 仅本网点=已勾选"),
], ids=["range cut", "accounts masked", "a box ticked"])
def test_a_list_narrower_than_the_query_stops_the_run_and_writes_no_book(
    ams: Any, tmp_path: Path, drift: dict[str, Any], said: str
) -> None:
    ams.drift_list(**drift)
    cli, done = _reconcile(ams, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "Traceback" not in output and "全部完成" not in output, output
    folder = cli.runs / run_id_from(done.stdout)
    assert not (folder / "reconciliation.xlsx").exists()
    log = (folder / "run.log").read_text(encoding="utf-8")
    assert said in log and "未据此核对" in log, log
    # the closing line says why too, not 原因见 run.log (tester AN, 2026-12-06)
    assert "原因见 run.log" not in output and "未能读出 AMS 的备案业务清单（未完成：" in output, output
    assert not any(account in log for account in ACCOUNTS)  # the log shows no account unmasked


@pytest.mark.timeout(300)
def test_an_export_without_a_row_of_the_period_is_not_all_done(ams: Any, tmp_path: Path) -> None:
    """Last month's export given by mistake: nothing of the period read, so 应报未报 could not be
    checked: exit 1 saying so, never 全部完成."""
    _, done = _reconcile(ams, tmp_path, period=("2026-11-21", "2026-11-27"), as_of="2099-11-27")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "全部完成" not in output and "中没有核对期间 2026-11-21 至 2026-11-27 的行" in output, output
    assert "--as-of 2099-11-27 晚于今天：是否逾期按该日判断，请确认" in output, output  # a typo? (tester AN)


@pytest.mark.timeout(300)
def test_a_filing_ams_holds_twice_is_not_all_done(ams: Any, tmp_path: Path) -> None:
    """AMS lists two 变更 of one account and date (two filing numbers, filed by hand): a duplicate
    submission is an incident (DOMAIN.md), so the run says so and exits 1."""
    account, opened = next(iter(ACCOUNTS.items()))
    ams.admin.post("/_admin/plant", json=[_planted(account, opened)]).raise_for_status()
    permit = next(f["record"]["basic_account_permit"] for f in ams.filings() if f["account_no"] == account)
    change = {**_planted(account, opened), "action": "change", "business_date": "2026-11-18",
              "change_items": "注册地址", "basic_account_permit": permit}
    twice = [{**change, "registered_address": f"北京市海淀区中关村大街{n}号"} for n in (1, 2)]
    cli, done = _reconcile(ams, tmp_path, plant=twice, accounts=dict(list(ACCOUNTS.items())[1:]))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "1 笔在 AMS 中有多条同一账号、业务类型和业务日期的备案" in output, output
    # an auditor reading only 汇总 or report.html sees it too (tester AN: a line of 相符, nothing in 汇总)
    folder = cli.runs / run_id_from(done.stdout)
    book = load_workbook(folder / "reconciliation.xlsx")
    summary = " ".join(str(cell) for row in book["汇总"].iter_rows(values_only=True) for cell in row if cell)
    assert "1 笔在 AMS 中有多条同一账号、业务类型和业务日期的备案（可能重复报送）" in summary, summary
    page = (folder / "report.html").read_text("utf-8")
    rows = re.findall(r'<tr class="comparison (\w+)">(.*?)</tr>', page, re.S)
    assert [kind for kind, cells in rows if "、" in cells] == ["mismatch"], rows  # both filing numbers


@pytest.mark.timeout(300)
@pytest.mark.parametrize("case", ["export has the accounts", "accounts of others", "cut to an export row's",
                                  "cut and spaced"])
def test_a_list_showing_accounts_cut_to_8_digits_stops_the_run(ams: Any, tmp_path: Path, case: str) -> None:
    """8 digits is a valid account length (DOMAIN.md), so a list showing the last 8 digits alone
    reads as other accounts: the export's rows would be 应报未报 and a clerk would file them twice,
    and filings of other branches would be listed under numbers no account has (tester AN, when
    no export row shares an account; tester AQ, when a real 8-digit account is listed first;
    tester AR, when the cut number is an unfiled export row's account: it read as filed). The
    bot looks up the account of each listed filing that is not one of our runs'; a number AMS
    does not know stops the run: exit 3, no workbook."""
    ams.drift_list(short_accounts=8, **({"spaced_accounts": True} if case == "cut and spaced" else {}))
    others = {"55550001": "2026-11-16", "6228480077770000037": "2026-11-18"}  # a real 8-digit one first
    unfiled = {"70000037": "2026-11-18"} if case == "cut to an export row's" else {}  # what the list shows
    cli, done = _reconcile(ams, tmp_path, accounts=None if case == "export has the accounts" else {},
                           plant=[_planted(a, d) for a, d in others.items()], exported=unfiled)
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "Traceback" not in output and "全部完成" not in output, output
    assert "（8 位）的备案，按这个账号查询时AMS 答该账户未备案" in output, output
    assert "清单显示的账号可能被截短，未据此核对" in output, output
    folder = cli.runs / run_id_from(done.stdout)
    assert not (folder / "reconciliation.xlsx").exists()
    log = (folder / "run.log").read_text(encoding="utf-8")
    assert not any(account[-8:] in output + log for account in [*ACCOUNTS, *others])  # masked: ****0011


@pytest.mark.timeout(300)
def test_an_account_ams_will_not_show_is_named_and_the_rest_reconciled(ams: Any, tmp_path: Path) -> None:
    """Another branch's filing whose account AMS's 账户查询 refuses to show (its own words) cannot
    be confirmed as a whole number: the reconciliation is written, that line's 说明 and 汇总 say
    so, and the run is not 全部完成 (exit 1); the list item is not ended by it (reviewer)."""
    closed = "6228480099990000045"
    ams.drift_list(refused_lookups=[closed])
    cli, done = _reconcile(ams, tmp_path, plant=[_planted(closed, "2026-11-18")])
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "全部完成" not in output, output
    assert "1 个清单所列账号 AMS 账户查询不予显示，未能核实是完整账号" in output, output
    book = load_workbook(cli.runs / run_id_from(done.stdout) / "reconciliation.xlsx")
    [line] = [row for row in book["非本行报送"].iter_rows(min_row=2, values_only=True) if row[1] == closed]
    assert "AMS 不予显示（该账户已撤销，不能查询）" in str(line[-1]), line
    assert sorted(row[1] for row in book["非本行报送"].iter_rows(min_row=2, values_only=True)) == sorted(
        [*ACCOUNTS, closed])  # the others confirmed and reconciled as before
    summary = " ".join(str(c) for row in book["汇总"].iter_rows(values_only=True) for c in row if c)
    assert "AMS 账户查询不予显示" in summary, summary
    page = (cli.runs / run_id_from(done.stdout) / "report.html").read_text("utf-8")
    kinds = {kind for kind, cells in re.findall(r'<tr class="comparison (\w+)">(.*?)</tr>', page, re.S)
             if f"{closed[-4:]} 2026" in cells}
    assert kinds == {"mismatch"}, kinds  # not 非本行 beside the others: it is a finding (reviewer)
