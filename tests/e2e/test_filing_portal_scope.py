"""One AMS, one identity: the AMS a run files into is the one its system code names, whatever URL
reaches it; two AMS are two whatever their URLs.

- One AMS reached as 127.0.0.1 and as localhost, no RPA_AMS_PORTAL_ID: each account is filed
  once. Before, the two URLs were two AMS, and the second run filed every row again.
- UAT (one mock AMS with its own code), then production (another): production files every row
  the UAT run took, and a third run files nothing twice.
- An AMS that shows no code, reached through a second URL without RPA_AMS_PORTAL_ID: refused
  (exit 2) before anything is filed; with the id set the rows are looked up and not filed again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.portals.common import serve_in_thread
from flows.account_filing.records import FilingRecord
from rpa.errors import ConfigError
from rpa.run.orchestrate import execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle, active_operators

pytestmark = pytest.mark.browser

ACCOUNTS = [f"1100202607{n:02d}" for n in range(1, 4)]


@contextmanager
def another_ams(system_code: str | None) -> Iterator[AmsHandle]:
    """A second mock AMS for the test, showing `system_code` after login (None: no code)."""
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(system_code=system_code))
    try:
        with httpx.Client(base_url=server.url, timeout=30.0) as admin:
            yield AmsHandle(server.url, admin, active_operators())
    finally:
        server.stop()


def _params(tmp_path: Path) -> dict[str, Any]:
    records = [FilingRecord.model_validate(basic_record(account, serial=30 + n)).model_dump()
               for n, account in enumerate(ACCOUNTS)]
    return {"flow_params": {"input": str(write_export(tmp_path / "accounts.xlsx", records)),
                            "today": REFERENCE_DAY}}


def _by_hostname(ams: AmsHandle) -> str:
    return ams.url.replace("127.0.0.1", "localhost")


def test_one_ams_through_two_urls_files_each_account_once(ams: AmsHandle, tmp_path: Path) -> None:
    params = _params(tmp_path)
    first = execute_run(filing_settings(tmp_path, ams, 1), "account-filing", params, workers=1)
    assert first.exit_code == 0, first
    assert len(ams.submissions()) == 3

    by_name = filing_settings(tmp_path, ams, 1, ams_url=_by_hostname(ams))  # no RPA_AMS_PORTAL_ID
    second = execute_run(by_name, "account-filing", params, workers=1)
    assert second.exit_code == 0, second
    assert len(ams.submissions()) == 3  # none of them again
    assert max(f["submitted"] for f in ams.filings()) == 1
    rows = read_result(second.folder / "result.xlsx").values()
    assert {row["处理批次"] for row in rows} == {first.run_id}  # the first run's filings


@pytest.mark.timeout(240)
def test_a_production_run_files_the_rows_a_uat_run_took(ams: AmsHandle, tmp_path: Path) -> None:
    params = _params(tmp_path)
    with another_ams("PBCAMS-UAT") as uat:
        first = execute_run(filing_settings(tmp_path, uat, 1), "account-filing", params, workers=1)
        assert first.exit_code == 0, first
        assert len(uat.filings()) == 3

    production = filing_settings(tmp_path, ams, 1, ams_url=_by_hostname(ams))
    outcome = execute_run(production, "account-filing", params, workers=1)

    assert outcome.exit_code == 0, outcome
    assert outcome.counts.get("done") == 3, outcome.counts
    assert sorted(f["account_no"] for f in ams.filings()) == ACCOUNTS
    rows = read_result(outcome.folder / "result.xlsx").values()
    assert {row["状态"] for row in rows} == {"已报备"}
    assert {row["处理批次"] for row in rows} == {outcome.run_id}
    assert {row["备案编号"] for row in rows} == {f["filing_no"] for f in ams.filings()}  # production's

    again = execute_run(production, "account-filing", params, workers=1)
    assert again.exit_code == 0 and not any(again.counts.values()), again.counts  # nothing of its own
    assert len(ams.submissions()) == 3  # production's three, none twice


@pytest.mark.timeout(240)
def test_an_ams_without_a_code_needs_a_portal_id_for_a_second_url(tmp_path: Path) -> None:
    params = _params(tmp_path)
    with another_ams(None) as bare:
        first = execute_run(filing_settings(tmp_path, bare, 1), "account-filing", params, workers=1)
        assert first.exit_code == 0, first
        by_name = filing_settings(tmp_path, bare, 1, ams_url=_by_hostname(bare))
        with pytest.raises(ConfigError) as refused:
            execute_run(by_name, "account-filing", params, workers=1)
        assert "RPA_AMS_PORTAL_ID" in str(refused.value) and "系统编号" in str(refused.value)
        assert len(bare.submissions()) == 3

        named = by_name.model_copy(update={"ams_portal_id": "prod"})
        outcome = execute_run(named, "account-filing", params, workers=1)
        assert outcome.exit_code == 0, outcome
        assert len(bare.submissions()) == 3  # looked up: already filed, not filed again
        rows = read_result(outcome.folder / "result.xlsx").values()
        assert {row["状态"] for row in rows} == {"此前已报备"}
