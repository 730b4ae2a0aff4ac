"""The bare batch: the same report files with nothing but Playwright, pdfplumber and openpyxl.

What any browser bot has to do for the batch, and no more: each worker process launches the
headless shell, logs in, opens the query page, queries each list it is given once, starts each
file's download by calling the page's own `downloadRpt(id, format)` (cheaper than a click: no
locating, no actionability checks), waits for it through Playwright's download API and reads it
raw (pdfplumber `find_tables()` + `extract()` on every page; openpyxl's cell values). No queue,
no audit log, no checks, no workbook, no retries. The files are dealt to the workers up front,
in halves of the bot's order, so each worker queries only the lists its files are on.

It is timed as favourably as it can be: the worker processes start and import everything before
the clock starts, so the figures are the browser work alone. `extraction_batch.py` measures it
beside the bot; its speed-up with 2 workers is what this machine allows any bot that downloads
through a browser.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DOWNLOAD_BY_SCRIPT = "([id, format]) => downloadRpt(id, format)"


@dataclass
class BareList:
    """One query of the platform's list (a report type on a date) and the files taken from it."""

    report_code: str
    report_date: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (report id, format)


@dataclass
class BareMeasurement:
    workers: int
    files: int
    seconds: float  # from the go to the last worker's end
    startup: float  # from the go to the first worker's query page
    items: float  # from there to the last file read

    def line(self) -> str:
        return (f"{self.seconds:6.1f} s, {self.files / self.seconds * 60:5.1f} files/min (start-up "
                f"{self.startup:.1f} s, items {self.items:.1f} s)")


def bare_lists(days: list[date], branches: list[str], formats: list[str]) -> list[BareList]:
    """The bot's files for one run (`plan_days`), grouped by the list that shows them."""
    from fixtures.portals.reports import ReportKey
    from flows.report_extraction.work_items import plan_days

    lists: dict[tuple[str, str], BareList] = {}
    for item in plan_days(days, branches, formats=formats, monthly_formats=["pdf"]):
        key = ReportKey(item.report, item.report_date, item.branch)
        listed = lists.setdefault((key.code, item.date), BareList(key.code, item.date))
        listed.files.append((key.report_id, item.fmt))
    return list(lists.values())


def deal(lists: list[BareList], workers: int) -> list[list[BareList]]:
    """The files in list order, cut into `workers` runs of (nearly) equal length; a list cut in
    two is queried by both workers, as the bot's workers share a list when one runs out."""
    files = [(listed, each) for listed in lists for each in listed.files]
    shares: list[list[BareList]] = []
    for n in range(workers):
        share: list[BareList] = []
        for listed, each in files[n * len(files) // workers:(n + 1) * len(files) // workers]:
            if not share or share[-1].report_code != listed.report_code \
                    or share[-1].report_date != listed.report_date:
                share.append(BareList(listed.report_code, listed.report_date))
            share[-1].files.append(each)
        shares.append(share)
    return shares


def run_bare(url: str, operators: list[tuple[str, str]], lists: list[BareList]) -> BareMeasurement:
    """One measurement with a worker process per operator (code, password)."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Barrier(len(operators) + 1), context.Event()
    marks: multiprocessing.Queue[tuple[str, float]] = context.Queue()
    shares = deal(lists, len(operators))
    processes = [context.Process(target=_bare_worker, args=(url, code, password, share, ready, go, marks))
                 for (code, password), share in zip(operators, shares, strict=True)]
    for process in processes:
        process.start()
    ready.wait()  # every worker has imported what it needs
    started = time.time()
    go.set()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a bare worker ended with exit code {process.exitcode}")
    seconds = time.time() - started
    times: dict[str, list[float]] = {"query page": [], "last file": []}
    for _ in range(2 * len(processes)):
        name, at = marks.get(timeout=5)
        times[name].append(at)
    first = min(times["query page"])
    return BareMeasurement(len(operators), sum(len(each.files) for each in lists), seconds,
                           first - started, max(times["last file"]) - first)


def _bare_worker(
    url: str, code: str, password: str, lists: list[BareList],
    ready: multiprocessing.synchronize.Barrier, go: multiprocessing.synchronize.Event,
    marks: multiprocessing.Queue[tuple[str, float]],
) -> None:
    from playwright.sync_api import sync_playwright

    from rpa.browser.session import chromium_launch_options
    from rpa.settings import Settings

    launch = chromium_launch_options(Settings())
    ready.wait()
    go.wait()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch)
        page = browser.new_page(accept_downloads=True)
        page.goto(f"{url}/rpt/login.do")
        page.fill("input[name=userCode]", code)
        page.fill("input[name=userPassword]", password)
        with page.expect_navigation():
            page.click("input[type=submit]")
        page.goto(f"{url}/rpt/reportQuery.do")
        marks.put(("query page", time.time()))
        for listed in lists:
            page.select_option("select[name='queryVO.reportCode']", listed.report_code)
            page.fill("input[name='queryVO.reportDate']", listed.report_date)
            with page.expect_navigation():
                page.evaluate("document.queryForm.submit()")
            for report_id, file_format in listed.files:
                with page.expect_download() as download:
                    page.evaluate(DOWNLOAD_BY_SCRIPT, [report_id, file_format])
                _read_raw(download.value.path(), file_format)
        marks.put(("last file", time.time()))
        browser.close()


def _read_raw(path: Any, file_format: str) -> None:
    """What reading a file costs at least: every table of a PDF, every cell of a workbook."""
    if file_format == "pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                for table in page.find_tables():
                    table.extract()
        return
    import openpyxl

    with open(path, "rb") as handle:  # the driver's download file has no .xlsx suffix
        workbook = openpyxl.load_workbook(handle, data_only=True)
        for sheet in workbook.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
