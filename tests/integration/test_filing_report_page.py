"""report.html of a filing run, opened from disk in real Chromium: every input row in input
order, one word per outcome, filters and search that work under the page's CSP, a table that
fits the window, and evidence that opens (issue #19)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest

from rpa.run.report import REPORT_FILE, write_run_report
from rpa.run.report_sections import InputRow
from rpa.run.runs import make_private_dir

SCREENSHOT = Path("/tmp/filing-report.png")
REFUSAL = "该账户已存在有效的开户备案，不能重复开户"
RUN_ID = "20260106-093000-account-filing-5e6f7a"
ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

# six input rows as a clerk's export has them, written by hand: two sheets, rows refused before
# filing (no item, no attempt) between rows the bot filed
ROWS = [
    InputRow("开户", 2, "***************3445", "上海申江贸易有限公司", "开户", "filed",
             filing_no="3100202601060001", note="报备成功", attempts=1),
    InputRow("开户", 3, "***************7781", "浦东新区联华食品商行", "开户", "invalid",
             note="「开户日期」不是日期：2026-13-01"),
    InputRow("开户", 4, "***************0912", "上海伍德机械制造有限公司", "开户", "refused",
             portal_message=REFUSAL, note="AMS拒绝了此笔报备，原因见「门户信息」", attempts=1,
             evidence="evidence/refused-row4.png"),
    InputRow("开户", 5, "***************5566", "上海澳洋国际物流有限公司", "开户", "needs_person",
             note="存款人类别为「机关」的基本存款账户须经人民银行核准，不属于备案，需人工处理"),
    InputRow("变更", 2, "***************3445", "上海申江贸易有限公司", "变更", "held",
             note="信息核对页所示的注册资金与输入行不同，未提交：请人工核实", attempts=1),
    InputRow("撤销", 2, "***************2208", "上海长宁区美佳服饰店", "撤销", "already_filed",
             filing_no="3100202512300417", note="AMS中已有此笔报备（业务类型、日期和内容相同），未再提交",
             attempts=1),
]  # fmt: skip


def _refusal_screenshot(page: Any, folder: Path) -> None:
    """What the portal showed when it refused row 4: its message in a dialog, as a PNG."""
    page.set_content(
        '<body style="font-family: sans-serif"><h2>账户备案 - 开户</h2>'
        f'<div role="alert" style="border:2px solid #c00;padding:16px;font-size:20px">{REFUSAL}</div></body>'
    )
    (folder / "evidence").mkdir()
    page.screenshot(path=str(folder / "evidence" / "refused-row4.png"))


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_a_filing_report_lists_every_input_row_with_filters_and_evidence(tmp_path: Path, page: Any) -> None:
    folder = make_private_dir(tmp_path / RUN_ID)
    _refusal_screenshot(page, folder)
    info = {"run_id": RUN_ID, "flow": "account-filing", "trigger": "cli", "exit_code": 1}
    path = write_run_report(folder, info, [], [], input_rows=ROWS)
    assert path == folder / REPORT_FILE

    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(path.as_uri())

    assert page.locator("h1").inner_text() == f"运行报告 {RUN_ID}"
    rows = page.locator("tr.input-row")
    assert rows.count() == len(ROWS) == 6  # rows refused before filing included
    where = rows.evaluate_all("rs => rs.map(r => r.cells[0].innerText.trim())")
    assert where == ["开户 第2行", "开户 第3行", "开户 第4行", "开户 第5行", "变更 第2行", "撤销 第2行"]
    outcomes = rows.evaluate_all("rs => rs.map(r => r.cells[4].innerText.trim())")
    assert outcomes == ["已报备", "无效，未报备", "门户拒绝", "需人工处理", "需人工处理", "此前已报备"]
    assert "3100202601060001" in rows.nth(0).inner_text()  # filing numbers whole
    assert REFUSAL in rows.nth(2).inner_text()

    # the table fits the window: nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # one choice a word: a held item and a row put aside for a person are both 需人工处理 (tester AG
    # saw two choices of that name)
    choices = page.locator("#outcome-filter option").all_inner_texts()
    assert [c for c in choices if c.startswith("需人工处理")] == ["需人工处理（2）"], choices
    page.select_option("#outcome-filter", label="需人工处理（2）")
    assert page.locator("tr.input-row:visible").count() == 2
    assert page.locator("tr.input-evidence:visible").count() == 0  # the refused row's screenshot went too
    assert page.locator("#rows-shown").inner_text() == "2"
    page.select_option("#outcome-filter", "")
    page.fill("#row-search", "3445")
    cells = "rs => rs.map(r => r.cells[0].innerText.trim())"
    visible = page.locator("tr.input-row:visible").evaluate_all(cells)
    assert visible == ["开户 第2行", "变更 第2行"]
    page.fill("#row-search", "")
    assert page.locator("tr.input-row:visible").count() == 6

    # the refused row's screenshot: in the row below it, big enough to read, full size on click
    evidence = page.locator("tr.input-row + tr.input-evidence")
    assert evidence.count() == 1
    assert evidence.evaluate("e => e.previousElementSibling.cells[0].innerText.trim()") == "开户 第4行"
    shot = evidence.locator("img.evidence")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    assert shot.evaluate("i => i.naturalWidth") > 0 and shot.evaluate("i => i.clientWidth") >= 320
    with page.context.expect_page() as opened:
        evidence.locator("a.evidence").click()
    full = opened.value
    full.wait_for_load_state()
    assert full.url.endswith("/evidence/refused-row4.png")
    assert full.evaluate("document.images.length === 1 && document.images[0].naturalWidth > 0")
    full.close()
    assert errors == []  # the filter script runs under the CSP, nothing failed to load
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_a_report_without_input_rows_has_no_row_section_and_no_filing_column(tmp_path: Path) -> None:
    folder = make_private_dir(tmp_path / "20260106-100000-report-extraction-1a2b3c")
    html = write_run_report(folder, {"flow": "report-extraction"}, [], []).read_text(encoding="utf-8")
    assert 'class="input-row' not in html and "<script>" not in html
    assert "备案编号" not in html


FIVE_THOUSAND = 5000
# a report opened from disk: the page's own navigation timing, from the start of the navigation
# to the end of its load event (the browser's own clock, not the test's)
OPEN_TIME_MS = """() => {
  const [nav] = performance.getEntriesByType("navigation");
  return nav.loadEventEnd - nav.startTime;
}"""


def _five_thousand_rows(folder: Path) -> Path:
    """5,000 rows as a big export's run has them: every fifth refused, with its screenshot (a real
    PNG in evidence/), every fifth filed with its filing number."""
    make_private_dir(folder)
    (folder / "evidence").mkdir()
    shot = folder / "evidence" / "refused.png"
    shot.write_bytes(base64.b64decode(ONE_PIXEL_PNG))
    outcomes = ("filed", "invalid", "refused", "held", "already_filed")
    rows = [
        InputRow("开户明细", n + 4, f"***************{n % 10000:04d}", f"上海浦江第{n}号贸易有限公司", "开户",
                 outcomes[n % 5], filing_no=f"31002026{n:08d}" if n % 5 == 0 else "",
                 portal_message=REFUSAL if n % 5 == 2 else "", note="信息核对页所示的注册资金与输入行不同",
                 attempts=1, evidence="evidence/refused.png" if n % 5 == 2 else "")
        for n in range(FIVE_THOUSAND)
    ]  # fmt: skip
    return write_run_report(folder, {"run_id": RUN_ID}, [], [], input_rows=rows)


def test_five_thousand_rows_stay_under_5_mb(tmp_path: Path) -> None:
    """The size is checked on every machine, loaded or not: it does not depend on the clock."""
    path = _five_thousand_rows(tmp_path / RUN_ID)
    html = path.read_text(encoding="utf-8")
    assert html.count('class="input-row"') == FIVE_THOUSAND
    assert html.count('class="shots-row input-evidence"') == FIVE_THOUSAND // 5
    assert path.stat().st_size < 5_000_000, path.stat().st_size


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_five_thousand_rows_filter_in_chromium(tmp_path: Path, page: Any) -> None:
    path = _five_thousand_rows(tmp_path / RUN_ID)
    page.goto(path.as_uri(), wait_until="load", timeout=120_000)  # not timed here: see below
    assert page.evaluate(OPEN_TIME_MS) > 0  # the page's own timing, which the timed test reads
    assert page.locator("tr.input-row").count() == FIVE_THOUSAND
    page.select_option("#outcome-filter", "refused")
    assert page.locator("#rows-shown").inner_text() == "1000"
    assert page.locator("tr.input-row:visible").count() == 1000


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_five_thousand_rows_open_in_under_2_seconds(tmp_path: Path, page: Any) -> None:
    """Timed only on a machine not already busier than its cores: a wall-clock bound measured
    under a load of several times the cores says nothing about the page."""
    path = _five_thousand_rows(tmp_path / RUN_ID)
    busy = os.getloadavg()[0]
    if busy > (os.cpu_count() or 1):
        pytest.skip(f"load average {busy:.1f} exceeds the {os.cpu_count()} cores: not timed")
    timings = []
    for _ in range(3):  # the best of three: Chromium's first start is not the report's cost
        page.goto("about:blank")
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        timings.append(page.evaluate(OPEN_TIME_MS))
    assert min(timings) < 2000, timings
