"""A row AMS refuses keeps the page AMS showed: result.xlsx names the screenshot and report.html
shows it beside the refusal, every input row listed (issue #19).

Sheet rows 75 to 79 of the sample export; fixtures/inputs/accounts_expected.json (written by
hand) says AMS refuses row 77 with 基本存款账户不存在.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from flows.account_filing.records import FilingRecord
from rpa.alerts.events import run_end_alerts
from rpa.alerts.kinds import AlertKind
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import ACCOUNTS, REFERENCE_DAY, SEED, filing_settings, read_result
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser
FIRST, LAST, REFUSED = 75, 79, 77
RED_PIXELS = """() => {
  const img = document.images[0], canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d"); ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let red = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] > 170 && data[i + 1] < 80 && data[i + 2] < 80) red += 1;
  }
  return red;
}"""


def _rows_75_to_79(target: Path) -> Path:
    book = load_workbook(ACCOUNTS)
    sheet = book.active
    assert sheet is not None
    sheet.delete_rows(LAST + 1, sheet.max_row - LAST)
    sheet.delete_rows(4, FIRST - 4)  # the header stays on row 3; sheet rows renumber from 4
    book.save(target)
    return target


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_refused_row_has_its_failure_screenshot_in_the_book_and_the_report(
    ams: AmsHandle, tmp_path: Path, page: Any
) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = _rows_75_to_79(tmp_path / "accounts.xlsx")
    settings = filing_settings(tmp_path, ams, 1)
    params = {"flow_params": {"input": str(source), "today": REFERENCE_DAY}}
    outcome = execute_run(settings, "account-filing", params, workers=1)

    result = read_result(outcome.folder / "result.xlsx")
    assert len(result) == LAST - FIRST + 1
    refused_row = 4 + REFUSED - FIRST
    refused = result[refused_row]
    assert refused["状态"] == "门户拒绝" and refused["门户信息"] == "基本存款账户不存在", refused
    shot = str(refused["证据文件"])
    assert shot.startswith("evidence/") and shot.endswith("-failure.png"), refused
    assert (outcome.folder / shot).is_file()
    # unattended, the refusal is told at the run's end: a retry would not change it
    told = [a.line for a in run_end_alerts(settings, outcome.run_id, outcome.folder)
            if a.kind == AlertKind.ITEMS_REFUSED]
    assert len(told) == 1 and "门户拒绝 1" in told[0], told

    page.goto((outcome.folder / "report.html").as_uri())
    rows = page.locator("tr.input-row")
    assert rows.count() == len(result)
    row = page.locator('tr.input-row[data-outcome="refused"]')
    assert row.count() == 1 and "基本存款账户不存在" in row.inner_text()
    evidence = page.locator('tr.input-row[data-outcome="refused"] + tr.input-evidence')
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    assert evidence.locator("img.evidence").evaluate("i => i.naturalWidth") > 0
    assert evidence.locator("img.evidence").evaluate("i => i.clientWidth") >= 320  # big enough to read
    assert evidence.locator("a.evidence").get_attribute("href") == shot

    # AMS writes its refusal in red: a masked message box would be all mask colour, no red left
    page.goto((outcome.folder / shot).as_uri())
    red = page.evaluate(RED_PIXELS)
    assert red > 200, red


@pytest.mark.timeout(240)
def test_a_row_an_earlier_run_filed_names_that_runs_screenshot_not_a_missing_one(
    ams: AmsHandle, tmp_path: Path
) -> None:
    """report.html links only inside its own run folder: a row an earlier run filed is shown with
    that run's name where its screenshot is, never as 截图缺失 (the file is in that run's folder)."""
    record = FilingRecord.model_validate(basic_record("510120260901", serial=90)).model_dump()
    export = write_export(tmp_path / "accounts.xlsx", [record])
    settings = filing_settings(tmp_path, ams, 1)
    params = {"flow_params": {"input": str(export), "today": REFERENCE_DAY}}
    first = execute_run(settings, "account-filing", params, workers=1)
    assert first.exit_code == 0, first
    [filed] = read_result(first.folder / "result.xlsx").values()
    shot = str(filed["证据文件"])
    assert shot.startswith("evidence/") and (first.folder / shot).is_file(), filed

    again = execute_run(settings, "account-filing", params, workers=1)
    assert again.exit_code == 0 and len(ams.submissions()) == 1, again
    [row] = read_result(again.folder / "result.xlsx").values()
    # result.xlsx names it from this run's folder, in the first's (tester Q's Q8: `evidence/…`
    # named a file this folder lacks)
    assert row["处理批次"] == first.run_id and row["证据文件"] == f"../{first.run_id}/{shot}"
    assert not (again.folder / shot).exists() and (again.folder / str(row["证据文件"])).is_file()
    page = (again.folder / "report.html").read_text(encoding="utf-8")
    assert "截图缺失" not in page
    assert f"截图见运行 {first.run_id}：{shot.removeprefix('evidence/')}" in page
    assert f'href="{shot}"' not in page and "../" not in page  # nothing linked outside the run
