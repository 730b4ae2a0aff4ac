"""Planted personal data and a password go through every error path and never leak unmasked.

Diagnostics checked: the terminal, run.log, run.json, the exported audit log, evidence file
names, and Playwright traces (which may hold page data, but never the login password).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from flows.smoke.flow import SAMPLE_ACCOUNT, SAMPLE_ID_NUMBER
from tests.e2e.cli_helpers import make_cli_env, run_id_from

pytestmark = pytest.mark.browser

PASSWORD = "Pw9#planted-Secret"


def test_planted_data_never_reaches_diagnostics(tmp_path: Path) -> None:
    # every attempt traced: the crash (a bug) is never retried, so "retries" would trace nothing
    cli = make_cli_env(tmp_path, RPA_SMOKE_PASSWORD=PASSWORD, RPA_MAX_ATTEMPTS="2", RPA_TRACE_ITEMS="always")
    done = cli.run(
        "run",
        "smoke",
        "--modes",
        "business,crash,system_once,ok",
        "--items",
        "4",
        "--workers",
        "2",
        check_exit=1,
    )
    run_id = run_id_from(done.stdout)
    folder = cli.runs / run_id
    cli.run("runs", "show", run_id, check_exit=0)
    terminal = done.stdout + done.stderr + cli.run("runs", "show", run_id).stdout

    diagnostics = {
        "terminal": terminal,
        "run.log": (folder / "run.log").read_text(encoding="utf-8"),
        "run.json": (folder / "run.json").read_text(encoding="utf-8"),
        "audit.jsonl": (folder / "audit.jsonl").read_text(encoding="utf-8"),
        "evidence names": " ".join(p.name for p in folder.rglob("*")),
    }
    # the error paths really ran and logged: the masked tails are there
    assert SAMPLE_ACCOUNT[-4:] in diagnostics["run.log"]
    assert "业务拒绝" in diagnostics["audit.jsonl"]
    assert "unexpected_ValueError" in diagnostics["audit.jsonl"]
    for name, text in diagnostics.items():
        assert SAMPLE_ACCOUNT not in text, f"account number unmasked in {name}"
        assert SAMPLE_ID_NUMBER not in text, f"ID number unmasked in {name}"
        assert PASSWORD not in text, f"password in {name}"

    traces = list((folder / "traces").glob("*.zip"))
    assert traces, "failures should keep a trace"
    for trace in traces:
        with zipfile.ZipFile(trace) as archive:
            for member in archive.namelist():
                data = archive.read(member)
                assert PASSWORD.encode() not in data, f"password in trace {trace.name}:{member}"
