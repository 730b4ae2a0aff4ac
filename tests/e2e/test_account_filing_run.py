"""Account filing end to end: the flow's workers (real Chromium) against the mock AMS.

The portal's own record (/_admin/filings, /_admin/submissions) is the judge: every valid row is
submitted at most once and ends filed or refused as the scenario says, no invalid row is ever
submitted, and result.xlsx tells each row's story.
"""

from __future__ import annotations

import json
import stat
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from rpa.run.orchestrate import execute_run
from rpa.run.runs import RunOutcome
from rpa.settings import OperatorCredential, Settings
from tests.e2e.cli_helpers import make_cli_env, run_id_from
from tests.plugins.portals import AmsHandle

INPUTS = Path(__file__).resolve().parents[2] / "fixtures" / "inputs"
ACCOUNTS = INPUTS / "accounts.xlsx"
SEED = INPUTS / "ams_seed.json"
REFERENCE_DAY = "2026-11-27"
SUBMITS = ["/ams/acctOpenSubmit.do", "/ams/acctChangeSubmit.do", "/ams/acctCloseSubmit.do"]
ACTIONS = {"开户": "open", "变更": "change", "撤销": "close"}

pytestmark = pytest.mark.browser


def filing_settings(tmp_path: Path, ams: AmsHandle, workers: int, **overrides: Any) -> Settings:
    """Settings for a run in `tmp_path` against `ams`, one operator per worker."""
    operators = [OperatorCredential(code=code, password=pw) for code, pw in ams.operators[:workers]]
    values: dict[str, Any] = {
        "runs_dir": tmp_path / "runs",
        "audit_key_file": tmp_path / "keys" / "audit.key",
        "ams_url": ams.url,
        "ams_operators": operators,
        "lease_seconds": 15.0,
        "heartbeat_seconds": 3.0,
        "backoff_base_seconds": 0.1,
        "backoff_max_seconds": 1.0,
        **overrides,
    }
    return Settings(**values)


def subset_workbook(target: Path, data_rows: int, *, rename: dict[int, str] | None = None) -> Path:
    """The first `data_rows` rows of accounts.xlsx (sheet row numbers unchanged); `rename` sets
    the depositor name of some sheet rows."""
    book = load_workbook(ACCOUNTS)
    sheet = book.active
    assert sheet is not None
    header = 3
    name_col = next(c.column for c in sheet[header] if c.value in ("存款人名称", "单位名称"))
    if sheet.max_row > header + data_rows:
        sheet.delete_rows(header + data_rows + 1, sheet.max_row - header - data_rows)
    for row, name in (rename or {}).items():
        cell = sheet.cell(row=row, column=name_col, value=name)
        cell.data_type = "s"  # text, even when it starts like a formula
    book.save(target)
    return target


def expected_rows(limit_row: int | None = None) -> dict[int, dict[str, Any]]:
    rows = json.loads((INPUTS / "accounts_expected.json").read_text(encoding="utf-8"))["rows"]
    return {r["row"]: r for r in rows if limit_row is None or r["row"] <= limit_row}


def read_result(path: Path) -> dict[int, dict[str, Any]]:
    """result.xlsx by sheet row: header -> value."""
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return {int(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}  # type: ignore[arg-type]


class FaultTimeline(threading.Thread):
    """Once filing has started: one batch window, then a session expiry every `every` seconds."""

    def __init__(self, ams: AmsHandle, *, every: float, batch_seconds: float, seed: int) -> None:
        super().__init__(name="fault-timeline", daemon=True)
        self.ams, self.every, self.batch_seconds = ams, every, batch_seconds
        self.seed = seed
        self.done = threading.Event()

    def merge(self, **knobs: Any) -> None:
        # every change re-seeds the portal's dice: a new seed each time, or each window would
        # roll the same faults again (a lost answer would always be a 502, or always a hang)
        self.seed += 1
        body = {**knobs, "seed": self.seed}
        self.ams.admin.post("/_admin/faults", params={"merge": "true"}, json=body).raise_for_status()

    def run(self) -> None:
        while not self.ams.submissions() and not self.done.wait(0.2):
            pass
        if self.done.wait(2.0):
            return
        self.merge(batch_now=True, batch_paths=["/ams/*"])
        self.done.wait(self.batch_seconds)
        self.merge(batch_now=False)
        while not self.done.wait(self.every):
            self.merge(session_idle_seconds=0.05)  # every live session is older than that
            self.done.wait(0.3)
            self.merge(session_idle_seconds=None)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_row_filed_at_most_once_under_faults(ams: AmsHandle, tmp_path: Path, test_config: Any) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    rows = test_config.filing_rows
    source = ACCOUNTS if rows >= 200 else subset_workbook(tmp_path / "accounts.xlsx", rows)
    expected = expected_rows(None if rows >= 200 else 3 + rows)
    settings = filing_settings(
        tmp_path,
        ams,
        test_config.filing_workers,
        # a 500 on one request in ten fails about 37 % of a row's attempts (105 of 284 in one run
        # of 2026-12-04): with 8 attempts one row in ~2,800 was given up, about one run in 16;
        # with 12, about one run in 800
        max_attempts=12,
        circuit_breaker_threshold=30,
        answer_timeout_ms=4_000,
    )
    _identity_known(settings)  # the run's own read of it is not what is tried under faults here
    ams.set_faults(
        seed=7,
        error_rate=0.10,
        error_paths=["/ams/*"],
        commit_fail_rate=0.05,
        commit_fail_paths=SUBMITS,
        commit_fail_mode="mixed",
        commit_fail_hang_seconds=8,
    )
    timeline = FaultTimeline(ams, every=test_config.portal_session_seconds, batch_seconds=4.0, seed=7)
    timeline.start()
    started = time.monotonic()
    try:
        outcome = execute_run(
            settings,
            "account-filing",
            {"flow_params": {"input": str(source), "today": REFERENCE_DAY}},
            workers=test_config.filing_workers,
        )
    finally:
        timeline.done.set()
        timeline.join()
    elapsed = time.monotonic() - started

    assert outcome.exit_code == 1, outcome  # refusals and held rows, nothing left open
    assert outcome.counts.get("pending", 0) == 0 and outcome.counts.get("failed", 0) == 0, outcome.counts
    result = read_result(outcome.folder / "result.xlsx")
    assert sorted(result) == sorted(expected)
    _judge_by_the_portal(ams, expected, result)
    faults = ams.stats()["faults"]
    for fault in ("error_500", "commit_fail_502", "commit_fail_hang", "batch_window", "session_expired"):
        assert faults.get(fault, 0) > 0, (fault, faults)
    print(f"{len(expected)} rows, {test_config.filing_workers} workers: {elapsed:.0f} s; faults {faults}")


def _identity_known(settings: Settings) -> None:
    """Which AMS the URL reaches, read once before the test's faults (as an earlier run would
    have): a run reads it at its start, outside any item, where a fault stops the run."""
    from flows.account_filing.portal_identity import PortalCodes
    from flows.account_filing.probe import read_system_code

    code = read_system_code(settings, run_id=None)
    PortalCodes.from_settings(settings).learn(settings.ams_url_identity(), code)


@pytest.mark.timeout(300)
def test_a_batch_window_at_the_workers_login_is_retried_by_the_queue(ams: AmsHandle, tmp_path: Path) -> None:
    """Workers that start inside the batch window log in at their first item, under the queue's
    backoff (the longest at once): the rows are filed once the window ends, each once, and
    the window opened no circuit."""
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 6)
    settings = filing_settings(tmp_path, ams, 1, max_attempts=12, circuit_breaker_threshold=2)
    _identity_known(settings)
    ams.set_faults(batch_now=True, batch_paths=["/ams/*"])
    ended = threading.Event()

    def end_the_window_after_three_pages() -> None:  # the worker's login, then two attempts
        while not ended.wait(0.2):
            if ams.stats()["faults"].get("batch_window", 0) >= 3:
                ams.set_faults(batch_now=False)
                return

    window = threading.Thread(target=end_the_window_after_three_pages, daemon=True)
    window.start()
    try:
        outcome = _run(settings, source, workers=1)
    finally:
        ended.set()
        window.join()

    assert outcome.counts.get("pending", 0) == 0 and outcome.counts.get("failed", 0) == 0, outcome.counts
    assert outcome.exit_code in (0, 1) and not outcome.stop_reason  # no circuit, no stop
    assert ams.stats()["faults"]["batch_window"] >= 3
    events = _audit(outcome)
    busy = [e for e in events if e["event"] == "item.system_error" and e["details"]["code"] == "batch_window"]
    assert len(busy) >= 2  # the first item logged in under the queue's backoff, attempt after attempt
    assert any(e["event"] == "ams.login" for e in events)
    log = (outcome.folder / "run.log").read_text(encoding="utf-8")
    assert "AMS 暂时无法登录（batch_window）" in log
    assert max(f["submitted"] for f in ams.filings()) <= 1


def _judge_by_the_portal(
    ams: AmsHandle, expected: dict[int, dict[str, Any]], result: dict[int, dict[str, Any]]
) -> None:
    filings = {(f["account_no"], f["action"], f["business_date"]): f for f in ams.filings()}
    submitted = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert max(f["submitted"] for f in filings.values()) <= 1  # never the same content twice
    wanted = {"file": 0, "refuse": 0}
    for row, exp in expected.items():
        got = result[row]
        filing = (str(got["账号"]), ACTIONS.get(str(got["业务类型"]), ""), str(got["业务日期"]))
        status = got["状态"]
        if exp["portal"] == "file":
            wanted["file"] += 1
            assert status in ("已报备", "此前已报备"), (row, got)
            assert submitted[filing] == 1 and filings[filing]["submitted"] == 1, (row, got)
            assert got["备案编号"] == filings[filing]["filing_no"], (row, got)
        elif exp["portal"] == "already_filed":
            assert status == "此前已报备" and got["备案编号"] == filings[filing]["filing_no"], (row, got)
            assert submitted[filing] == 0, (row, got)
        elif exp["portal"] == "refuse":
            wanted["refuse"] += 1
            assert status == "门户拒绝" and got["门户信息"] == exp["portal_message"], (row, got)
            assert submitted[filing] == 1, (row, got)
        elif exp["portal"] == "hold_conflict":
            assert status == "需人工处理" and submitted[filing] == 0, (row, got)
        else:
            assert status in ("无效，未报备", "需人工处理"), (row, got)
            assert exp["status"] in ("invalid", "needs_person")
        if exp["portal"] in ("file", "already_filed"):  # AMS's, a basic account's own once it is open
            permit = filings[filing]["record"]["basic_account_permit"]
            assert (got["基本存款账户编号"] or None) == permit, (row, got)
    # every submission belongs to a row that was to be filed or refused, and came once
    assert sum(submitted.values()) == wanted["file"] + wanted["refuse"]


def test_a_wrong_password_is_tried_once_and_stops_the_run(ams: AmsHandle, tmp_path: Path) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 12)
    code, _ = ams.operators[0]
    settings = filing_settings(tmp_path, ams, 1)
    settings = settings.model_copy(
        update={"ams_operators": [OperatorCredential(code=code, password="wrong123")]}
    )
    outcome = execute_run(settings, "account-filing", {"flow_params": {"input": str(source)}}, workers=1)
    assert outcome.exit_code == 3
    assert outcome.stop_reason and "密码错误" in outcome.stop_reason
    valid = sum(1 for r in expected_rows(15).values() if r["status"] == "valid")
    # refused at the run's first login, the read of AMS's system code (which AMS the rows are
    # for): nothing was enqueued, a resume enqueues them
    assert not any(outcome.counts.values()), outcome.counts
    stats = ams.stats()
    assert stats["login_failures"] == {"密码错误": 1} and stats["logins"] == 0
    assert ams.submissions() == []
    result = read_result(outcome.folder / "result.xlsx")
    assert Counter(r["状态"] for r in result.values())["未完成"] == valid


@pytest.mark.parametrize("strategy", ["pipelined", "plain"])
def test_a_dry_run_looks_up_but_never_submits(ams: AmsHandle, tmp_path: Path, strategy: str) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 16)
    settings = filing_settings(tmp_path, ams, 2, ams_strategy=strategy)
    seeded = {f["filing_no"] for f in ams.filings()}
    outcome = _run(settings, source, dry_run=True)
    assert ams.submissions() == []
    assert ams.stats()["requests"].get("/ams/acctQuery.do", 0) > 0
    result = read_result(outcome.folder / "result.xlsx")
    statuses = Counter(r["状态"] for r in result.values())
    assert statuses["演练：待报备"] > 0 and statuses["此前已报备"] >= 1
    # report.html lists every input row, those refused before filing too, as result.xlsx does
    html = (outcome.folder / "report.html").read_text(encoding="utf-8")
    assert html.count('<tr class="input-row"') == len(result) == 16
    assert html.count('data-outcome="invalid"') == statuses["无效，未报备"] > 0
    due = {str(r["报备期限"]) for r in result.values() if r["报备期限"]}  # tester T's U2: and on the page
    assert due and all(f'<div class="due">报备期限 {day}' in html for day in due), due
    # said where an auditor looks first (tester BJ F13, 2026-12-07: its tiles read 已完成 alone)
    assert "<strong>演练：</strong>本次运行只校验和查询，未向门户提交任何报备" in html
    # a dry run's items never stand in for the real run's: the same file files afterwards
    real = _run(settings, source)
    assert "<strong>演练：</strong>" not in (real.folder / "report.html").read_text(encoding="utf-8")
    real_statuses = Counter(r["状态"] for r in read_result(real.folder / "result.xlsx").values())
    assert real_statuses["已报备"] == statuses["演练：待报备"]
    assert all(f["submitted"] == 1 for f in ams.filings() if f["filing_no"] not in seeded)
    logins = [e for e in _audit(real) if e["event"] == "ams.login"]
    assert logins and {e["details"]["strategy"] for e in logins} == {strategy}  # the setting's


def _audit(outcome: RunOutcome) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (outcome.folder / "audit.jsonl").read_text().splitlines()]


def _run(settings: Settings, source: Path, *, dry_run: bool = False, workers: int = 2) -> RunOutcome:
    params: dict[str, Any] = {"input": str(source), "today": REFERENCE_DAY}
    if dry_run:
        params["dry_run"] = True
    return execute_run(settings, "account-filing", {"flow_params": params}, workers=workers)


def test_cli_run_writes_a_safe_result_book_and_a_second_run_files_nothing(
    ams: AmsHandle, tmp_path: Path
) -> None:
    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    # rows 4 and 5 are valid opens: their names start like formulas
    source = subset_workbook(
        tmp_path / "accounts.xlsx", 14, rename={4: '=HYPERLINK("http://x")有限公司', 5: "@SUM(1)商贸有限公司"}
    )
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:2]])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)
    done = cli.run("run", "account-filing", "--input", str(source), "--workers", "2", timeout=240)
    assert done.returncode in (0, 1), done.stderr
    run_id = run_id_from(done.stdout)
    folder = cli.runs / run_id
    book_path = folder / "result.xlsx"
    assert stat.S_IMODE(book_path.stat().st_mode) == 0o600
    sheet = load_workbook(book_path).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("1F4E78")
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)  # no cell may be a formula
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert len(risky) >= 2 and all(c.data_type == "s" and c.quotePrefix for c in risky)
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert str(source) in info["inputs_sha256"]
    assert any(k.endswith("ams_messages.yaml") for k in info["shaping_files_sha256"])
    events = [json.loads(line)["event"] for line in (folder / "audit.jsonl").read_text().splitlines()]
    for event in (
        "row.validated",
        "item.claimed",
        "filing.looked_up",
        "filing.submitting",
        "filing.answered",
    ):
        assert event in events, event
    audit_text = (folder / "audit.jsonl").read_text(encoding="utf-8")
    assert "HYPERLINK" not in audit_text  # names never reach the audit log
    submitted_once = len(ams.submissions())

    again = cli.run("run", "account-filing", "--input", str(source), "--workers", "2", timeout=240)
    second = load_workbook(cli.runs / run_id_from(again.stdout) / "result.xlsx").active
    assert second is not None
    notes = [str(row[12].value or "") for row in second.iter_rows(min_row=2)]
    assert any(run_id in note for note in notes)  # rows taken by the first run say so
    assert len(ams.submissions()) == submitted_once  # and nothing was submitted again
    # both runs, their receipts (digit-rich names included) and the ledger verify as written
    verified = cli.run("audit", "verify", "--all", check_exit=0)
    assert "核对通过：2 次运行" in verified.stdout, verified.stdout
    assert verified.stdout.count("审计链记录的 14 个输入行都在 result.xlsx 中") == 2, verified.stdout
    exported = [json.loads(line) for line in (folder / "audit.jsonl").read_text().splitlines()]
    receipts = [e["details"]["evidence"] for e in exported if e["details"].get("evidence")]
    assert receipts and all((folder / name).is_file() for name in receipts), receipts
