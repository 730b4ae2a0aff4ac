"""异常处理 (issue #21) in real Chromium against the real console and the mock AMS: a row AMS
refused (基本存款账户不存在) corrected in the page and refiled, filed once; a row marked filed by
hand counted only after a checker who is not its maker approves it (人工报备 with the number in
result.xlsx); a system failure (the mock's 500 fault) retried from the page, filed once; an
auditor's POST is 403. The judge of what was filed is AMS's own record (`/_admin/filings`).

The export is written here by hand in DOMAIN.md's headers, IDs of the real world's shape
(DOMAIN.md's own valid samples); the run is a real `rpa run` process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from rpa.audit.log import AuditLog
from tests.console.conftest import Console, shoot
from tests.e2e.cli_helpers import run_id_from
from tests.plugins.portals import AmsHandle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
HEADERS = [
    "业务类型", "账号", "账户性质", "开户日期", "存款人名称", "存款人类别", "统一社会信用代码",
    "法定代表人类别", "法定代表人姓名", "证件种类", "证件号码", "注册地址", "注册资金(万元)", "经营范围",
    "开户银行机构代码", "基本存款账户编号", "变更事项", "撤销原因", "通知日期", "经办人",
]  # fmt: skip
BASIC = "6228480099990012"  # the depositor's basic account, open in AMS at another bank
BASIC_PERMIT = "J3930000123401"
WRONG_PERMIT = "J3930000999901"  # no such basic account in AMS: refused
GENERAL_A = "6228480012345670027"
GENERAL_B = "6228480012345670035"


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _seed_basic(ams: AmsHandle) -> None:
    ams.seed([{
        "action": "open", "account_no": BASIC, "account_kind": "basic", "business_date": "2025-03-04",
        "depositor_name": "厦门海联贸易有限公司", "depositor_category": "企业法人",
        "uscc": "91350200776049653A", "legal_rep_role": "法定代表人", "legal_rep_name": "李四",
        "id_type": "居民身份证", "id_number": "360426199101010071",
        "registered_address": "厦门市思明区湖滨南路1号", "registered_capital_yuan": "5000000.00",
        "business_scope": "货物进出口", "bank_code": "105100000017", "basic_account_permit": BASIC_PERMIT,
        "change_items": None, "close_reason": None, "notice_date": None, "operator_id": "310002",
        "filing_no": "AMS2025030400011",
    }])


def _export(path: Path, rows: list[tuple[str, str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "开户清单"
    sheet.append(HEADERS)
    for account, permit in rows:
        sheet.append(["开户", account, "一般存款账户", _today(), "厦门海联贸易有限公司", "01",
                      "91350200776049653A", "法定代表人", "李四", "居民身份证", "360426199101010071",
                      "厦门市思明区湖滨南路1号", "500", "货物进出口", "102100099996", permit, "", "", "",
                      "310002"])
    book.save(path)
    return path


@pytest.fixture
def filing_env(ams_env: AmsHandle) -> AmsHandle:
    """`ams_env`, with the depositor's basic account in AMS."""
    _seed_basic(ams_env)
    return ams_env


def _run(console: Console, export: Path) -> str:
    """A real `rpa run account-filing` process; its run id."""
    done = subprocess.run([sys.executable, "-m", "rpa", "run", "account-filing", "--input", str(export)],
                          cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr  # some rows need a person
    return run_id_from(done.stdout)


def _resumed(console: Console) -> None:
    """Wait for the runs the page resumed to end."""
    for child in console.app.state.console.children:
        assert child.wait(timeout=180) in (0, 1)


def _result_rows(console: Console, run_id: str) -> dict[str, tuple[str, ...]]:
    sheet = openpyxl.load_workbook(console.settings.runs_dir / run_id / "result.xlsx")["报备结果"]
    rows = [tuple("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    account = header.index("账号")
    return {row[account]: row for row in rows[1:]}


def _signed_in(console: Console, screen: Any, name: str) -> None:
    console.login(screen, name)
    screen.wait_for_url(console.url + "/")
    screen.get_by_role("navigation").get_by_role("link", name="异常处理").click()
    screen.wait_for_url("**/exceptions")


@pytest.mark.timeout(420)
def test_a_refused_row_corrected_in_the_page_is_filed_once(
    console: Console, screen: Any, filing_env: AmsHandle, tmp_path: Path
) -> None:
    run_id = _run(console, _export(tmp_path / "导出.xlsx", [(GENERAL_A, WRONG_PERMIT)]))
    assert filing_env.filings() == [f for f in filing_env.filings() if f["account_no"] == BASIC]
    _signed_in(console, screen, "wang.jb")
    case = screen.locator("article.case", has_text="第 2 行")
    assert "基本存款账户不存在" in case.inner_text() and "门户拒绝" in case.inner_text()
    assert GENERAL_A not in screen.content() and "***0027" in case.inner_text()  # masked
    assert case.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")  # the portal's page
    case.get_by_text("更正并重新报备", exact=True).click()
    shoot(screen, "15-异常处理")
    case.get_by_label("基本存款账户编号").fill("3930000123401")  # no J: the export's own rule refuses it
    case.get_by_role("button", name="提交更正并重新报备").click()
    alert = screen.get_by_role("alert")
    assert "「基本存款账户编号」" in alert.inner_text() and "更正未采纳" in alert.inner_text()
    case = screen.locator("article.case", has_text="第 2 行")
    case.get_by_text("更正并重新报备", exact=True).click()
    case.get_by_label("基本存款账户编号").fill(BASIC_PERMIT)
    case.get_by_role("button", name="提交更正并重新报备").click()
    assert "已更正第 2 行" in screen.locator("p.ok").inner_text()
    _resumed(console)
    filed = {f["account_no"]: f["submitted"] for f in filing_env.filings()}
    assert filed[GENERAL_A] == 1
    row = _result_rows(console, run_id)[GENERAL_A]
    assert "已报备" in row  # the status cell, word for word
    assert any("经 wang.jb 更正基本存款账户编号后报备" in cell for cell in row), row
    screen.reload()
    assert screen.locator("article.case").count() == 0
    events = [(e.event, e.actor) for e in AuditLog.from_settings(console.settings).events(run_id)]
    assert ("case.corrected", "wang.jb") in events
    screen.goto(f"{console.url}/runs/{run_id}")
    assert screen.get_by_text("核对通过").is_visible(), screen.inner_text("main")  # the chain still holds


@pytest.mark.timeout(420)
def test_a_row_filed_by_hand_counts_only_after_another_checker_approves(
    console: Console, screen: Any, filing_env: AmsHandle, tmp_path: Path, browser: Any
) -> None:
    run_id = _run(console, _export(tmp_path / "导出.xlsx", [(GENERAL_B, WRONG_PERMIT)]))
    _signed_in(console, screen, "admin01")  # an admin may mark and approve, never their own mark
    case = screen.locator("article.case", has_text="第 2 行")
    case.get_by_text("标记为人工报备", exact=True).click()
    case.get_by_label("备案编号", exact=True).fill("AMS2026120300042")
    case.get_by_label("人工报备原因", exact=True).fill("柜面已在 AMS 中办理")
    case.get_by_role("button", name="标记（待复核）").click()
    assert "待另一位复核人批准" in screen.locator("p.ok").inner_text()
    _resumed(console)
    case = screen.locator("article.case", has_text="第 2 行")
    assert "人工报备待复核" in case.inner_text()
    assert case.get_by_role("button", name="批准人工报备").count() == 0  # not for its maker
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    item_id = case.get_attribute("id").removeprefix("case-")
    own = screen.request.post(f"{console.url}/exceptions/{run_id}/{item_id}/by-hand/approve",
                              form={"csrf_token": token})
    assert own.status == 400 and "标记人不能复核自己的标记" in own.text()
    row = _result_rows(console, run_id)[GENERAL_B]
    assert "人工报备" not in row and "AMS2026120300042" not in row  # not counted as filed yet

    checker = browser.new_context().new_page()
    checker.set_viewport_size({"width": 1366, "height": 768})
    _signed_in(console, checker, "li.fh")
    shoot(checker, "16-人工报备待复核")
    # tester W's A2: a page that showed another mark (refused, marked again since) approves nothing
    token = checker.locator("input[name=csrf_token]").first.get_attribute("value")
    for seen in ({}, {"mark": "0123456789abcdef"}):
        stale = checker.request.post(f"{console.url}/exceptions/{run_id}/{item_id}/by-hand/approve",
                                     form={"csrf_token": token, **seen})
        assert stale.status == 400 and "人工报备标记在你打开页面后已改变" in stale.text(), stale.text()
        assert "AMS2026120300042" in stale.text()  # the page names the mark as it is now
    checker.locator("article.case", has_text="第 2 行").get_by_role("button", name="批准人工报备").click()
    assert "已批准第 2 行" in checker.locator("p.ok").inner_text()
    _resumed(console)
    row = _result_rows(console, run_id)[GENERAL_B]
    assert "人工报备" in row and "AMS2026120300042" in row
    assert GENERAL_B not in {f["account_no"] for f in filing_env.filings()}  # the bot filed nothing
    events = [(e.event, e.actor) for e in AuditLog.from_settings(console.settings).events(run_id)]
    assert ("case.marked_by_hand", "admin01") in events and ("case.by_hand_approved", "li.fh") in events
    # tester W's C1: an action on a row no longer listed (settled a moment ago) says why it was refused
    token = checker.locator("input[name=csrf_token]").first.get_attribute("value")
    late = checker.request.post(f"{console.url}/exceptions/{run_id}/{item_id}/by-hand/approve",
                                form={"csrf_token": token, "mark": "0123456789abcdef"})
    assert late.status == 400 and 'class="error" role="alert"' in late.text(), late.text()
    checker.goto(f"{console.url}/runs/{run_id}")
    assert checker.get_by_text("核对通过").is_visible(), checker.inner_text("main")  # the chain still holds
    checker.context.close()


@pytest.mark.timeout(420)
def test_a_system_failure_retried_from_the_page_is_filed_once(
    console: Console, screen: Any, filing_env: AmsHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPA_MAX_ATTEMPTS", "1")
    filing_env.set_faults(error_rate=1.0, error_paths=["/ams/acctOpenSubmit.do"])
    run_id = _run(console, _export(tmp_path / "导出.xlsx", [(GENERAL_A, BASIC_PERMIT)]))
    assert GENERAL_A not in {f["account_no"] for f in filing_env.filings()}
    filing_env.set_faults()  # the portal is well again
    _signed_in(console, screen, "wang.jb")
    case = screen.locator("article.case", has_text="第 2 行")
    assert "系统故障，可重试" in case.inner_text()
    shoot(screen, "17-异常处理-系统故障")
    screen.get_by_role("button", name="重试系统故障（1 行）").click()
    assert "已把第 2 行（系统故障）交回队列" in screen.locator("p.ok").inner_text()
    _resumed(console)
    filed = {f["account_no"]: f["submitted"] for f in filing_env.filings()}
    assert filed[GENERAL_A] == 1
    assert "已报备" in _result_rows(console, run_id)[GENERAL_A]


@pytest.mark.timeout(120)
def test_an_auditor_reads_the_page_and_gets_403_on_every_action(console: Console, screen: Any) -> None:
    _signed_in(console, screen, "zhao.sj")
    assert screen.get_by_role("heading", name="异常处理").is_visible()
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    run = "20261203-091500-account_filing-1a2b3c"
    for path, form in ((f"/exceptions/{run}/1/correct", {"field:基本存款账户编号": BASIC_PERMIT}),
                       (f"/exceptions/{run}/1/by-hand", {"filing_no": "AMS1", "reason": "x"}),
                       (f"/exceptions/{run}/1/by-hand/approve", {}),
                       (f"/exceptions/{run}/retry", {})):
        answer = screen.request.post(console.url + path, form={"csrf_token": token, **form})
        assert answer.status == 403, path
    without = screen.request.post(console.url + f"/exceptions/{run}/retry", form={})
    assert without.status == 403 and "CSRF" in without.text()
