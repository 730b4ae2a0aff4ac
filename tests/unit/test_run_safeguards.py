"""A run keeps the safeguards it started with (rpa.run.safeguards), on a real run folder and
audit chain made by `open_run`: a host with RPA_FILING_REQUIRE_CHECK off resuming, retrying or
correcting a run started with it on still applies it; a host with it on applies it to any run; an
edit of params.json that turns it off changes nothing, and `rpa audit verify` names the edit.
Tester AO (2026-12-06) had `RPA_FILING_REQUIRE_CHECK=false rpa runs retry --items` file a row the
gate had held."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpa.audit.log import AuditLog
from rpa.audit.report_lines import Report
from rpa.audit.run_json_checks import check_run_json
from rpa.run.orchestrate import open_run
from rpa.run.safeguards import kept_by_run, run_settings, safeguard_names
from rpa.settings import Settings

NOTICE = "运行开始时已开启 RPA_FILING_REQUIRE_CHECK，本机未开启：本运行仍按开启办理"


def _settings(tmp_path: Path, gate: bool) -> Settings:
    return Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                    filing_require_check=gate)


def test_the_registration_gate_is_a_safeguard() -> None:
    assert "filing_require_check" in safeguard_names()
    assert "workers" not in safeguard_names()  # an ordinary setting is each host's
    assert all(Settings.model_fields[name].annotation in (bool, "bool") for name in safeguard_names())


def test_a_damaged_params_json_keeps_the_gate_on(tmp_path: Path) -> None:
    started = open_run(_settings(tmp_path, False), "smoke", {}, trigger="cli")
    (started.folder / "params.json").write_text("{not json", encoding="utf-8")
    assert run_settings(_settings(tmp_path, False), started.folder).filing_require_check


@pytest.mark.parametrize(("at_start", "here", "applied"),
                         [(True, False, True), (True, True, True), (False, True, True),
                          (False, False, False)])
def test_the_stricter_of_the_run_and_the_host_holds(tmp_path: Path, at_start: bool, here: bool,
                                                    applied: bool) -> None:
    started = open_run(_settings(tmp_path, at_start), "smoke", {}, trigger="cli")
    assert json.loads((started.folder / "params.json").read_text(encoding="utf-8"))["safeguards"] == {
        "filing_require_check": at_start}
    host = _settings(tmp_path, here)
    assert run_settings(host, started.folder).filing_require_check is applied
    resumed = open_run(host, "smoke", {}, trigger="cli", resume=started.run_id)
    assert resumed.settings.filing_require_check is applied
    notices = kept_by_run(host, resumed.params, resumed.audit, resumed.run_id).notices
    assert any(NOTICE in line for line in notices) is (at_start and not here)  # for run.log


def test_params_json_edited_to_lift_the_gate_changes_nothing_and_verify_names_it(tmp_path: Path) -> None:
    started = open_run(_settings(tmp_path, True), "smoke", {}, trigger="cli")
    params_file = started.folder / "params.json"
    params = json.loads(params_file.read_text(encoding="utf-8"))
    params_file.write_text(json.dumps({**params, "safeguards": {"filing_require_check": False}}),
                           encoding="utf-8")
    host = _settings(tmp_path, False)
    assert run_settings(host, started.folder).filing_require_check  # the chain's start keeps it
    resumed = open_run(host, "smoke", {}, trigger="cli", resume=started.run_id)
    assert resumed.settings.filing_require_check
    assert any("运行参数（params.json）中的保护设置与审计链的开始记录不同" in n for n in resumed.notices)

    report = Report("运行")
    check_run_json(report, started.folder, AuditLog.from_settings(host).events(started.run_id))
    assert not report.ok
    assert any("params.json 记录的保护设置（均未开启）与审计链第" in line
               and "（RPA_FILING_REQUIRE_CHECK）不同" in line for line in report.lines), report.lines


def test_a_run_started_before_safeguards_were_kept_keeps_the_gate_its_chain_shows(tmp_path: Path) -> None:
    """Before 2026-12-07 a run recorded no safeguards; the filing flow recorded rows.check_required
    only with the gate on, and that event stands for it (reviewer, 2026-12-07)."""
    host = _settings(tmp_path, False)
    audit = AuditLog.from_settings(host)
    audit.create_schema()
    for run_id, gated in (("R-gated", True), ("R-plain", False)):
        audit.append(run_id, "run", "run.started", details={"flow": "account-filing"})
        if gated:
            audit.append(run_id, "run", "rows.check_required", details={"held": 0})
        assert kept_by_run(host, {"flow_params": {}}, audit, run_id).settings.filing_require_check is gated
    assert kept_by_run(_settings(tmp_path, True), {}, audit, "R-plain").settings.filing_require_check


@pytest.mark.parametrize(("params", "chain_start", "unread"), [
    ({"safeguards": "damaged"}, True, "运行参数"),
    ({"safeguards": {"filing_require_check": "false"}}, True, "运行参数"),
    ({"safeguards": {"filing_require_check": False}}, False, "审计链的开始记录"),
], ids=["not a table", "not yes or no", "no start that verifies"])
def test_safeguards_that_cannot_be_read_are_kept_on_and_said(
    tmp_path: Path, params: dict[str, object], chain_start: bool, unread: str
) -> None:
    """Never "could not read" taken as off: the gate is kept on, run.log saying why."""
    host = _settings(tmp_path, False)
    audit = AuditLog.from_settings(host)
    audit.create_schema()
    if chain_start:
        audit.append("R1", "run", "run.started", details={"safeguards": {"filing_require_check": False}})
    kept = kept_by_run(host, params, audit, "R1")
    assert kept.settings.filing_require_check and kept.applied == ["filing_require_check"]
    [notice] = [n for n in kept.notices if "无法读取或核验" in n]
    assert f"{unread}中的保护设置无法读取或核验：RPA_FILING_REQUIRE_CHECK 按开启办理" in notice
    assert "rpa audit verify R1" in notice


def test_a_run_whose_rows_the_gate_held_keeps_it_and_a_resume_alone_does_not(tmp_path: Path) -> None:
    """Tester AP (2026-12-07): a run started with the gate off, resumed on a host with it on (rows
    held), then retried on a host with it off filed the held rows unchecked and said nothing. A row
    the gate held (item.held, check_not_passed) keeps it on for the run; a resume on a host with
    it on that worked nothing under it (refused, say) turns nothing on (reviewer, 2026-12-07)."""
    off, on = _settings(tmp_path, False), _settings(tmp_path, True)
    started = open_run(off, "smoke", {}, trigger="cli")
    open_run(on, "smoke", {}, trigger="cli", resume=started.run_id)  # nothing worked under the gate
    assert not run_settings(off, started.folder).filing_require_check
    audit = AuditLog.from_settings(off)
    audit.append(started.run_id, "w0", "item.held", details={"code": "registration_differs"})  # not the gate
    audit.append(started.run_id, "run", "rows.check_required", details={"held": 0})  # read, none held
    assert not run_settings(off, started.folder).filing_require_check
    audit.append(started.run_id, "w0", "item.held", details={"code": "check_not_passed"})
    assert run_settings(off, started.folder).filing_require_check
    again = open_run(off, "smoke", {}, trigger="cli", resume=started.run_id)
    assert again.settings.filing_require_check
    said = "本运行此前已按开启的 RPA_FILING_REQUIRE_CHECK 办理过行（审计链有记录），本机未开启"
    assert any(said in notice for notice in again.notices), again.notices


def test_a_gate_record_that_does_not_verify_keeps_every_safeguard_on(tmp_path: Path) -> None:
    """An item.held the run's key did not sign (written under another key, or edited) cannot say
    what it held: the gate stays on, run.log saying to verify the chain; a signed one of another
    code turns nothing on."""
    off = _settings(tmp_path, False)
    other = tmp_path / "other.key"
    other.write_text("9f" * 32, encoding="utf-8")
    other.chmod(0o600)
    audit = AuditLog.from_settings(off)
    audit.create_schema()
    for run_id, key in (("R-signed", off.audit_key_file), ("R-forged", other)):
        audit.append(run_id, "run", "run.started", details={"safeguards": {"filing_require_check": False}})
        writer = AuditLog.from_settings(off.model_copy(update={"audit_key_file": key}))
        writer.append(run_id, "w0", "item.held", details={"code": "registration_differs"})
        kept = kept_by_run(off, {"safeguards": {"filing_require_check": False}}, audit, run_id)
        assert kept.settings.filing_require_check is (run_id == "R-forged"), run_id
        said = any("审计链的办理记录中的保护设置无法读取或核验" in notice for notice in kept.notices)
        assert said is (run_id == "R-forged"), kept.notices
