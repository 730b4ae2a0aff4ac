"""A case action on an `--enqueue-only` run whose items still wait for `rpa worker` does not resume
the run: a checker's approval of a row put aside and filed by hand filed the run's queued rows at
AMS from the checker's own terminal, with this host's operator (tester BM F14, 2026-12-08)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.records import FilingRecord
from rpa.alerts.findings import put_aside_rows
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser


@pytest.mark.timeout(300)
def test_approving_a_hand_filing_leaves_the_queued_rows_to_the_workers(ams: AmsHandle,
                                                                        tmp_path: Path) -> None:
    settings = filing_settings(tmp_path, ams, 1)
    records: list[dict[str, Any]] = [FilingRecord.model_validate(basic_record(account, serial=n)).model_dump()
                                     for account, n in (("510120260911", 93), ("510120260912", 94))]
    records[0]["depositor_name"] = "北京𠮷祥餐饮管理有限公司"  # outside GBK: put aside for a person
    export = write_export(tmp_path / "export.xlsx", records)
    params = {"flow_params": {"input": str(export), "today": REFERENCE_DAY}}
    run_id = execute_run(settings, "account-filing", params, enqueue_only=True).run_id
    [aside] = put_aside_rows(settings, run_id)
    operators = json.dumps([{"code": code, "password": pw} for code, pw in ams.operators[:1]])
    cli = make_cli_env(tmp_path, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=operators)
    cli.run("cases", "mark", run_id, str(aside.row), "--filing-no", "100020261207000777",
            "--reason", "生僻字", "--user", "柜员王", check_exit=0)
    approved = cli.run("cases", "approve", run_id, str(aside.row), "--user", "复核李", check_exit=0).stdout
    assert "由 rpa worker 办理（--enqueue-only）：此处不续跑" in approved, approved
    assert WorkQueue.from_settings(settings).counts(run_id)["pending"] == 1  # still the workers'
    assert not ams.submissions()
