"""`approval: true` on a job of schedules.yaml: read as the job's field, refused on a flow whose
rows never wait for a checker (naming the job and the field)."""

from __future__ import annotations

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
    with pytest.raises(ConfigError, match=r"job 'reports': approval"):
        parse_schedule_data(data, source="s.yaml", known_flows=FLOWS)
