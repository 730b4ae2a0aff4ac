"""`report-extraction` end to end: execute_run with two worker processes, real Chromium and the
in-process mock report platform, for three dates and every branch, from xlsx and from PDF; and a
run of two dates at once through the real `rpa` command, one workbook per date.

Every figure extracted equals the platform's truth (GET /_admin/expected); the branch files
reconcile with the summary; consolidated.xlsx opens, has its chart, and ranks the branches as a
ranking recomputed here from the true figures and config/scorecard.yaml says. On the month end,
downloads are cut short at first and the first operator's session is taken over mid-run: the
items are retried, the worker logs in again, and everything still ends right.
"""

from __future__ import annotations

import json
import stat
import threading
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from rpa.audit.log import AuditLog
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import EXIT_OK, execute_run
from rpa.run.runs import RunContext
from rpa.settings import PROJECT_ROOT, OperatorCredential, Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAULTED_DAY = date(2026, 11, 30)  # a month end: the monthly fee-income report comes too


@pytest.fixture
def settings(tmp_path: Path, report_portal: Any) -> Settings:
    operators = [OperatorCredential(code=op.code, password=op.password) for op in report_portal.operators]
    return Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        reports_url=report_portal.url, reports_operators=operators,
        backoff_base_seconds=0.05, backoff_max_seconds=0.2, max_attempts=6,
        lease_seconds=30, heartbeat_seconds=2,
    )


def flatten_expected(portal: Any, report: str, day: str, branch: str | None) -> dict[tuple, Decimal]:
    """{(branch, metric, column): value} from /_admin/expected, keyed as the extraction keys figures."""
    truth = portal.expected(report, date.fromisoformat(day), branch)
    if report == "branch_daily":
        truth = {branch: truth}
    return {(who, metric, column): Decimal(value)
            for who, metrics in truth.items() for metric, columns in metrics.items()
            for column, value in columns.items()}


def recompute_ranking(portal: Any, day: date) -> list[tuple[str, Decimal]]:
    """(branch, total) best first, straight from the true figures and the configured weights."""
    config = yaml.safe_load((PROJECT_ROOT / "config" / "scorecard.yaml").read_text(encoding="utf-8"))
    branches = [b["code"] for b in yaml.safe_load(
        (PROJECT_ROOT / "config" / "branches.yaml").read_text(encoding="utf-8"))["branches"]]
    truth = {b: portal.expected("branch_daily", day, b) for b in branches}
    value = {(b, i["name"]): sum(Decimal(truth[b][m][config["column"]]) for m in i["metrics"])
             for b in branches for i in config["indicators"]}
    total: dict[str, Decimal] = {}
    for b in branches:
        score = Decimal(0)
        for i in config["indicators"]:
            column = [value[(other, i["name"])] for other in branches]
            low, high = min(column), max(column)
            scaled = Decimal(100) if high == low else (value[(b, i["name"])] - low) / (high - low) * 100
            score += Decimal(str(i["weight"])) * scaled
        total[b] = score.quantize(Decimal("0.01"), ROUND_HALF_UP)
    order = sorted(branches, key=lambda b: (-total[b], -value[(b, config["tie_breaker"])], b))
    return [(b, total[b]) for b in order]


class FaultDirector:
    """Keeps downloads truncated until the first item has failed on one, then lets them through
    and takes over the first operator's session (a second login ends the worker's)."""

    def __init__(self, portal: Any, settings: Settings) -> None:
        self.portal, self.settings = portal, settings
        self.run_id: str | None = None
        self.stop = threading.Event()
        self.took_over = False
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def started(self, ctx: RunContext) -> None:
        self.run_id = ctx.run_id
        self.thread.start()

    def _watch(self) -> None:
        queue = WorkQueue.from_settings(self.settings)
        while not self.stop.wait(0.05):
            assert self.run_id is not None
            if any(item.last_error_code == "download_failed" for item in queue.items(self.run_id)):
                self.portal.set_faults()
                with self.portal.logged_in_client():
                    self.took_over = True
                return


@pytest.mark.parametrize("day", [date(2026, 3, 5), date(2026, 11, 27), FAULTED_DAY], ids=str)
def test_every_figure_of_every_branch_from_xlsx_and_pdf(
    settings: Settings, report_portal: Any, day: date
) -> None:
    director = FaultDirector(report_portal, settings)
    if day == FAULTED_DAY:
        report_portal.set_faults(download_truncate_rate=1.0, download_truncate_fraction=0.5)
    params = {"flow_params": {"date": day.isoformat(), "formats": ["xlsx", "pdf"]}}
    try:
        outcome = execute_run(settings, "report-extraction", params, workers=2,
                              on_started=director.started if day == FAULTED_DAY else None)
    finally:
        director.stop.set()
    assert outcome.exit_code == EXIT_OK, outcome

    queue = WorkQueue.from_settings(settings)
    items = queue.items(outcome.run_id)
    fetched = sorted((i.payload["report"], i.payload["date"], i.payload["fmt"]) for i in items
                     if i.payload["report"] != "branch_daily")
    today, before = day.isoformat(), (day - timedelta(days=1)).isoformat()
    monthly = ([("fee_income_monthly", today, "pdf"), ("fee_income_monthly", "2026-10-31", "pdf")]
               if day == FAULTED_DAY else [])  # last month's: for the 较上月 check
    assert fetched == sorted([("summary_daily", today, "pdf"), ("summary_daily", today, "xlsx"),
                              ("summary_daily", before, "xlsx"), *monthly])  # before: for day over day
    assert len([i for i in items if i.payload["report"] == "branch_daily"]) == 2 * 8
    compared = 0
    for item in items:
        payload = item.payload
        figures = {(f["branch"], f["metric"], f["column"]): Decimal(f["value_yuan"])
                   for f in item.result["extraction"]["figures"]}
        truth = flatten_expected(report_portal, payload["report"], payload["date"], payload["branch"])
        assert figures == truth, f"{payload}: extracted figures differ from /_admin/expected"
        compared += len(figures)
    assert compared > 16 * 27

    workbook = openpyxl.load_workbook(outcome.folder / "consolidated.xlsx")
    assert stat.S_IMODE((outcome.folder / "consolidated.xlsx").stat().st_mode) == 0o600
    checks = workbook["校验"]
    assert "未通过 0 项" in checks["A1"].value and checks["B3"].value == "全部通过"
    data = {row[0]: row for row in workbook["数据"].iter_rows(min_row=3, values_only=True)}
    savings = report_portal.expected("branch_daily", day, "110101")["储蓄存款余额"]["本日"]
    assert Decimal(str(data["110101"][2])) == Decimal(savings)
    scorecard = workbook["评分"]
    assert len(scorecard._charts) == 1
    rows = list(scorecard.iter_rows(min_row=3, max_row=10, values_only=True))
    assert [(row[1], Decimal(str(row[3])).quantize(Decimal("0.01"))) for row in rows] == recompute_ranking(
        report_portal, day
    )
    assert [row[0] for row in rows] == list(range(1, 9))

    if day == FAULTED_DAY:
        retried = [i for i in items if any(a.error_code == "download_failed" for a in queue.history(i.id))]
        assert retried and all(i.state == "done" for i in retried)
        assert director.took_over
        events = [e.event for e in AuditLog.from_settings(settings).events(outcome.run_id)]
        assert "relogin" in events
        said = (outcome.folder / "run.log").read_text(encoding="utf-8")  # the monthly's format is said
        assert "格式 xlsx、pdf（月末的中间业务收入月报取 pdf，含上月的一份（较上月核对））" in said
        assert report_portal.stats()["faults"]["download_truncated"] >= 1


def test_several_dates_in_one_cli_run_write_each_dates_workbook(report_portal: Any, tmp_path: Path) -> None:
    from flows.report_extraction.collect import collect
    from flows.report_extraction.flow import ReportExtractionFlow
    from flows.report_extraction.work_items import for_day
    from tests.e2e.cli_helpers import make_cli_env, run_id_from

    operator = report_portal.operators[0]
    cli = make_cli_env(tmp_path, RPA_REPORTS_URL=report_portal.url, RPA_REPORTS_OPERATORS=json.dumps(
        [{"code": operator.code, "password": operator.password}]))
    days = [date(2026, 11, 26), date(2026, 11, 27)]
    done = cli.run("run", "report-extraction", "--date", "2026-11-27", "--date", "2026-11-26",
                   "--branches", "110101,110102", "--workers", "1", check_exit=0)
    folder = cli.runs / run_id_from(done.stdout)

    settings = Settings(runs_dir=cli.runs, audit_key_file=tmp_path / "keys" / "audit.key")
    items = WorkQueue.from_settings(settings).items(folder.name)
    fetched = sorted((i.payload["report"], i.payload["branch"] or "-", i.payload["date"]) for i in items)
    assert fetched == sorted([  # the 26th's summary serves the 27th's day-over-day check: fetched once
        *(("branch_daily", b, d.isoformat()) for b in ("110101", "110102") for d in days),
        ("summary_daily", "-", "2026-11-25"), ("summary_daily", "-", "2026-11-26"),
        ("summary_daily", "-", "2026-11-27"),
    ])
    assert not (folder / "consolidated.xlsx").exists()
    assert all(f"consolidated_{day.isoformat()}.xlsx：" in done.stdout for day in days)  # told where
    specs = ReportExtractionFlow(date="2026-11-27").load_specs(settings)
    for day in days:
        workbook = openpyxl.load_workbook(folder / f"consolidated_{day.isoformat()}.xlsx")
        title = workbook["校验"]["A1"].value
        assert day.isoformat() in title and "未通过 0 项" in title
        data = {row[0]: row for row in workbook["数据"].iter_rows(min_row=3, values_only=True)}
        truth = report_portal.expected("branch_daily", day, "110102")["储蓄存款余额"]["本日"]
        assert Decimal(str(data["110102"][2])) == Decimal(truth)
        collected = collect(for_day(items, day, ["xlsx"], ["pdf"]), report_date=day.isoformat(),
                            formats=["xlsx"], specs=specs)
        (day_over_day,) = [c for c in collected.checks if c.name == "day_over_day"]
        assert day_over_day.ok and "变动均在 20% 以内" in day_over_day.message  # compared with the day before

    # the portal's files the figures were read from are sealed: one changed afterwards is named
    kept = sorted(p for p in (folder / "downloads").iterdir() if p.is_file())
    intact = cli.run("audit", "verify", folder.name)
    assert len(kept) >= 7 and intact.returncode == 0, intact.stdout
    with kept[0].open("ab") as changed:
        changed.write(b"\0")
    (folder / "downloads" / "extra.xlsx").write_bytes(kept[1].read_bytes())
    tampered = cli.run("audit", "verify", folder.name)
    assert tampered.returncode == 1, tampered.stdout
    assert f"downloads/{kept[0].name} 的 SHA-256 与审计链记录的不同" in tampered.stdout, tampered.stdout
    assert "downloads/extra.xlsx 不在审计链中（事后加入）" in tampered.stdout, tampered.stdout


def test_workbook_is_written_while_the_worker_logs_out(settings: Settings, report_portal: Any) -> None:
    """The flow's outputs come from the queue alone (`finish_from_queue`): once every item is
    settled the supervisor writes consolidated.xlsx at once, not after the workers' slow logout."""
    report_portal.set_faults(latency_ms=2000, latency_paths=["/rpt/logout.do"])
    params = {"flow_params": {"date": "2026-11-27", "branches": ["110101", "110102"], "formats": ["xlsx"]}}
    outcome = execute_run(settings, "report-extraction", params, workers=1)
    assert outcome.exit_code == EXIT_OK, outcome

    events = AuditLog.from_settings(settings).events(outcome.run_id)
    (written,) = [datetime.fromisoformat(e.time) for e in events if e.event == "consolidated"]
    (finished,) = [datetime.fromisoformat(e.time) for e in events if e.event == "run.finished"]
    log = (outcome.folder / "run.log").read_text(encoding="utf-8").splitlines()
    (worker_done,) = [datetime.strptime(line[:28], "%Y-%m-%dT%H:%M:%S.%f%z") for line in log
                      if "工作进程 " in line and " 结束：" in line]
    assert written < worker_done - timedelta(seconds=1), "the workbook waited for the logout"
    assert worker_done < finished  # the run still ends after its workers
    assert report_portal.stats()["requests"]["/rpt/logout.do"] == 1


def test_a_failed_check_never_lets_the_run_exit_0(
    settings: Settings, report_portal: Any, tmp_path: Path
) -> None:
    """Every file fetched and read, but a check fails (here the day-over-day check, made strict in
    a copy of the specs): the run exits 1, says why, and its workbook is no whole picture."""
    import shutil

    from rpa.run.orchestrate import EXIT_ITEMS_FAILED

    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    spec_file = config / "specs" / "summary_daily.yaml"
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    spec["checks"]["max_change_share"] = 0.000001  # any change at all is "too large"
    spec_file.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    strict = settings.model_copy(update={"config_dir": config})
    params = {"flow_params": {"date": "2026-11-27", "branches": ["110101", "110102"], "formats": ["xlsx"]}}
    outcome = execute_run(strict, "report-extraction", params, workers=1)

    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome
    assert outcome.counts.get("done") and not outcome.counts.get("business_error")  # every file was read
    events = AuditLog.from_settings(strict).events(outcome.run_id)
    (problems,) = [e for e in events if e.event == "run.output_problems"]
    assert any("核对未通过" in line for line in problems.details["problems"]), problems.details
    log = (outcome.folder / "run.log").read_text(encoding="utf-8")
    assert log.count("核对未通过") == 1 and "项核对中" not in log, log  # said once (tester BI F9)
    run_json = json.loads((outcome.folder / "run.json").read_text(encoding="utf-8"))
    assert run_json["exit_code"] == EXIT_ITEMS_FAILED
    assert any(c["result"] == "不通过" for c in run_json["checks"])
