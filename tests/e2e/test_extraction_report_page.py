"""report.html of a real report-extraction run, opened from disk in real Chromium (issue #19):
the reconciliation branch by branch (相符 / 不符 with the difference), the scorecard with its
chart, and no filing column.

The run back-fills two dates against the mock report platform. On the second the platform
serves the summary variant `summary_off_by_100` (fixtures/reports/generate.py): the summary
shows 东城支行's 储蓄存款余额 100 元 higher than 东城支行's own file, so that branch is 不符 by
+100.00 元 (summary less branch file) and that date ranks nothing; the first date is clean and
ranked, with its chart.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rpa.run.orchestrate import EXIT_ITEMS_FAILED, execute_run
from rpa.settings import OperatorCredential, Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLEAN, OFF = date(2026, 11, 26), date(2026, 11, 27)
PARAMS = {"flow_params": {"date": [CLEAN.isoformat(), OFF.isoformat()], "branches": ["110101", "110102"],
                          "formats": ["xlsx"]}}
SCREENSHOT = Path("/tmp/extraction-report.png")


@pytest.fixture
def settings(tmp_path: Path, report_portal: Any) -> Settings:
    operators = [OperatorCredential(code=op.code, password=op.password) for op in report_portal.operators]
    return Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        reports_url=report_portal.url, reports_operators=operators,
        backoff_base_seconds=0.05, backoff_max_seconds=0.2, max_attempts=2,
        lease_seconds=30, heartbeat_seconds=2,
    )


def _cells(locator: Any) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in
            locator.evaluate_all("rs => rs.map(r => Array.from(r.cells).map(c => c.innerText))")]


@pytest.mark.timeout(300)
def test_the_extraction_report_shows_the_reconciliation_and_the_scorecard(
    settings: Settings, report_portal: Any, page: Any
) -> None:
    report_portal.set_variant("summary_daily", OFF, None, "summary_off_by_100")
    outcome = execute_run(settings, "report-extraction", PARAMS, workers=1)
    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome  # a failed check: never "all done"

    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto((outcome.folder / "report.html").as_uri())
    assert page.locator("h1").inner_text() == f"运行报告 {outcome.run_id}"

    recons = page.locator("section.reconciliation")
    assert recons.locator("h2").all_inner_texts() == [
        "核对：2026-11-26 网点文件与分行汇总日报（xlsx） 相符",
        "核对：2026-11-27 网点文件与分行汇总日报（xlsx） 不符",
    ]
    clean, off = recons.nth(0), recons.nth(1)
    clean_groups = _cells(clean.locator("tr.group"))
    assert [(row[0], row[2]) for row in clean_groups] == [("110101 东城支行", "相符"),
                                                          ("110102 西城支行", "相符")]
    assert all(int(row[1]) >= 9 for row in clean_groups)  # every figure the summary also shows
    groups = _cells(off.locator("tr.group"))
    assert [row[0] for row in groups] == ["110101 东城支行", "110102 西城支行"]
    assert groups[0][2] == "不符" and "储蓄存款余额 本日 相差 +100.00 元" in groups[0][3]
    assert groups[1][2] == "相符"
    mismatched = off.locator("details.group[open] tr.comparison.mismatch")
    assert mismatched.count() == 1
    (figure,) = _cells(mismatched)
    assert figure[0] == "储蓄存款余额 本日" and figure[3:5] == ["+100.00 元", "不符"]
    assert off.locator("details.group:not([open])").count() == 1  # the matching branch stays folded

    cards = page.locator("section.scorecard")
    assert cards.count() == 2
    ranked = _cells(cards.nth(0).locator("tr.ranked"))
    assert sorted(row[1] for row in ranked) == ["110101", "110102"]
    assert [row[0] for row in ranked] == ["1", "2"]
    chart = cards.nth(0).locator("svg.score-chart")
    assert chart.count() == 1 and chart.locator("rect.score-bar").count() == 2
    assert chart.evaluate("svg => svg.getBoundingClientRect().width") > 300
    assert "本期不排名" in cards.nth(1).inner_text()
    assert cards.nth(1).locator("tr.ranked").count() == 0 and cards.nth(1).locator("svg").count() == 0

    headers = page.locator("th").all_inner_texts()
    assert not [h for h in headers if "备案编号" in h or "账号" in h], headers  # no filing column
    assert page.locator("tr.input-row").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # fits the window
    page.screenshot(path=str(SCREENSHOT), full_page=True)
