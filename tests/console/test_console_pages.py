"""The console's pages (issue #21): 首页, 任务详情 with downloads (never outside the run folder),
调度 with pause and resume for an admin only, 操作员 with clearing a refusal. Real Chromium.

The run folder here is written by hand (run.json, a real result.xlsx), as an earlier run of the
filing flow leaves it, so the pages are checked against values the test chose."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from sqlalchemy import update

from rpa.audit.log import AuditLog
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.run.operators import OperatorRefusals
from rpa.schedule.pauses import JobPauses
from tests.console.conftest import PASSWORD, Console, shoot
from tests.integration.item_endings import ROW_WORDS, end_items

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
RUN_ID = "20261201-091502-account_filing-7c1e9a"


def _hand_made_run(runs: Path, run_id: str = RUN_ID) -> Path:
    folder = runs / run_id
    folder.mkdir(parents=True)
    started = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    (folder / "run.json").write_text(json.dumps({
        "run_id": run_id, "flow": "account_filing", "trigger": "console:wang.jb",
        "started_at": started.isoformat(), "ended_at": started.isoformat(), "exit_code": 1,
        "counts": {"done": 3, "held": 1}, "parameters": {"maker": "wang.jb"},
    }, ensure_ascii=False), encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "报备结果"
    sheet.append(["行号", "账号", "结果"])
    sheet.append([2, "6222 0202 0011 2233 445", "已报备"])
    book.save(folder / "result.xlsx")
    (folder / "run.log").write_text("不可下载\n", encoding="utf-8")
    return folder


def test_home_shows_todays_runs_next_jobs_and_runs_waiting_for_a_person(console: Console,
                                                                        screen: Any) -> None:
    _hand_made_run(console.settings.runs_dir)
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    today = screen.locator("section", has_text="今天的运行")
    assert today.get_by_role("link", name=RUN_ID).is_visible()
    assert "已结束，有事项需要处理" in today.inner_text()
    assert "wang.jb" in today.inner_text()
    upcoming = screen.locator("section", has_text="接下来的定时运行").inner_text()
    assert "morning-reports" in upcoming and "month-end-check" in upcoming
    waiting = screen.locator("section", has_text="有需人工处理事项的运行")
    assert waiting.get_by_role("link", name=RUN_ID).is_visible()
    shoot(screen, "02-首页")


def _plant_filings(console: Console, today: date) -> None:
    """Account-filing items as runs leave them, deadlines and states chosen here by hand."""
    queue = WorkQueue.from_settings(console.settings)
    queue.create_schema()
    planted = [  # account, deadline, state
        ("6217003320001234567", today - timedelta(days=3), "pending"),  # overdue
        ("44021234000056789", today, "held"),  # due today
        ("6228480010009999111", today - timedelta(days=1), "done"),  # filed: not listed
        ("3301040160002468", today + timedelta(days=4), "pending"),  # not yet due
    ]
    for number, (account, deadline, state) in enumerate(planted):
        payload = {"record": {"account_no": account, "action": "open"}, "deadline": deadline.isoformat()}
        item = queue.enqueue("account-filing", RUN_ID, f"open:{account}:{number}", payload)
        with queue._engine.begin() as conn:
            conn.execute(update(items).where(items.c.id == item.item_id).values(state=state))
    dry = queue.enqueue("account-filing", RUN_ID, f"dry-run:{RUN_ID}:open:9558801001117777:x",
                        {"record": {"account_no": "9558801001117777"}, "deadline": today.isoformat()})
    assert dry.item_id


def test_home_lists_filings_overdue_or_due_today_masked_and_nothing_else(console: Console,
                                                                        screen: Any) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    _hand_made_run(console.settings.runs_dir)
    _plant_filings(console, today)
    console.login(screen, "zhao.sj")
    screen.wait_for_url(console.url + "/")
    section = screen.locator("section", has_text="逾期与今日到期的报备")
    text = section.inner_text()
    assert "逾期 1 笔，今日到期 1 笔" in text
    rows = section.locator("tr").all_inner_texts()[1:]
    assert len(rows) == 2, rows
    assert "4567" in rows[0] and (today - timedelta(days=3)).isoformat() in rows[0] and "逾期" in rows[0]
    assert "未完成" in rows[0]
    assert "6789" in rows[1] and today.isoformat() in rows[1] and "今日到期" in rows[1]
    assert "需人工处理" in rows[1]
    page = screen.content()
    for account in ("6217003320001234567", "44021234000056789", "9111", "2468", "7777"):
        assert account not in page
    shoot(screen, "02-首页-逾期")


def test_run_detail_downloads_the_result_workbook(console: Console, screen: Any, tmp_path: Path) -> None:
    _hand_made_run(console.settings.runs_dir)
    ids = end_items(WorkQueue.from_settings(console.settings), RUN_ID)
    console.login(screen, "zhao.sj")  # an auditor reads runs
    screen.wait_for_url(console.url + "/")
    screen.get_by_role("link", name=RUN_ID).first.click()
    screen.wait_for_url(f"{console.url}/runs/{RUN_ID}")
    assert screen.get_by_role("heading", name=f"任务详情 {RUN_ID}").is_visible()
    assert "审计核对" in screen.inner_text("main")
    table = screen.locator("section", has_text="事项（已脱敏）").locator("tr").all_inner_texts()
    header, *lines = (line.split("\t") for line in table)
    cells = {line[header.index("事项")]: line for line in lines}
    for name, item_id in ids.items():  # each item's word is its row's in result.xlsx, never a code
        assert cells[str(item_id)][header.index("结果")] == ROW_WORDS[name], cells
    assert [line[header.index("行号")] for line in lines] == [f"第 {n} 行" for n in range(2, 8)]
    assert "refused" not in screen.inner_text("main")
    shoot(screen, "03-任务详情")
    with screen.expect_download() as info:
        screen.get_by_role("link", name="下载 result.xlsx").click()
    saved = tmp_path / "got.xlsx"
    info.value.save_as(saved)
    assert openpyxl.load_workbook(saved)["报备结果"]["C2"].value == "已报备"
    events = AuditLog.from_settings(console.settings).events(None)
    assert any(e.event == "console.download" and e.actor == "console:zhao.sj" for e in events)


def test_a_dry_run_says_so_on_the_home_page_and_its_detail(console: Console, screen: Any) -> None:
    folder = _hand_made_run(console.settings.runs_dir)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run.update(exit_code=0, counts={"done": 4},
               parameters={"maker": "wang.jb", "flow_params": {"input": "x.xlsx", "dry_run": True}})
    (folder / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    today = screen.locator("section", has_text="今天的运行").locator("tr", has_text=RUN_ID).inner_text()
    assert "演练" in today and "未向 AMS 提交" in today, today
    screen.goto(f"{console.url}/runs/{RUN_ID}")
    state = screen.locator("tr", has_text="状态").first.inner_text()
    assert state.startswith("状态\t演练 · 全部完成（只校验和查询，未向 AMS 提交）"), state


@pytest.mark.parametrize(("asked", "words", "status"), [
    ("../queue.db", "上级目录", 400),
    ("evidence/../../queue.db", "上级目录", 400),
    ("evidence/", "路径不完整", 400),  # tester W's C3: said 上级目录
    ("/etc/passwd", "绝对路径", 400),
    ("C:/Windows/win.ini", "绝对路径", 400),
    ("run.log", "不在可下载的文件之列", 403),
    ("consolidated.xlsx", "没有 consolidated.xlsx", 404),
])
def test_a_download_outside_the_records_of_the_run_folder_is_refused(
    console: Console, screen: Any, asked: str, words: str, status: int
) -> None:
    _hand_made_run(console.settings.runs_dir)
    (console.settings.runs_dir / "queue.db").touch()
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    answer = screen.request.get(f"{console.url}/runs/{RUN_ID}/download", params={"file": asked})
    assert answer.status == status
    assert words in answer.text()
    raw = httpx.get(f"{console.url}/runs/{RUN_ID}/files/%2e%2e%2fqueue.db",
                    cookies={c["name"]: c["value"] for c in screen.context.cookies()})
    assert raw.status_code == 400 and "上级目录" in raw.text


def test_an_unknown_or_malformed_run_id_is_refused(console: Console, screen: Any) -> None:
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    assert screen.goto(f"{console.url}/runs/20260101-000000-smoke-000000").status == 404
    assert "没有运行" in screen.inner_text("main")
    assert screen.goto(f"{console.url}/runs/..%2E").status in (400, 404)


def test_unknown_pages_and_malformed_ids_are_told_in_chinese_and_progress_uses_the_cli_words(
    console: Console, screen: Any
) -> None:
    _hand_made_run(console.settings.runs_dir)
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    answer = screen.goto(f"{console.url}/no-such-page")
    assert answer.status == 404 and "没有这个页面（/no-such-page）" in screen.inner_text("main")
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    bad_id = screen.request.post(f"{console.url}/exceptions/{RUN_ID}/abc/correct", form={"csrf_token": token})
    assert bad_id.status == 400 and "写法不对" in bad_id.text() and "detail" not in bad_id.text()
    wrong_method = screen.request.get(f"{console.url}/logout")
    assert wrong_method.status == 405 and "不接受 GET 请求" in wrong_method.text()
    screen.goto(f"{console.url}/runs/{RUN_ID}/progress")
    counts = screen.locator("p.counts").inner_text()
    assert "处理中" in counts and "未完成" in counts and "办理中" not in counts and "待办" not in counts


def test_only_an_admin_pauses_a_job_and_the_scheduler_sees_the_pause(console: Console, screen: Any) -> None:
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    screen.goto(console.url + "/schedule")
    row = screen.locator("tr", has_text="morning-reports")
    assert row.get_by_role("button", name="立即运行").is_visible()
    assert row.get_by_role("button", name="暂停").count() == 0  # an operator sees no pause
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = screen.request.post(console.url + "/schedule/morning-reports/pause",
                                  form={"csrf_token": token})
    assert refused.status == 403 and "经办角色不能执行此操作" in refused.text()
    screen.get_by_role("button", name="退出登录").click()
    console.login(screen, "admin01")
    screen.wait_for_url(console.url + "/")
    screen.goto(console.url + "/schedule")
    screen.locator("tr", has_text="morning-reports").get_by_role("button", name="暂停").click()
    screen.wait_for_url(console.url + "/schedule")
    assert screen.get_by_text("已暂停任务 morning-reports").is_visible()
    assert "已暂停" in screen.locator("tr", has_text="morning-reports").inner_text()
    assert set(JobPauses(console.settings.database_url_resolved).paused()) == {"morning-reports"}
    shoot(screen, "04-调度")
    screen.locator("tr", has_text="morning-reports").get_by_role("button", name="恢复").click()
    screen.wait_for_url(console.url + "/schedule")
    assert JobPauses(console.settings.database_url_resolved).paused() == {}
    events = [e.event for e in AuditLog.from_settings(console.settings).events(None)]
    assert "console.job_paused" in events and "console.job_resumed" in events


def test_a_refused_operator_is_shown_masked_and_cleared_by_an_operator(console: Console, screen: Any) -> None:
    OperatorRefusals.from_settings(console.settings).record(
        "ams", "OP20398", code="wrong_password", message="用户名或密码错误", run_id=RUN_ID)
    console.login(screen, "wang.jb", PASSWORD)
    screen.wait_for_url(console.url + "/")
    screen.goto(console.url + "/operators")
    row = screen.locator("tr", has_text="用户名或密码错误")
    assert "被拒绝登录，待解除" in row.inner_text()
    assert "OP20398" not in screen.content()  # masked: last four only
    assert "0398" in row.inner_text()
    shoot(screen, "05-操作员")
    row.get_by_role("button", name="已核实，解除").click()
    screen.wait_for_url(console.url + "/operators")
    assert "的拒绝登录记录" in screen.locator("p.ok").inner_text()
    assert OperatorRefusals.from_settings(console.settings).listing() == []
    cleared = [e for e in AuditLog.from_settings(console.settings).events(None)
               if e.event == "operator.refusal_cleared"]
    assert cleared and cleared[0].actor == "console:wang.jb"


def test_an_auditor_cannot_clear_a_refusal(console: Console, screen: Any) -> None:
    OperatorRefusals.from_settings(console.settings).record(
        "ams", "OP20398", code="locked", message="操作员已锁定", run_id=None)
    console.login(screen, "zhao.sj")
    screen.wait_for_url(console.url + "/")
    screen.goto(console.url + "/operators")
    assert screen.get_by_role("button", name="已核实，解除").count() == 0
    token = screen.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = screen.request.post(console.url + "/operators/ams/0/clear", form={"csrf_token": token})
    assert answer.status == 403
    assert len(OperatorRefusals.from_settings(console.settings).listing()) == 1


def test_trigger_now_runs_the_job_through_the_fire_table(console: Console, screen: Any) -> None:
    """An empty drop folder: the job's run ends at once as 没有新文件, recorded like any fire."""
    import time

    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    screen.goto(console.url + "/schedule")
    screen.locator("tr", has_text="inbox-filing").get_by_role("button", name="立即运行").click()
    screen.wait_for_url(console.url + "/schedule")
    assert screen.get_by_text("已开始运行任务 inbox-filing").is_visible()
    deadline = time.monotonic() + 90
    row = screen.locator("tr", has_text="inbox-filing")
    while "没有新文件" not in row.inner_text() and time.monotonic() < deadline:
        screen.wait_for_timeout(1000)
        screen.reload()
    assert "没有新文件" in row.inner_text()
    events = AuditLog.from_settings(console.settings).events(None)
    assert any(e.event == "console.job_triggered" and e.actor == "console:wang.jb" for e in events)


def test_rows_put_aside_while_validating_show_on_exceptions_home_and_overdue(console: Console,
                                                                            screen: Any) -> None:
    """Rows a filing run put aside before filing (never queue items) are recorded in its audit
    chain as the flow records them; the pages read them from there, as result.xlsx shows them."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    run_id = "20261201-101502-account_filing-9d2f3b"
    folder = _hand_made_run(console.settings.runs_dir, run_id)
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    (folder / "run.json").write_text(json.dumps({**info, "counts": {"done": 1}}), encoding="utf-8")
    audit = AuditLog.from_settings(console.settings)
    audit.create_schema()
    aside = [  # row, status, reasons, account, deadline
        (7, "needs_person", "存款人类别为「机关」的基本存款账户须经人民银行核准，不属于备案，需人工处理",
         "***************0007", today - timedelta(days=1)),
        (8, "invalid", "「统一社会信用代码」的校验位不正确", "***************0008",
         today - timedelta(days=2)),
    ]
    for row, status, reasons, account, deadline in aside:
        audit.append(run_id, "run", "row.validated", details={
            "sheet": "开户清单", "row": row, "status": status, "codes": ["x"], "reasons": reasons,
            "account": account, "action": "开户", "business_date": "2026-12-01",
            "deadline": deadline.isoformat(), "dry_run": False, "filing_ref": f"ab{row:014d}"})
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    waiting = screen.locator("section", has_text="有需人工处理事项的运行")
    assert waiting.get_by_role("link", name=run_id).is_visible()
    assert "校验时搁置：需人工处理 1，无效，未报备 1" in waiting.inner_text()
    due = screen.locator("section", has_text="逾期与今日到期的报备").inner_text()
    assert "逾期 2 笔" in due and "0007" in due and "0008" in due and "无效，未报备" in due

    screen.goto(console.url + "/exceptions")
    run = screen.locator(f"section[data-run='{run_id}']")
    rows = run.locator("article.aside")
    assert rows.count() == 2
    first = rows.nth(0).inner_text()
    assert "第 7 行" in first and "需人工处理" in first and "须经人民银行核准" in first
    assert "已逾期" in first and "***************0007" in first and "办理：" in first
    assert "改正后重新导出运行" in rows.nth(1).inner_text()
