"""A new run of a portal flow without operators for its portal is refused (exit 2) before it reads
its input: nothing is queued, so no later run finds rows held by a run that works none of them.
`--enqueue-only` is not refused (other hosts' workers, with their own operators, work the items)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rpa.errors import UsageError
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.settings import Settings
from tests.check_exports import open_row, uscc, write_export

CODE = uscc("91110108MA00F3RK5")
ROW = open_row("6228480012340000011", "北京启明软件有限公司", CODE, "马晓东")


def _settings(tmp_path: Path) -> Settings:
    nowhere = "http://127.0.0.1:9"  # never reached: the run is refused before any portal is
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                    ams_url=nowhere, reports_url=nowhere, check_url=nowhere)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("flow", "params", "setting"),
    [
        ("enterprise-check", {"input": "{export}"}, "RPA_CHECK_OPERATORS"),
        ("account-filing", {"input": "{export}", "today": "2026-11-27"}, "RPA_AMS_OPERATORS"),
        ("report-extraction", {"date": "2026-11-27"}, "RPA_REPORTS_OPERATORS"),
        ("account-reconciliation", {"date_from": "2026-11-26", "date_to": "2026-11-27",
                                    "input": "{export}"}, "RPA_AMS_OPERATORS"),
    ],
)
def test_a_run_without_operators_is_refused_with_nothing_queued(
    tmp_path: Path, flow: str, params: dict[str, Any], setting: str
) -> None:
    export = write_export(tmp_path / "export.xlsx", [ROW])
    settings = _settings(tmp_path)
    given = {key: value.format(export=export) for key, value in params.items()}
    with pytest.raises(UsageError, match=setting):
        execute_run(settings, flow, {"flow_params": given}, trigger="test", workers=1)
    (folder,) = (tmp_path / "runs").glob(f"*-{flow}-*")
    assert not any(WorkQueue.from_settings(settings).counts(folder.name).values()), "rows were queued"


@pytest.mark.timeout(120)
def test_enqueue_only_needs_no_operators_here(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.xlsx", [ROW])
    settings = _settings(tmp_path)
    params = {"flow_params": {"input": str(export)}}
    outcome = execute_run(settings, "enterprise-check", params, trigger="test", enqueue_only=True)
    counts = WorkQueue.from_settings(settings).counts(outcome.run_id)
    assert outcome.exit_code == 0 and sum(counts.values()) == 1
