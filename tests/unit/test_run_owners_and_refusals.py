"""Three records kept in the queue database, on a real SQLite file: which process runs a run,
which operators a portal refused, and which system code an AMS URL showed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from flows.account_filing.portal_identity import PortalCodes, PortalIdentityChanged, check_worker_identity
from rpa.run.operators import OperatorRefusals, OperatorsRefused, usable_operators
from rpa.run.owners import RunOwners
from rpa.settings import OperatorCredential, Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "runs").mkdir()
    return Settings(
        runs_dir=tmp_path / "runs",
        ams_url="http://10.20.30.40:8080/ams",
        ams_operators=[OperatorCredential(code="A10001", password="x1"),
                       OperatorCredential(code="A10002", password="x2")],
    )


def test_a_run_is_running_while_its_process_lives_then_gone_or_ended(settings: Settings) -> None:
    owners = RunOwners.from_settings(settings)
    assert owners.state("20261201-090000-account-filing-aaaaaa") == "unknown"  # never marked
    owners.mark_running("run-a")
    assert owners.state("run-a") == "running"  # this test's own process
    ended = subprocess.Popen(["true"])
    ended.wait()
    owners.mark_running("run-b", pid=ended.pid)
    assert owners.state("run-b") == "gone"
    owners.mark_ended("run-a")
    assert owners.state("run-a") == "ended"
    owners.mark_running("run-a")  # resumed
    assert owners.state("run-a") == "running"


def test_refused_operators_are_left_out_until_cleared(settings: Settings) -> None:
    refusals = OperatorRefusals.from_settings(settings)
    refusals.record("ams", "A10001", code="login_refused", message="密码错误", run_id="run-a")
    refusals.record("ams", "A10001", code="login_refused", message="用户已锁定", run_id="run-b")  # first kept
    assert [op.code for op in usable_operators(settings, "ams")] == ["A10002"]
    (kept,) = refusals.listing("ams")
    assert (kept.portal_message, kept.run_id, kept.masked_code) == ("密码错误", "run-a", "**0001")

    refusals.record("ams", "A10002", code="login_refused", message="用户已停用", run_id="run-c")
    with pytest.raises(OperatorsRefused) as none_left:
        usable_operators(settings, "ams")
    message = str(none_left.value)
    assert "**0001（密码错误）" in message and "**0002（用户已停用）" in message
    assert "rpa operators clear" in message and "A10001" not in message

    assert [r.run_id for r in refusals.clear("A10001")] == ["run-a"]
    assert refusals.clear("A10001") == []
    assert [op.code for op in usable_operators(settings, "ams")] == ["A10001"]
    assert usable_operators(settings, "report_platform") == []  # none configured: nothing refused


def test_a_worker_that_finds_another_ams_behind_the_url_stops_the_run(settings: Settings) -> None:
    codes = PortalCodes.from_settings(settings)
    url = settings.ams_url_identity()
    check_worker_identity(settings, "ams:PBCAMS-110000", "PBCAMS-110000")
    assert codes.known(url) == (True, "PBCAMS-110000")  # learnt at the login

    with pytest.raises(PortalIdentityChanged) as changed:
        check_worker_identity(settings, "ams:PBCAMS-110000", "PBCAMS-UAT")
    assert "PBCAMS-UAT" in str(changed.value) and "RPA_AMS_URL" in str(changed.value)
    assert codes.known(url) == (False, None)  # the next run reads the code anew

    with pytest.raises(PortalIdentityChanged):
        check_worker_identity(settings, "ams:PBCAMS-110000", None)  # it shows none now
    check_worker_identity(settings.model_copy(update={"ams_portal_id": "prod"}), "id:prod", None)
