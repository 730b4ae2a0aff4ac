"""When the disk says no mid-run: the run stops with exit 3 and a Chinese reason, is recorded as
stopped (never left "running"), and resumes to the end once space is back (issue #18).

The runs folder is a real tmpfs (this needs root, which the test container has; elsewhere
the test is skipped); the database lives outside it, as with RPA_DATABASE_URL on a server.
The supervisor's case fills a 1 MB one before the run; the workers' cases (real Chromium: the
smoke flow's screenshots, the report bot's downloads, the filing bot's receipts) run on a
256 MB one that the test fills, or turns read-only, once the first item is done, and frees
again when the run asks to stop (or leaves full to the end).
"""

from __future__ import annotations

import errno
import gc
import json
import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rpa.audit.log import AuditLog
from rpa.queue.work_queue import WorkQueue
from rpa.run.flow import FLOWS, Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.orchestrate import execute_run
from rpa.run.runs import RunContext, list_runs, run_state
from rpa.settings import OperatorCredential, Settings

pytestmark = pytest.mark.timeout(120)
FILLED: list[Path] = []


class FillingFlow(Flow):
    """Prepares nothing to do; its first prepare fills the disk the run folder is on."""

    name = "fill-disk"

    def __init__(self, **_params: Any) -> None:
        pass

    def prepare(self, ctx: RunContext) -> Prepared:
        if not FILLED:
            filler = ctx.folder.parent / "filler.bin"
            FILLED.append(filler)
            with filler.open("wb") as handle:
                try:
                    while True:
                        handle.write(b"\0" * 4096)
                        handle.flush()
                except OSError:
                    pass  # the disk is full now, which is the point
        return Prepared(enqueued=0)

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        yield lambda item: {}

    def finish(self, ctx: RunContext) -> list[Path]:
        return []


@contextmanager
def _tmpfs(mount: Path, size: str) -> Iterator[Path]:
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with _tmpfs(tmp_path / "disk", "1m") as mount:
        yield mount


@pytest.fixture
def browser_disk(tmp_path: Path) -> Iterator[Path]:
    """Room for the workers' Chromium profiles (in the runs folder's _scratch) until filled."""
    with _tmpfs(tmp_path / "disk", "256m") as mount:
        yield mount


def fill(folder: Path, filler: Path | None = None) -> Path:
    """Write a file until the disk holding `folder` is full (or add to `filler` until it is
    full again); the file, to remove later."""
    filler = filler or folder / "filler.bin"
    with filler.open("ab") as handle:
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError:
            pass  # the disk is full now, which is the point
    return filler


def test_a_full_disk_stops_the_run_and_it_resumes_once_space_is_back(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(FLOWS, "fill-disk", f"{__name__}:FillingFlow")
    FILLED.clear()
    settings = Settings(
        runs_dir=small_disk / "runs",
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
        audit_key_file=tmp_path / "keys" / "audit.key",
    )

    stopped = execute_run(settings, "fill-disk", {})

    assert stopped.exit_code == 3
    assert stopped.stop_reason is not None and "磁盘空间不足" in stopped.stop_reason
    finished = [
        e for e in AuditLog.from_settings(settings).events(stopped.run_id) if e.event == "run.finished"
    ]
    assert finished[-1].details["exit_code"] == 3
    run = json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))  # whole, not truncated
    assert "exit_code" not in run  # the full disk refused it: the database says how the run ended
    recorded = AuditLog.from_settings(settings).recorded_exit(stopped.run_id)
    assert run_state(run, recorded) == "3"  # not "running", though this process still runs

    FILLED[0].unlink()  # space is back
    resumed = execute_run(settings, "fill-disk", {}, resume=stopped.run_id)

    assert resumed.exit_code == 0, resumed.stop_reason
    assert [run_state(r) for r in list_runs(settings)] == ["0"]


class FillWhenOneIsDone:
    """Fills the runs folder's disk once the first item is done, while the workers go on with the
    next (slow) items; frees it again when the run asks to stop when `free_on_stop`."""

    def __init__(self, free_on_stop: bool) -> None:
        self.free_on_stop = free_on_stop
        self.ctx: RunContext | None = None
        self.filler: Path | None = None

    def started(self, ctx: RunContext) -> None:
        self.ctx = ctx

    def progress(self, counts: dict[str, int], _awaiting: int, _words: dict[str, int]) -> None:
        assert self.ctx is not None
        if self.filler is None and counts.get("done", 0) >= 1:
            self.filler = fill(self.ctx.settings.runs_dir)
        elif self.filler is not None and self.free_on_stop and self.ctx.queue.stop_requested(self.ctx.run_id):
            self.filler.unlink(missing_ok=True)
        elif self.filler is not None and self.filler.exists():
            fill(self.ctx.settings.runs_dir, self.filler)  # Chromium frees its crashed pages' room


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("free_on_stop", [True, False], ids=["space-back-at-the-end", "still-full"])
def test_a_worker_that_cannot_write_its_evidence_stops_the_run_resumably(
    browser_disk: Path, tmp_path: Path, free_on_stop: bool
) -> None:
    settings = Settings(
        runs_dir=browser_disk / "runs",
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
        audit_key_file=tmp_path / "keys" / "audit.key",
        max_attempts=4, backoff_base_seconds=0.05, backoff_max_seconds=0.1,
    )
    filler = FillWhenOneIsDone(free_on_stop)
    params = {"flow_params": {"items": 5, "modes": ["ok", "slow"], "slow_seconds": 1.0}}

    stopped = execute_run(settings, "smoke", params, workers=1, on_started=filler.started,
                          on_progress=filler.progress)

    assert stopped.exit_code == 3, stopped
    assert stopped.stop_reason is not None and stopped.stop_reason.startswith("磁盘空间不足"), stopped
    items = WorkQueue.from_settings(settings).items(stopped.run_id)
    states = sorted(str(i.state) for i in items)
    assert "failed" not in states and "business_error" not in states, states
    assert states.count("done") >= 1 and states.count("pending") >= 1, states
    assert all(i.last_error_code != "disk_refused" for i in items)  # no item blamed for the disk
    run = json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))
    recorded = AuditLog.from_settings(settings).recorded_exit(stopped.run_id)
    if free_on_stop:
        assert run["exit_code"] == 3 and "磁盘空间不足" in run["stop_reason"]
    assert run_state(run, recorded) == "3"  # never "running"

    assert filler.filler is not None
    filler.filler.unlink(missing_ok=True)  # space is back
    resumed = execute_run(settings, "smoke", {}, resume=stopped.run_id, workers=1)

    assert resumed.exit_code == 0, resumed.stop_reason
    assert {str(i.state) for i in WorkQueue.from_settings(settings).items(stopped.run_id)} == {"done"}
    assert [run_state(r) for r in list_runs(settings)] == ["0"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("free_on_stop", [True, False], ids=["space-back-at-the-end", "still-full"])
def test_report_extraction_that_cannot_save_a_download_stops_resumably(
    browser_disk: Path, tmp_path: Path, report_portal: Any, free_on_stop: bool
) -> None:
    operators = [OperatorCredential(code=op.code, password=op.password) for op in report_portal.operators]
    settings = Settings(
        runs_dir=browser_disk / "runs",
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
        audit_key_file=tmp_path / "keys" / "audit.key",
        reports_url=report_portal.url, reports_operators=operators,
        max_attempts=4, backoff_base_seconds=0.05, backoff_max_seconds=0.1,
    )
    filler = FillWhenOneIsDone(free_on_stop)
    # every page slow, so the disk is filled after the first item and before the last: on a quick
    # machine the four items were done before the run's progress saw the first one
    report_portal.set_faults(latency_ms=300)
    params = {"flow_params": {"date": "2026-11-27", "branches": ["110101", "110102"], "formats": ["xlsx"]}}

    stopped = execute_run(settings, "report-extraction", params, workers=1, on_started=filler.started,
                          on_progress=filler.progress)

    assert stopped.exit_code == 3, stopped
    assert stopped.stop_reason is not None and stopped.stop_reason.startswith("磁盘空间不足"), stopped
    items = WorkQueue.from_settings(settings).items(stopped.run_id)
    states = sorted(str(i.state) for i in items)
    assert "failed" not in states and "business_error" not in states, [
        (i.state, i.attempts, i.last_error_code, i.last_error_message) for i in items]
    run = json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))
    recorded = AuditLog.from_settings(settings).recorded_exit(stopped.run_id)
    if free_on_stop:
        assert run["exit_code"] == 3
    assert run_state(run, recorded) == "3"

    assert filler.filler is not None
    filler.filler.unlink(missing_ok=True)  # space is back
    resumed = execute_run(settings, "report-extraction", {}, resume=stopped.run_id, workers=1)

    assert resumed.exit_code == 0, resumed.stop_reason
    assert (stopped.folder / "consolidated.xlsx").exists()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_account_filing_that_cannot_keep_a_receipt_stops_and_files_nothing_twice(
    browser_disk: Path, tmp_path: Path, ams: Any
) -> None:
    from tests.e2e.test_account_filing_run import SEED, filing_settings, subset_workbook

    ams.seed(json.loads(SEED.read_text(encoding="utf-8")))
    source = subset_workbook(tmp_path / "accounts.xlsx", 12)
    settings = filing_settings(browser_disk, ams, 1).model_copy(update={
        "database_url": f"sqlite:///{tmp_path / 'queue.db'}",
        "audit_key_file": tmp_path / "keys" / "audit.key",
        "ams_service_window": "always"})
    filler = FillWhenOneIsDone(free_on_stop=True)
    params = {"flow_params": {"input": str(source), "today": "2026-11-27"}}

    stopped = execute_run(settings, "account-filing", params, workers=1, on_started=filler.started,
                          on_progress=filler.progress)

    assert stopped.exit_code == 3, stopped
    assert stopped.stop_reason is not None and stopped.stop_reason.startswith("磁盘空间不足"), stopped
    items = WorkQueue.from_settings(settings).items(stopped.run_id)
    assert not [i for i in items if str(i.state) in ("failed", "held")], [
        (i.state, i.last_error_code, i.last_error_message) for i in items]
    assert json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))["exit_code"] == 3

    resumed = execute_run(settings, "account-filing", {}, resume=stopped.run_id, workers=1)

    assert resumed.exit_code in (0, 1), resumed.stop_reason  # 1: the file's invalid rows
    assert resumed.stop_reason is None
    submitted = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert submitted and max(submitted.values()) == 1, submitted  # nothing submitted twice
    assert max(f["submitted"] for f in ams.filings()) == 1
    items = WorkQueue.from_settings(settings).items(stopped.run_id)
    assert not [i for i in items if str(i.state) in ("pending", "leased", "failed", "held")], [
        (i.state, i.last_error_code) for i in items]


@pytest.mark.parametrize("name", ["result.xlsx", "consolidated.xlsx"])
def test_a_workbook_the_full_disk_refuses_raises_once_and_leaves_nothing_half_closed(
    small_disk: Path, name: str
) -> None:
    from flows.account_filing.result_book import ResultRow, write_result_book
    from flows.report_extraction.collect import Collected
    from flows.report_extraction.consolidate import write_consolidated
    from flows.report_extraction.scorecard import ScorecardConfig, score_branches

    rows = [ResultRow(n, "新开户备案", f"62220202001122{n:05d}", "张三", "2026-11-27", "done")
            for n in range(2, 400)]
    collected = Collected("2026-11-27", ["xlsx"], units={"储蓄存款余额": "元"})
    config = ScorecardConfig.model_validate({
        "tie_breaker": "储蓄", "indicators": [{"name": "储蓄", "metrics": ["储蓄存款余额"], "weight": "1"}]})
    target = small_disk / name
    filler = fill(small_disk)
    with pytest.raises(OSError) as refused:
        if name == "result.xlsx":
            write_result_book(target, rows)
        else:
            write_consolidated(target, collected, score_branches({}, config), branches=["110101"], names={},
                               metrics=["储蓄存款余额"])
    assert refused.value.errno == errno.ENOSPC
    gc.collect()  # an openpyxl zip left open on the closed file would complain here (unraisable)
    assert sorted(p.name for p in small_disk.iterdir()) == [filler.name]


def _read_only(folder: Path) -> None:
    """`folder` turns read-only (a read-only bind mount over itself): writes get EROFS."""
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True, capture_output=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_worker_whose_evidence_folder_turns_read_only_stops_the_run_resumably(
    browser_disk: Path, tmp_path: Path
) -> None:
    settings = Settings(
        runs_dir=browser_disk / "runs",
        database_url=f"sqlite:///{tmp_path / 'queue.db'}",
        audit_key_file=tmp_path / "keys" / "audit.key",
        max_attempts=4, backoff_base_seconds=0.05, backoff_max_seconds=0.1,
    )
    read_only: list[Path] = []
    started: list[RunContext] = []

    def progress(counts: dict[str, int], _awaiting: int, _words: dict[str, int]) -> None:
        if not read_only and counts.get("done", 0) >= 1:
            read_only.append(started[0].folder / "evidence")
            _read_only(read_only[0])

    params = {"flow_params": {"items": 5, "modes": ["ok", "slow"], "slow_seconds": 1.0}}
    try:
        stopped = execute_run(settings, "smoke", params, workers=1, on_started=started.append,
                              on_progress=progress)
    finally:
        for folder in read_only:
            subprocess.run(["umount", str(folder)], check=False)

    assert stopped.exit_code == 3, stopped
    assert stopped.stop_reason is not None and stopped.stop_reason.startswith("没有写入"), stopped
    assert "evidence" in stopped.stop_reason and "--resume" in stopped.stop_reason
    states = sorted(str(i.state) for i in WorkQueue.from_settings(settings).items(stopped.run_id))
    assert "failed" not in states and "business_error" not in states, states
    assert json.loads((stopped.folder / "run.json").read_text(encoding="utf-8"))["exit_code"] == 3

    resumed = execute_run(settings, "smoke", {}, resume=stopped.run_id, workers=1)

    assert resumed.exit_code == 0, resumed.stop_reason
    assert {str(i.state) for i in WorkQueue.from_settings(settings).items(stopped.run_id)} == {"done"}


def test_the_download_probe_names_the_full_folder_and_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    from bots.report_files import refuse_if_no_room
    from rpa.errors import DiskRefused

    refuse_if_no_room([tmp_path, tmp_path / "absent"])  # room, and a folder that is gone: no refusal
    filler = fill(small_disk)
    with pytest.raises(DiskRefused) as refused:
        refuse_if_no_room([tmp_path, small_disk])
    assert str(refused.value) == f"磁盘空间不足，无法写入 {small_disk}：请腾出空间后用 --resume 继续本次运行"
    assert sorted(p.name for p in small_disk.iterdir()) == [filler.name]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".probe-")]
