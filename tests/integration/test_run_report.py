"""The run report: built from a real smoke run through the engine, then opened in real Chromium."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest

from flows.smoke.flow import SAMPLE_ACCOUNT, SAMPLE_ID_NUMBER
from rpa.audit.log import AuditLog
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import EXIT_ITEMS_FAILED, execute_run
from rpa.run.report import REPORT_FILE, write_run_report
from rpa.run.runs import make_private_dir, read_run_json
from rpa.settings import Settings
from tests.integration.item_endings import ROW_WORDS, end_items

PLANTED_PASSWORD = "Smoke-Pw-7731"
REFUSAL_WORDS = "业务拒绝：账户状态不正常"  # what the smoke site says for a "business" item
SCREENSHOT = Path("/tmp/run-report.png")


@pytest.fixture
def report_settings(isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RPA_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("RPA_BACKOFF_BASE_SECONDS", "0.05")
    monkeypatch.setenv("RPA_BACKOFF_MAX_SECONDS", "0.2")
    monkeypatch.setenv("RPA_SMOKE_PASSWORD", PLANTED_PASSWORD)
    return Settings()


@pytest.mark.browser
def test_report_of_a_smoke_run_shows_every_item_masked_with_screenshots(
    report_settings: Settings, page: Any
) -> None:
    params = {"flow_params": {"items": 4, "modes": ["ok", "business", "ok", "system_always"]}}
    outcome = execute_run(report_settings, "smoke", params, workers=1)
    assert outcome.exit_code == EXIT_ITEMS_FAILED
    items = WorkQueue.from_settings(report_settings).items(outcome.run_id)
    events = AuditLog.from_settings(report_settings).events(outcome.run_id)

    path = write_run_report(
        outcome.folder, read_run_json(outcome.folder), items, events,
        audit_key=report_settings.audit_key_bytes(),
    )  # fmt: skip

    assert path == outcome.folder / REPORT_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    html = path.read_text(encoding="utf-8")
    for planted in (SAMPLE_ACCOUNT, SAMPLE_ID_NUMBER, PLANTED_PASSWORD):
        assert planted not in html
    assert "***************3445" in html  # the account, as the flow masked it
    assert f"rpa audit verify {outcome.run_id}" in html

    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path.as_uri())
    rows = page.locator("tr.item")
    assert rows.count() == len(items) == 4
    for item in items:
        row = page.locator(f'tr.item[data-item-id="{item.id}"]')
        assert row.get_attribute("class") == f"item state-{item.state}"
        assert row.locator("td").nth(2).inner_text().strip() == str(item.tries)
    (refused,) = [item for item in items if item.state == "business_error"]
    refused_row = page.locator(f'tr.item[data-item-id="{refused.id}"]')
    assert REFUSAL_WORDS in refused_row.inner_text()
    assert "portal_refusal" in refused_row.inner_text()
    (failed,) = [item for item in items if item.state == "failed"]
    assert page.locator(f'tr.item[data-item-id="{failed.id}"] td').nth(2).inner_text().strip() == "2"
    assert page.locator(".tile.state-done .n").inner_text() == "2"
    assert page.locator(".tile.state-failed .n").inner_text() == "1"
    assert page.locator("svg.chart rect").count() == 12  # a track and a bar for each of the six states

    sources = page.locator("img.thumb").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
    done_evidence = {item.result["evidence"] for item in items if item.state == "done" and item.result}
    assert len(done_evidence) == 2 and done_evidence <= set(sources)
    assert any(source.endswith("-failure.png") for source in sources)  # the failed item's last page
    for source in sources:
        target = (outcome.folder / source).resolve()
        assert target.is_file() and target.parent == (outcome.folder / "evidence").resolve()
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    widths = page.locator("img.thumb").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == len(sources) and all(width > 0 for width in widths)
    # each screenshot below its item's row, big enough to read; no table wider than the window
    shown = page.locator("tr.item-shots img.thumb").evaluate_all("imgs => imgs.map(i => i.clientWidth)")
    assert len(shown) == len(sources) and min(shown) >= 320, shown
    page.set_viewport_size({"width": 1024, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator(".events tr.event").count() == len({event.event for event in events})
    assert console_errors == []  # no CSP violation, nothing failed to load
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000

    # a clerk's retry resets the failed item's budget, never the 尝试次数 the page shows
    queue = WorkQueue.from_settings(report_settings)
    assert queue.retry(outcome.run_id, [failed.id]) == [failed.id]
    write_run_report(outcome.folder, read_run_json(outcome.folder), queue.items(outcome.run_id), events,
                     audit_key=report_settings.audit_key_bytes())
    page.goto(path.as_uri())
    assert page.locator(f'tr.item[data-item-id="{failed.id}"] td').nth(2).inner_text().strip() == "2"


def test_report_escapes_scrubs_and_shows_only_masked_result_fields(report_settings: Settings) -> None:
    run_id = "20260105-093000-smoke-abc123"
    folder = make_private_dir(report_settings.runs_dir / run_id)
    queue = WorkQueue.from_settings(report_settings)
    audit = AuditLog.from_settings(report_settings)
    queue.create_schema()
    audit.create_schema()
    for n in range(3):
        queue.enqueue("smoke", run_id, f"smoke:{run_id}:{n}", {"account_no": SAMPLE_ACCOUNT})
    owner = "test-owner"
    first = queue.claim(run_id=run_id, owner=owner, lease_seconds=30)
    assert first is not None
    queue.complete(first.id, owner, {
        "status": "done",
        "note": f"<script>alert(1)</script> 账号 {SAMPLE_ACCOUNT}",
        "evidence": "../../outside.png",
        "already_filed": True,
        "figures": [1, 2, 3],
        "account_no": SAMPLE_ACCOUNT,  # not on the whitelist: never shown
    })  # fmt: skip
    second = queue.claim(run_id=run_id, owner=owner, lease_seconds=30)
    assert second is not None
    hostile = f'<img src=x onerror="alert(2)"> {SAMPLE_ID_NUMBER}'
    queue.fail_business(second.id, owner, "portal_refusal", hostile)
    audit.append(run_id, "run", "run.started", details={"flow": "smoke"})

    info = {"run_id": run_id, "flow": "smoke", "trigger": "cli"}
    title = "冒烟测试 <b>报告</b>"
    path = write_run_report(folder, info, queue.items(run_id), audit.events(run_id), title=title)

    html = path.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert "<b>报告</b>" not in html and "冒烟测试 &lt;b&gt;报告&lt;/b&gt;" in html
    assert SAMPLE_ACCOUNT not in html and SAMPLE_ID_NUMBER not in html
    assert "account_no" not in html
    assert "outside.png" in html and 'src="../../outside.png"' not in html  # named as missing, not linked
    # tester AK; not the outcome word 此前已报备 (tester AU of 2026-12-07: a filed row read 此前已报备 否)
    assert "<dt>查询时AMS已有</dt><dd>是</dd>" in html and "<dt>数字个数</dt><dd>3</dd>" in html
    assert html.count('<tr class="item ') == 3 and 'class="item state-pending"' in html
    assert "运行未结束或未记录" in html and "尚未结束" in html  # no exit code, no end time yet
    assert '>run.started</td><td class="num">1<' in html



def test_each_item_reads_as_its_row_does_in_result_xlsx(report_settings: Settings) -> None:
    """The item list's badge is the row's word where the item's result carries a row outcome
    (门户拒绝, 已报备, 复核退回, 人工报备, 待复核), never the raw code; a result an earlier
    attempt left (a retried item) does not speak for the item. The tiles count the business
    errors and held rows under the same words (testers AI F2, AK F3: 业务错误 1 beside a row
    reading 门户拒绝), each state keeping its tile."""
    run_id = "20260105-093000-account-filing-abc123"
    folder = make_private_dir(report_settings.runs_dir / run_id)
    queue = WorkQueue.from_settings(report_settings)
    ids = end_items(queue, run_id)

    info = {"run_id": run_id, "flow": "account-filing", "trigger": "cli"}
    html = write_run_report(folder, info, queue.items(run_id), []).read_text(encoding="utf-8")
    badge = r'data-item-id="(\d+)">\s*<td class="num">\d+</td>\s*<td><span class="badge"[^>]*>([^<]+)<'
    badges = dict(re.findall(badge, html))
    assert {name: badges[str(item_id)] for name, item_id in ids.items()} == ROW_WORDS
    assert "<dt>status</dt>" not in html  # the word is the badge: no raw code beside it
    tile = (r'<div class="tile state-[a-z_]+[^"]*"[^>]*>\s*'
            r'<div class="n">(\d+)</div>\s*<div class="l">([^<]+?)</div>')
    tiles = [(label, int(n)) for n, label in re.findall(tile, html)]
    assert tiles == [("已完成", 2), ("业务错误", 0), ("复核退回", 1), ("门户拒绝", 1), ("失败", 0),
                     ("需人工处理", 0), ("待复核", 1), ("未完成", 1), ("处理中", 0)]
    assert sum(n for _, n in tiles) == len(ids)
    for english in ("items by state", "exit code", "every input row", "run id", "attempts", "stop reason"):
        assert english not in html, english  # a clerk's page is Chinese (tester BJ F8, 2026-12-07)
