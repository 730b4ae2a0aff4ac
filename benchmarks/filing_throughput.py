"""Account-filing throughput: accounts per minute at 100 ms portal latency, side by side.

    .venv/bin/python benchmarks/filing_throughput.py            # 200 accounts, median of 3 runs
    .venv/bin/python benchmarks/filing_throughput.py --quick    # 40 accounts, 1 run

Contenders, each on the same fresh accounts against a fresh mock AMS (every request delayed by
--latency-ms):
  bot-1w   `rpa run account-filing` (execute_run) with 1 worker
  bot-2w   the same with 2 workers (one operator each)
  naive    a plain Playwright script that launches a browser and logs in for every account, then
           fills the form and submits (no look-up: it would file twice after a lost answer)
The portal's floor is what a reference HTTP client (httpx) needs to file one account, as
/_admin/stats counts it (log in, look the account up, 信息核对, 确认提交), times the latency.
Per-worker time per account: the item phase (first claim to last item done, from the audit log)
times the workers, divided by the accounts.
CPU: the machine's busy seconds (/proc/stat, every process: Chromium, drivers, workers, the
portal) per account filed, so measure on a quiet machine. `minimal` is the least a browser
filing can cost: one Chromium page files accounts back to back with the fewest Playwright calls
(look-up, form, 信息核对, 确认提交, one masked screenshot; no latency, no checks). On C cores, W
workers cannot each take less than W x that CPU / C per account, whatever the bot does.
Not a test: it prints figures; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from benchmarks.machine_cpu import machine_busy_seconds  # noqa: E402
from fixtures.inputs._presentation import HEADERS, cells_for  # noqa: E402
from fixtures.inputs._scenario import BUSINESS_DAYS, OUR_BRANCHES, _Builder  # noqa: E402
from fixtures.portals.ams import create_app  # noqa: E402
from fixtures.portals.common import FaultConfig, RunningServer, serve_in_thread  # noqa: E402

OPERATORS = [("OP0001", "Ams0001!"), ("OP0002", "Ams0002!")]
TARGET_VS_NAIVE = 5.0
TARGET_VS_FLOOR = 1.3


def write_accounts(path: Path, count: int) -> None:
    """`count` basic-account opens of distinct enterprises, in the core-banking export's layout."""
    rng = random.Random(20261127)
    builder = _Builder(rng)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for i in range(count):
        depositor = builder.depositor("01")
        day = BUSINESS_DAYS[i % len(BUSINESS_DAYS)]
        record = builder.record("open", "basic", builder.account(), depositor, day, OUR_BRANCHES[i % 4])
        cells = cells_for(record, i, rng)
        cells[0] = i + 1
        sheet.append(cells)
    book.save(path)


def valid_records(path: Path) -> list[Any]:
    from flows.account_filing.validate import validate_file
    from rpa.settings import Settings

    settings = Settings()
    today = max(BUSINESS_DAYS)
    report = validate_file(
        path, config_dir=settings.config_dir, calendar_file=settings.calendar_file, today=today
    )
    records = report.valid_records()
    assert len(records) == len(report.outcomes), report.counts
    return records


def portal(latency_ms: float) -> RunningServer:
    return serve_in_thread(create_app(faults=FaultConfig(latency_ms=latency_ms)))


def filings_count(server: RunningServer) -> int:
    return len(httpx.get(server.url + "/_admin/filings").json())


# -- the bot ------------------------------------------------------------------------------------
def run_bot(
    server: RunningServer, source: Path, workers: int, scratch: Path
) -> tuple[float, float, float]:
    """(seconds for the whole run, a worker's seconds per account while items are handled, the
    machine's CPU seconds per account over the whole run)."""
    from rpa.run.orchestrate import execute_run
    from rpa.settings import OperatorCredential, Settings

    settings = Settings(
        runs_dir=scratch / "runs",
        audit_key_file=scratch / "audit.key",
        ams_url=server.url,
        ams_service_window="always",  # the mock AMS has no service hours
        ams_operators=[
            OperatorCredential.model_validate({"code": c, "password": p}) for c, p in OPERATORS[:workers]
        ],
    )
    busy, started = machine_busy_seconds(), time.perf_counter()
    outcome = execute_run(
        settings, "account-filing", {"flow_params": {"input": str(source)}}, workers=workers
    )
    elapsed = time.perf_counter() - started
    cpu = machine_busy_seconds() - busy
    if outcome.exit_code != 0:
        raise RuntimeError(f"the bot's run ended {outcome.exit_code}: {outcome.counts}")
    done = outcome.counts.get("done", 0) or 1
    return elapsed, _worker_seconds_per_account(outcome.folder / "audit.jsonl", workers), cpu / done


def _worker_seconds_per_account(audit: Path, workers: int) -> float:
    """The item phase (first claim to last item done) times the workers, per account: how long
    one worker takes per account while it has work. (Not claim-to-done of single items: a worker
    claims one item ahead and loads its pages while the item before is submitted.)"""
    claims: list[datetime] = []
    done: list[datetime] = []
    for line in audit.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["event"] == "item.claimed":
            claims.append(datetime.fromisoformat(event["time"]))
        elif event["event"] == "item.done":
            done.append(datetime.fromisoformat(event["time"]))
    return (max(done) - min(claims)).total_seconds() * workers / len(done)


# -- the naive script ---------------------------------------------------------------------------
def run_naive(server: RunningServer, records: list[Any]) -> float:
    """One browser launch and one login per account; fields by their names; no look-up."""
    from playwright.sync_api import sync_playwright

    from rpa.browser.session import chromium_launch_options
    from rpa.settings import Settings

    options = chromium_launch_options(Settings())
    code, password = OPERATORS[0]
    started = time.perf_counter()
    with sync_playwright() as pw:
        for record in records:
            browser = pw.chromium.launch(**options)
            page = browser.new_page()
            page.goto(server.url + "/ams/login.do")
            page.fill("input[name=operCode]", code)
            page.fill("input[name=operPwd]", password)
            page.click("input[type=submit]")
            page.wait_for_url("**/ams/main.do")
            page.click("text=开户备案")
            page.click("text=单位银行结算账户开户")
            frame = page.frame_locator("iframe[name=mainFrame]")
            _naive_fill(frame, record)
            frame.locator("input[value=下一步]").click()
            page.once("dialog", lambda dialog: dialog.accept())
            frame.locator("input[value=确认提交]").click()
            frame.locator("text=备案编号").wait_for()
            browser.close()
    return time.perf_counter() - started


# The standard mock's option codes for the labels these benchmark records hold (enterprises,
# 居民身份证): a person's baseline posts what the standard screens list.
_MOCK_CODES = {"企业法人": "01", "法定代表人": "1", "单位负责人": "2", "居民身份证": "1"}


def _naive_fill(frame: Any, record: Any) -> None:
    capital = record.registered_capital_yuan
    frame.locator("[name=acctNo]").fill(record.account_no)
    frame.locator("[name=acctType]").select_option("1")
    frame.locator("[name=openDate]").fill(record.business_date.isoformat())
    frame.locator("[name=depositorName]").fill(record.depositor_name)
    frame.locator("[name=depositorType]").select_option(_MOCK_CODES[record.depositor_category])
    frame.locator("[name=creditCode]").fill(record.uscc)
    frame.locator("[name=legalType]").select_option(_MOCK_CODES[record.legal_rep_role])
    frame.locator("[name=legalName]").fill(record.legal_rep_name)
    frame.locator("[name=idType]").select_option(_MOCK_CODES[record.id_type])
    frame.locator("[name=idNo]").fill(record.id_number)
    frame.locator("[name=regAddress]").fill(record.registered_address or "")
    if capital is None:
        frame.locator("[name=noRegCapital]").check()
    else:
        frame.locator("[name=regCapital]").fill(f"{capital:.2f}")
    frame.locator("[name=bizScope]").fill(record.business_scope or "")
    frame.locator("[name=bankCode]").fill(record.bank_code)


# -- the least CPU a browser filing needs -------------------------------------------------------
MINIMAL_FILL = """data => { const form = document.forms.acctForm;
  for (const [name, value] of Object.entries(data)) {
    const field = form.elements[name];
    if (!field) continue;
    if (field.type === 'checkbox') field.checked = true; else field.value = value; } }"""


def minimal_filing_cpu(records: list[Any]) -> tuple[float, float]:
    """(machine CPU seconds, wall seconds) per account for the fewest Playwright calls that file
    in one Chromium page (no latency: the machine, not the portal, sets the pace)."""
    from playwright.sync_api import sync_playwright

    from rpa.browser.session import chromium_launch_options
    from rpa.settings import Settings

    server = portal(0)
    code, password = OPERATORS[0]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**chromium_launch_options(Settings()))
            page = browser.new_context(locale="zh-CN").new_page()
            page.goto(server.url + "/ams/login.do")
            page.fill("input[name=operCode]", code)
            page.fill("input[name=operPwd]", password)
            page.click("input[type=submit]")
            page.wait_for_url("**/ams/main.do")
            page.on("dialog", lambda dialog: dialog.accept())
            frame = page.frame(name="mainFrame")
            assert frame is not None
            content = page.frame_locator("iframe[name=mainFrame]")

            def file_one(record: Any) -> None:
                frame.goto(f"{server.url}/ams/acctQuery.do?acctNo={record.account_no}")
                assert "该账户未备案" in frame.evaluate("document.body.innerText")
                frame.goto(server.url + "/ams/acctOpen.do")
                frame.evaluate(MINIMAL_FILL, open_form_data(record))
                with frame.expect_navigation():
                    content.locator("input[value=下一步]").click()
                with frame.expect_navigation():
                    content.locator("input[value=确认提交]").click()
                assert "成功" in frame.evaluate("document.body.innerText")
                page.screenshot(full_page=True, mask=[content.locator("input[name=idNo]")])

            file_one(records[0])  # warm: first page loads, caches
            busy, started = machine_busy_seconds(), time.perf_counter()
            for record in records[1:]:
                file_one(record)
            count = len(records) - 1
            return (machine_busy_seconds() - busy) / count, (time.perf_counter() - started) / count
    finally:
        server.stop()


# -- the floor ----------------------------------------------------------------------------------
def floor_requests(server: RunningServer, record: Any) -> tuple[int, float]:
    """Requests a reference HTTP client needs to file one account, as /_admin/stats counts them,
    and the seconds it took (the latency plus the portal's own work on each request)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post("/_admin/reset").raise_for_status()
        before = client.get("/_admin/stats").json()["requests_total"]
        started = time.perf_counter()
        gbk_post(client, "/ams/login.do", {"operCode": OPERATORS[0][0], "operPwd": OPERATORS[0][1]})
        looked_up = client.get("/ams/acctQuery.do", params={"acctNo": record.account_no})
        assert "该账户未备案" in looked_up.content.decode("gbk")
        form = open_form_data(record)
        checked = gbk_post(client, "/ams/acctOpenCheck.do", form)
        assert "信息核对" in checked.content.decode("gbk")
        answered = gbk_post(client, "/ams/acctOpenSubmit.do", form)
        assert "成功" in answered.content.decode("gbk")
        seconds = time.perf_counter() - started
        after = client.get("/_admin/stats").json()["requests_total"]
    requests: int = after - before
    return requests, seconds


def gbk_post(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    body = urlencode(data, encoding="gbk")
    return client.post(path, content=body, headers={"content-type": "application/x-www-form-urlencoded"})


def open_form_data(record: Any) -> dict[str, str]:
    data = {
        "acctNo": record.account_no,
        "acctType": "1",
        "openDate": record.business_date.isoformat(),
        "depositorName": record.depositor_name,
        "depositorType": _MOCK_CODES[record.depositor_category],
        "creditCode": record.uscc,
        "legalType": _MOCK_CODES[record.legal_rep_role],
        "legalName": record.legal_rep_name,
        "idType": _MOCK_CODES[record.id_type],
        "idNo": record.id_number,
        "regAddress": record.registered_address or "",
        "bizScope": record.business_scope or "",
        "bankCode": record.bank_code,
    }
    if record.registered_capital_yuan is None:
        data["noRegCapital"] = "1"
    else:
        data["regCapital"] = f"{record.registered_capital_yuan:.2f}"
    return data


# -- the run ------------------------------------------------------------------------------------
def measure(label: str, runs: int, once: Callable[[], float]) -> float:
    times = []
    for n in range(runs):
        seconds = once()
        times.append(seconds)
        print(f"  {label} run {n + 1}: {seconds:.1f} s", flush=True)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--quick", action="store_true", help="40 accounts, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.accounts, args.runs = 40, 1
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    with tempfile.TemporaryDirectory(prefix="rpa-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        source = scratch / "accounts.xlsx"
        write_accounts(source, args.accounts)
        records = valid_records(source)
        print(f"{args.accounts} accounts, {args.runs} run(s), {args.latency_ms:.0f} ms latency", flush=True)

        def fresh(contender: Callable[[RunningServer], float]) -> Callable[[], float]:
            def once() -> float:
                server = portal(args.latency_ms)
                try:
                    seconds = contender(server)
                    filed = filings_count(server)
                    if filed != args.accounts:
                        raise RuntimeError(f"{filed} of {args.accounts} accounts filed")
                    return seconds
                finally:
                    server.stop()

            return once

        per_item: dict[int, list[float]] = {1: [], 2: []}
        cpu_per_account: dict[int, list[float]] = {1: [], 2: []}

        def bot(workers: int) -> Callable[[RunningServer], float]:
            def contender(server: RunningServer) -> float:
                with tempfile.TemporaryDirectory(dir=scratch) as run_dir:
                    elapsed, item, cpu = run_bot(server, source, workers, Path(run_dir))
                per_item[workers].append(item)
                cpu_per_account[workers].append(cpu)
                return elapsed

            return contender

        results = {
            "bot-1w": measure("bot-1w", args.runs, fresh(bot(1))),
            "bot-2w": measure("bot-2w", args.runs, fresh(bot(2))),
            "naive": measure("naive", args.runs, fresh(lambda s: run_naive(s, records))),
        }
        server = portal(args.latency_ms)
        try:
            requests, reference_seconds = floor_requests(server, records[0])
        finally:
            server.stop()
        minimal_cpu, minimal_wall = minimal_filing_cpu(records[: min(len(records), 41)])
    floor = requests * args.latency_ms / 1000
    rate = {name: args.accounts / seconds * 60 for name, seconds in results.items()}
    print()
    print(f"machine: {platform.node()}, nproc {os.cpu_count()}, {cpu_model()}, load {os.getloadavg()[0]:.1f}")
    for name, seconds in results.items():
        print(f"{name:7} {seconds:7.1f} s  {rate[name]:7.1f} accounts/min")
    print(f"floor   {requests} requests x {args.latency_ms:.0f} ms = {floor:.2f} s per account")
    print(f"        (the reference client itself took {reference_seconds:.2f} s for them)")
    versus_naive = rate["bot-2w"] / rate["naive"]
    print(f"bot-2w / naive: {versus_naive:.1f}x (target >= {TARGET_VS_NAIVE:.0f}x)")
    cores = os.cpu_count() or 1
    for workers in (1, 2):
        item = statistics.median(per_item[workers])
        cpu = statistics.median(cpu_per_account[workers])
        print(
            f"bot-{workers}w per worker: {item:.2f} s per account = {item / floor:.2f}x the floor "
            f"(target <= {TARGET_VS_FLOOR}x); machine CPU {cpu:.2f} s per account"
        )
    print(
        f"minimal browser filing: {minimal_cpu:.2f} s CPU per account "
        f"({minimal_wall:.2f} s each, back to back)"
    )
    for workers in (1, 2):
        bound = max(floor, workers * minimal_cpu / cores)
        print(
            f"  so with {workers} worker(s) on {cores} cores no worker can take less than {bound:.2f} s "
            f"per account = {bound / floor:.2f}x the floor"
        )
    return 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
