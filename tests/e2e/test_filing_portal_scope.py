"""UAT, then production, with the same export and the same queue: production files every row.

The mock AMS plays both: first reached as 127.0.0.1 (the UAT run files three accounts), then
reset (production holds none of them) and reached as localhost, another URL and so another AMS.
Before portals were told apart the production run found every row taken and filed nothing,
while result.xlsx showed UAT's filing numbers. A third run, against production again, files
nothing twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.account_filing.records import FilingRecord
from rpa.orchestrate import execute_run
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings, read_result
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser

ACCOUNTS = [f"1100202607{n:02d}" for n in range(1, 4)]


def test_a_production_run_files_the_rows_a_uat_run_took(ams: AmsHandle, tmp_path: Path) -> None:
    records = [FilingRecord.model_validate(basic_record(account, serial=30 + n)).model_dump()
               for n, account in enumerate(ACCOUNTS)]
    params = {"flow_params": {"input": str(write_export(tmp_path / "accounts.xlsx", records)),
                              "today": REFERENCE_DAY}}
    uat = filing_settings(tmp_path, ams, 1)
    assert execute_run(uat, "account-filing", params, workers=1).exit_code == 0
    assert len(ams.filings()) == 3

    ams.reset()  # production: none of these accounts is filed there
    production = filing_settings(tmp_path, ams, 1, ams_url=ams.url.replace("127.0.0.1", "localhost"))
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
    assert len(ams.submissions()) == 3  # since the reset: production's three, none twice
