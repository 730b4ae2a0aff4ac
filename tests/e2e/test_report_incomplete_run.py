"""A report-extraction run that does not get every file never publishes a partial picture as a
whole one: real Chromium against the mock report platform, one branch's file refused (a row
label missing) or the run stopped before anything was fetched. The workbook is named 不完整,
opens on a sheet saying why, its 评分 ranks nothing; 校验, run.json and report.html list the
refused file and every check."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import EXIT_ITEMS_FAILED, EXIT_STOPPED, execute_run
from rpa.run.runs import RunContext
from rpa.settings import OperatorCredential, Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DAY = date(2026, 11, 27)
PARAMS = {"flow_params": {"date": DAY.isoformat(), "branches": ["110101", "110102"], "formats": ["xlsx"]}}


@pytest.fixture
def settings(tmp_path: Path, report_portal: Any) -> Settings:
    operators = [OperatorCredential(code=op.code, password=op.password) for op in report_portal.operators]
    return Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        reports_url=report_portal.url, reports_operators=operators,
        backoff_base_seconds=0.05, backoff_max_seconds=0.2, max_attempts=2,
        lease_seconds=30, heartbeat_seconds=2,
    )


def _ranks(workbook: Any) -> list[Any]:
    return [row[0] for row in workbook["评分"].iter_rows(min_row=3, max_row=4, values_only=True)]


@pytest.mark.timeout(240)
def test_a_refused_branch_file_ends_with_exit_1_and_an_unranked_incomplete_workbook(
    settings: Settings, report_portal: Any
) -> None:
    report_portal.set_variant("branch_daily", DAY, "110102", "label_removed")  # 普惠贷款余额 row gone
    outcome = execute_run(settings, "report-extraction", PARAMS, workers=1)
    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome

    folder = outcome.folder
    assert not (folder / "consolidated.xlsx").exists()
    workbook = openpyxl.load_workbook(folder / "consolidated_不完整.xlsx")
    assert workbook.sheetnames[0] == "不完整"
    assert workbook["不完整"]["B3"].value == "1 个文件被拒收"
    scores = workbook["评分"]
    assert scores["A1"].value.startswith("不完整：1 个文件被拒收")
    assert _ranks(workbook) == ["未排名", "未排名"] and not scores._charts  # 110101 is not crowned
    rows = workbook["校验"].iter_rows(values_only=True)
    texts = [" ".join(str(c) for c in row if c is not None) for row in rows]
    refused = [t for t in texts if t.startswith("1 网点经营日报 110102 2026-11-27 xlsx ")]
    assert refused and "普惠贷款余额" in refused[0]
    assert any("通过" in t.split() for t in texts)  # the passed checks are listed too
    advice = [str(c) for row in workbook["不完整"].iter_rows(values_only=True) for c in row
              if c is not None and "明细见“校验”表" in str(c)]
    assert advice and "rpa runs retry" in advice[0]  # a resume does not fetch a refused file again
    log = (folder / "run.log").read_text(encoding="utf-8")
    assert "见 consolidated_不完整.xlsx 的校验表" in log and "见 consolidated.xlsx" not in log

    run_info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run_info["exit_code"] == EXIT_ITEMS_FAILED
    (line,) = [c for c in run_info["checks"] if c["result"] == "拒收"]
    assert "110102" in line["message"] and "普惠贷款余额" in line["message"]
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "校验与拒收文件" in report and "拒收" in report
    assert not [p.name for p in folder.iterdir() if ".tmp-" in p.name]


@pytest.mark.timeout(240)
def test_a_run_stopped_before_any_file_says_incomplete_and_ranks_nothing(
    settings: Settings, report_portal: Any
) -> None:
    stop = threading.Event()

    def stop_at_once(ctx: RunContext) -> None:
        stop.set()

    outcome = execute_run(settings, "report-extraction", PARAMS, workers=1, stop_event=stop,
                          on_started=stop_at_once)
    assert outcome.exit_code == EXIT_STOPPED, outcome
    assert not (outcome.folder / "consolidated.xlsx").exists()
    workbook = openpyxl.load_workbook(outcome.folder / "consolidated_不完整.xlsx")
    assert "文件未取得" in workbook["评分"]["A1"].value
    assert _ranks(workbook) == ["未排名", "未排名"]


@pytest.mark.timeout(240)
def test_a_pdf_beyond_the_page_limit_is_refused_once_naming_the_setting(
    settings: Settings, report_portal: Any
) -> None:
    month_end = date(2026, 11, 30)  # the monthly fee-income report comes as a PDF of 3 pages
    limited = settings.model_copy(update={"input_max_pdf_pages": 2})
    params = {"flow_params": {"date": month_end.isoformat(), "branches": ["110101"], "formats": ["xlsx"]}}
    outcome = execute_run(limited, "report-extraction", params, workers=1)
    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome

    items = WorkQueue.from_settings(limited).items(outcome.run_id)
    monthlies = [i for i in items if i.payload.get("report") == "fee_income_monthly"]
    assert sorted(i.payload["date"] for i in monthlies) == ["2026-10-31", "2026-11-30"]  # and last month's
    for monthly in monthlies:
        assert str(monthly.state) == "business_error" and monthly.attempts == 1  # refused, not retried
        assert monthly.last_error_code == "pdf_too_many_pages"
        assert "共 3 页，超过上限 2 页（RPA_INPUT_MAX_PDF_PAGES）" in (monthly.last_error_message or "")
    assert all(str(i.state) == "done" for i in items if i not in monthlies)

    workbook = openpyxl.load_workbook(outcome.folder / "consolidated_不完整.xlsx")
    assert workbook["不完整"]["B3"].value == "2 个文件被拒收"
    rows = workbook["校验"].iter_rows(values_only=True)
    texts = [" ".join(str(c) for c in row if c is not None) for row in rows]
    assert any("中间业务收入月报" in t and "RPA_INPUT_MAX_PDF_PAGES" in t for t in texts), texts
