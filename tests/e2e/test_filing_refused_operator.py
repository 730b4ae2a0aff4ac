"""A refused login is tried once per operator, ever, until a person clears it.

AMS locks an operator after three wrong passwords. Before refusals were kept, each resume of a
run stopped by a refused login tried the same password again, and the third resume locked the
operator. The mock AMS's own count of failed logins (GET /_admin/stats) is the judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.records import FilingRecord
from rpa.audit.log import AuditLog
from rpa.run.orchestrate import execute_run
from rpa.settings import OperatorCredential
from tests.e2e.cli_helpers import make_cli_env
from tests.e2e.test_account_filing_run import REFERENCE_DAY, filing_settings
from tests.integration.ams_helpers import basic_record, write_export
from tests.plugins.portals import AmsHandle

pytestmark = pytest.mark.browser
FLOW = "account-filing"


def _export(tmp_path: Path, count: int) -> dict[str, Any]:
    records = [FilingRecord.model_validate(basic_record(f"4401202605{n:02d}", serial=70 + n)).model_dump()
               for n in range(1, count + 1)]
    return {"flow_params": {"input": str(write_export(tmp_path / "accounts.xlsx", records)),
                            "today": REFERENCE_DAY}}


@pytest.mark.timeout(240)
def test_a_refused_operator_is_not_tried_again_until_cleared(ams: AmsHandle, tmp_path: Path) -> None:
    code, password = ams.operators[0]
    wrong = filing_settings(tmp_path, ams, 1).model_copy(
        update={"ams_operators": [OperatorCredential(code=code, password="Wrong-123")]}
    )
    first = execute_run(wrong, FLOW, _export(tmp_path, 2), workers=1)
    assert first.exit_code == 3, first
    assert ams.stats()["login_failures"] == {"密码错误": 1}

    for _ in range(3):  # three resumes: without the kept refusal the third would lock OP0001
        resumed = execute_run(wrong, FLOW, {}, resume=first.run_id, workers=1)
        assert resumed.exit_code == 3, resumed
        assert resumed.stop_reason is not None
        assert "操作员均曾被拒绝登录" in resumed.stop_reason and "rpa operators clear" in resumed.stop_reason
        assert "**0001" in resumed.stop_reason and code not in resumed.stop_reason
    assert ams.stats()["login_failures"] == {"密码错误": 1}  # never tried again
    assert ams.sessions()["live"] == 0

    cli = make_cli_env(tmp_path)
    listed = cli.run("operators", "list", check_exit=0)
    assert "AMS" in listed.stdout and "**0001" in listed.stdout and "密码错误" in listed.stdout
    assert code not in listed.stdout and first.run_id in listed.stdout
    assert cli.run("operators", "clear", "OP9999").returncode == 2  # nothing to clear
    cleared = cli.run("operators", "clear", code, check_exit=0)
    assert "已解除" in cleared.stdout
    assert "没有被拒绝登录的操作员" in cli.run("operators", "list", check_exit=0).stdout
    outside_runs = AuditLog.from_settings(wrong).events(None)  # the chain of actions outside runs
    (event,) = [e for e in outside_runs if e.event == "operator.refusal_cleared"]
    assert event.details["operator"] == "**0001" and event.details["refused_in_run"] == first.run_id
    assert AuditLog.from_settings(wrong).verify(None).ok

    right = wrong.model_copy(update={"ams_operators": [OperatorCredential(code=code, password=password)]})
    done = execute_run(right, FLOW, {}, resume=first.run_id, workers=1)
    assert done.exit_code == 0, done
    assert sorted(f["account_no"] for f in ams.filings()) == ["440120260501", "440120260502"]
    assert ams.stats()["login_failures"] == {"密码错误": 1} and ams.sessions()["live"] == 0


@pytest.mark.timeout(240)
def test_a_resume_skips_the_refused_operator_and_works_with_another(ams: AmsHandle, tmp_path: Path) -> None:
    (code1, _), (code2, password2) = ams.operators[:2]
    operators = [OperatorCredential(code=code1, password="Wrong-123"),
                 OperatorCredential(code=code2, password=password2)]
    settings = filing_settings(tmp_path, ams, 2).model_copy(update={"ams_operators": operators})
    first = execute_run(settings, FLOW, _export(tmp_path, 4), workers=2)
    assert first.exit_code == 3, first
    assert ams.stats()["login_failures"] == {"密码错误": 1}

    resumed = execute_run(settings, FLOW, {}, resume=first.run_id, workers=2)
    assert resumed.exit_code == 0, resumed
    assert len(ams.filings()) == 4
    assert ams.stats()["login_failures"] == {"密码错误": 1}  # OP0001 was not tried again
    assert ams.sessions()["live"] == 0
