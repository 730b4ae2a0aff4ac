"""Killed and resumed, still never twice: `rpa run account-filing` in a subprocess, its supervisor
and every worker killed with SIGKILL (while AMS holds an answer, and at random moments), then
`--resume RUN` until done. The mock AMS runs in the test process and outlives every kill."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fixtures.inputs.make_accounts import write_bulk_xlsx
from rpa.queue.work_queue import WorkQueue
from rpa.run.processes import is_running
from tests.e2e.cli_helpers import RPA, CliEnv, make_cli_env
from tests.e2e.processes import forked_worker, process_tree, wait_for
from tests.plugins.portals import AmsHandle

ROOT = Path(__file__).resolve().parents[2]
SUBMITS = ["/ams/acctOpenSubmit.do", "/ams/acctChangeSubmit.do", "/ams/acctCloseSubmit.do"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _cli(tmp_path: Path, ams: AmsHandle, workers: int) -> CliEnv:
    operators = json.dumps([{"code": c, "password": p} for c, p in ams.operators[:workers]])
    return make_cli_env(
        tmp_path,
        RPA_AMS_URL=ams.url,
        RPA_AMS_OPERATORS=operators,
        RPA_LEASE_SECONDS="3",  # a killed worker's item is taken back quickly
        RPA_HEARTBEAT_SECONDS="1",
    )


def _start(cli: CliEnv, *args: str) -> subprocess.Popen[bytes]:
    """`rpa run account-filing ...` in the background, its output in files (a full pipe would
    block it)."""
    logs = cli.runs.parent / "logs"
    logs.mkdir(exist_ok=True)
    n = len(list(logs.iterdir()))
    with open(logs / f"{n}.out", "wb") as out, open(logs / f"{n}.err", "wb") as err:
        return subprocess.Popen(
            [*RPA, "run", "account-filing", *args], env=cli.env, stdout=out, stderr=err, cwd=ROOT
        )


def _kill_run(process: subprocess.Popen[bytes], cli: CliEnv) -> list[int]:
    """SIGKILL the supervisor and every process under it; returns the worker pids it hit."""
    leased = _leased_worker_pids(cli)  # first: a worker holding a lease then is in the tree below
    tree = list(process_tree(process.pid))
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)
    strays = [pid for pid in leased if pid not in tree and is_running(pid)]
    assert not strays, f"workers holding leases were not in the run's process tree: {strays}"
    return leased


def _leased_worker_pids(cli: CliEnv) -> list[int]:
    """Pids of live workers holding leases now, from the lease owners ("host:pid:wN"). Leases of
    workers an earlier round killed stay in the queue until they expire and are taken back; a
    round can end before its own workers have claimed anything (an answer still on its way
    from the round before counts as its first submission)."""
    database = cli.runs / "queue.db"
    if not database.exists():
        return []
    queue = WorkQueue(f"sqlite:///{database}")
    pids = []
    for run_id in _run_ids(cli):
        for item in queue.items(run_id):
            if item.lease_owner and item.state == "leased":
                pid = int(item.lease_owner.split(":")[-2])
                # a killed worker may linger as a zombie, and its pid may since be another process's
                if is_running(pid) and forked_worker(pid):
                    pids.append(pid)
    return pids


def _resumes(cli: CliEnv, run_id: str | None) -> int:
    """How many resumes run.json records; -1 before the run is known (a first start)."""
    if run_id is None:
        return -1
    with contextlib.suppress(OSError, ValueError):
        run = json.loads((cli.runs / run_id / "run.json").read_text(encoding="utf-8"))
        return len(run.get("resumes") or [])
    return -1


def _run_ids(cli: CliEnv) -> list[str]:
    if not cli.runs.exists():
        return []
    return sorted(p.name for p in cli.runs.iterdir() if (p / "run.json").exists())


def _result_rows(folder: Path) -> list[dict[str, Any]]:
    sheet = load_workbook(folder / "result.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip([str(h) for h in rows[0]], r, strict=True)) for r in rows[1:]]


def test_killed_while_ams_holds_the_answer_then_resumed_files_once(ams: AmsHandle, tmp_path: Path) -> None:
    source = tmp_path / "accounts.xlsx"
    write_bulk_xlsx(source, 3)
    ams.set_faults(hold_rate=1.0, hold_paths=SUBMITS)
    cli = _cli(tmp_path, ams, 1)
    process = _start(cli, "--input", str(source), "--workers", "1")
    held = ams.wait_for_held(1, timeout=180)
    assert held, "AMS never held an answer"
    _kill_run(process, cli)
    (left,) = (cli.runs / "_scratch").iterdir()  # the killed worker's browser files, not in /tmp
    assert list(left.glob("playwright_chromiumdev_profile-*")), list(left.iterdir())
    account = held[0]["detail"]["account_no"]
    stored = [f for f in ams.filings() if f["account_no"] == account]
    assert len(stored) == 1  # AMS kept the filing; the bot never saw the answer
    ams.set_faults()  # no more holds
    ams.release()

    (run_id,) = _run_ids(cli)
    resumed = cli.run("run", "account-filing", "--resume", run_id, "--workers", "1", timeout=240)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert not list((cli.runs / "_scratch").iterdir())  # swept, and the new worker's removed
    filings = ams.filings()
    assert len(filings) == 3 and all(f["submitted"] == 1 for f in filings)
    rows = {str(r["账号"]): r for r in _result_rows(cli.runs / run_id)}
    assert rows[account]["状态"] == "此前已报备"  # found by the look-up, not submitted again
    assert rows[account]["备案编号"] == stored[0]["filing_no"]
    assert sorted(r["状态"] for a, r in rows.items() if a != account) == ["已报备", "已报备"]


def test_killed_at_random_moments_and_resumed_still_files_each_row_once(
    ams: AmsHandle, tmp_path: Path, test_config: Any
) -> None:
    source = tmp_path / "accounts.xlsx"
    rows = 30
    write_bulk_xlsx(source, rows)
    ams.set_faults(latency_ms=40)  # filings take a moment, so kills land in the middle of them
    cli = _cli(tmp_path, ams, 2)
    dice = random.Random(20261127)
    run_id: str | None = None
    kills = 0
    for _ in range(test_config.kill_resume_rounds):
        args = ["--resume", run_id] if run_id else ["--input", str(source)]
        before, resumed = len(ams.submissions()), _resumes(cli, run_id)
        process = _start(cli, *args, "--workers", "2")
        # a submission the last kill left in flight (the portal's latency) can land after
        # `before`: a resume counts as started once run.json records it too
        started = wait_for(
            lambda p=process, b=before, r=resumed, rid=run_id: p.poll() is not None or (  # type: ignore[misc]
                len(ams.submissions()) > b and (rid is None or _resumes(cli, rid) > r)),
            timeout=180,
            what="the run to submit something",
        )
        assert started
        time.sleep(dice.uniform(0.0, 2.0))
        if process.poll() is not None:  # finished before the kill: nothing left to kill
            process.wait(timeout=30)
            break
        leased = _kill_run(process, cli)
        kills += 1
        print(f"kill {kills}: {len(ams.submissions())} submissions so far, workers holding leases {leased}")
        run_id = run_id or _run_ids(cli)[0]
    assert kills >= 1 and run_id is not None

    final = cli.run("run", "account-filing", "--resume", run_id, "--workers", "2", timeout=300)
    if final.returncode == 1:  # a kill landed between a worker's lease check and AMS storing it
        _release_rows_caught_mid_submit(cli, run_id, ams)
        final = cli.run("runs", "retry", run_id, "--workers", "2", timeout=300)
    assert final.returncode == 0, final.stdout + final.stderr
    submitted = Counter((s["account_no"], s["action"], s["business_date"]) for s in ams.submissions())
    assert len(submitted) == rows and set(submitted.values()) == {1}  # every row, each once
    filings = ams.filings()
    assert len(filings) == rows and all(f["submitted"] == 1 for f in filings)
    result = _result_rows(cli.runs / run_id)
    assert len(result) == rows
    assert {r["状态"] for r in result} <= {"已报备", "此前已报备"}
    by_account = {f["account_no"]: f["filing_no"] for f in filings}
    assert all(r["备案编号"] == by_account[str(r["账号"])] for r in result)
    info = json.loads((cli.runs / run_id / "run.json").read_text(encoding="utf-8"))
    assert len(info["resumes"]) >= kills


def _release_rows_caught_mid_submit(cli: CliEnv, run_id: str, ams: AmsHandle) -> None:
    """What a person does with rows held because their worker was killed mid-submit: check
    that AMS holds no such filing, then let the bot file them (`rpa runs retry`)."""
    queue = WorkQueue(f"sqlite:///{cli.runs / 'queue.db'}")
    held = [i for i in queue.items(run_id) if i.state == "held"]
    assert held and all(i.last_error_code == "caught_mid_submit" for i in held), held
    stored = {f["account_no"] for f in ams.filings()}
    assert not any(i.payload["record"]["account_no"] in stored for i in held)
    print(f"{len(held)} rows caught mid-submit by a kill, released after checking AMS")
