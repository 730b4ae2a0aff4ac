"""`approval: true` on a job of schedules.yaml: read as the job's field, refused on a flow whose
rows never wait for a checker (naming the job and the field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rpa.errors import ConfigError
from rpa.schedule.models import parse_schedule_data

FLOWS = {"account-filing", "report-extraction"}


def _job(**fields: object) -> dict[str, object]:
    return {"id": "filing-noon", "flow": "account-filing", "cron": {"hour": 12, "minute": 0}, **fields}


def test_a_filing_job_may_wait_for_a_checker() -> None:
    parsed = parse_schedule_data({"jobs": [_job(approval=True), _job(id="plain")]}, source="s.yaml",
                                 known_flows=FLOWS)
    assert [job.approval for job in parsed.jobs] == [True, False]


def test_approval_on_another_flow_is_refused_naming_job_and_field() -> None:
    data = {"jobs": [_job(id="reports", flow="report-extraction", approval=True)]}
    with pytest.raises(ConfigError, match=r"任务 'reports' 的 approval"):
        parse_schedule_data(data, source="s.yaml", known_flows=FLOWS)


def test_a_fire_of_such_a_job_starts_its_run_set_for_approval_with_the_job_as_maker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rpa.run.orchestrate
    from rpa.cli.schedule_commands import _scheduler
    from rpa.run.runs import RunOutcome
    from rpa.settings import PROJECT_ROOT, Settings

    schedules = tmp_path / "schedules.yaml"
    schedules.write_text(
        "jobs:\n  - id: filing-noon\n    flow: account-filing\n    approval: true\n"
        "    calendar: every_day\n    cron: {hour: 12, minute: 0}\n",
        encoding="utf-8",
    )
    cfg = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                   schedules_file=schedules, calendar_file=PROJECT_ROOT / "calendar.yaml")
    started: list[dict[str, Any]] = []

    def fake_run(_cfg: Settings, flow: str, params: dict[str, Any], **options: Any) -> RunOutcome:
        started.append({"flow": flow, **params})
        return RunOutcome(str(options["run_id"]), 1, tmp_path)

    monkeypatch.setattr(rpa.run.orchestrate, "execute_run", fake_run)
    _scheduler(cfg).trigger("filing-noon")
    assert started == [{"flow": "account-filing", "flow_params": {"approval": True},
                        "maker": "schedule:filing-noon"}]
