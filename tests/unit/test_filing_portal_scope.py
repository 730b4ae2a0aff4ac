"""Rows another run took for another AMS are enqueued again for this one; for the same AMS not.

The flow's `prepare()` on a real export and a real SQLite queue, run after run, as `rpa run
account-filing` does before any worker starts (no browser: which rows are enqueued is decided
here; tests/e2e/test_filing_portal_scope.py files them). What each AMS URL showed as its system
code after login is written beforehand into the database's `portal_codes`, as a first run's
login would have (`_seen`): prepare() then logs in nowhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.account_filing.flow import AccountFilingFlow
from flows.account_filing.portal_identity import PortalCodes
from flows.account_filing.portal_scope import scoped_key
from flows.account_filing.records import FilingRecord
from rpa.audit.log import AuditLog
from rpa.errors import ConfigError
from rpa.queue.work_queue import NewItem, WorkQueue
from rpa.run.flow import Prepared
from rpa.run.orchestrate import open_run
from rpa.settings import Settings
from tests.integration.ams_helpers import basic_record, write_export

UAT = "http://ams-uat.bank.internal:8080/ams"
PROD = "https://ams.bank.internal/ams"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    records = [FilingRecord.model_validate(basic_record(f"1100202600{n:02d}", serial=n)).model_dump()
               for n in range(1, 4)]
    return write_export(tmp_path / "accounts.xlsx", records)


def _seen(tmp_path: Path, url: str, system_code: str | None) -> None:
    """Record that the AMS at `url` showed `system_code` (None: no code) after a login."""
    settings = Settings(runs_dir=tmp_path / "runs", ams_url=url)
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    PortalCodes.from_settings(settings).learn(settings.ams_url_identity(), system_code)


def _prepare(tmp_path: Path, export: Path, **settings: Any) -> tuple[Prepared, list[str], str]:
    """Prepare one new run against the AMS `settings` name; its prepared counts, its items' keys.
    An AMS URL not `_seen` before shows no code."""
    values: dict[str, Any] = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "audit.key"}
    chosen = Settings(**values, **settings)
    if not PortalCodes.from_settings(chosen).known(chosen.ams_url_identity())[0]:
        _seen(tmp_path, chosen.ams_url, None)
    ctx = open_run(chosen, "account-filing", {}, trigger="cli")
    flow = AccountFilingFlow(input=str(export), today="2026-11-27")
    prepared = flow.prepare(ctx)
    return prepared, sorted(item.key for item in ctx.queue.items(ctx.run_id)), ctx.run_id


def test_the_same_ams_takes_each_row_once(tmp_path: Path, export: Path) -> None:
    first, keys, first_run = _prepare(tmp_path, export, ams_url=UAT)
    assert first.enqueued == 3 and len(keys) == 3 and not any("|" in key for key in keys)
    again, _, _ = _prepare(tmp_path, export, ams_url="HTTP://AMS-UAT.bank.internal:8080/ams/")  # the same
    assert (again.enqueued, again.duplicates) == (0, 3)
    # the first run is being prepared, not worked: it lives, and keeps its rows
    assert any(f"3 行由运行 {first_run} 办理中（运行中）" in line for line in again.warnings), again.warnings


def test_rows_taken_for_the_uat_portal_are_worked_again_for_production(tmp_path: Path, export: Path) -> None:
    _seen(tmp_path, UAT, "PBCAMS-UAT")
    _seen(tmp_path, PROD, "PBCAMS-110000")
    _, uat_keys, _ = _prepare(tmp_path, export, ams_url=UAT)
    prod, prod_keys, prod_run = _prepare(tmp_path, export, ams_url=PROD)
    assert (prod.enqueued, prod.duplicates) == (3, 0)
    assert prod_keys == sorted(scoped_key("ams:PBCAMS-110000", key) for key in uat_keys)
    (note,) = [note for note in prod.notes if "另一个 AMS" in note]
    assert note == ("3 个有效行曾由早先的运行为另一个 AMS（ams:PBCAMS-UAT）办理："
                    "在本 AMS（ams:PBCAMS-110000）上重新查询并报备")
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key")
    events = AuditLog.from_settings(settings).events(prod_run)
    (event,) = [e for e in events if e.event == "rows.taken_for_another_ams"]
    assert event.details == {"rows": 3, "other_ams": "ams:PBCAMS-UAT", "this_ams": "ams:PBCAMS-110000"}

    # production again, and UAT again: each finds its own items
    assert _prepare(tmp_path, export, ams_url=PROD)[0].duplicates == 3
    assert _prepare(tmp_path, export, ams_url=UAT)[0].duplicates == 3


def test_two_urls_of_an_ams_that_shows_its_code_are_one_ams(tmp_path: Path, export: Path) -> None:
    _seen(tmp_path, "http://ams.bank.internal:8080/ams", "PBCAMS-110000")
    _seen(tmp_path, "http://10.20.30.40:8080/ams", "PBCAMS-110000")  # the same AMS by its address
    first, keys, _ = _prepare(tmp_path, export, ams_url="http://ams.bank.internal:8080/ams")
    assert first.enqueued == 3 and not any("|" in key for key in keys)
    again, _, _ = _prepare(tmp_path, export, ams_url="http://10.20.30.40:8080/ams")
    assert (again.enqueued, again.duplicates) == (0, 3)  # taken once, not filed again


def test_a_second_url_without_a_code_or_a_portal_id_is_refused(tmp_path: Path, export: Path) -> None:
    first, _, _ = _prepare(tmp_path, export, ams_url=UAT)
    assert first.enqueued == 3
    with pytest.raises(ConfigError) as refused:
        _prepare(tmp_path, export, ams_url=PROD)
    message = str(refused.value)
    assert "RPA_AMS_PORTAL_ID" in message and UAT in message and PROD in message
    assert "系统编号" in message
    # a portal id says which AMS it is: the run goes ahead
    assert _prepare(tmp_path, export, ams_url=PROD, ams_portal_id="prod")[0].enqueued == 3


def test_a_portal_id_makes_two_urls_one_ams(tmp_path: Path, export: Path) -> None:
    assert Settings(ams_url="https://AMS.bank.internal:443/ams").ams_identity() == PROD
    first, _, _ = _prepare(tmp_path, export, ams_url=PROD, ams_portal_id="prod")
    assert first.enqueued == 3
    other_url, _, _ = _prepare(tmp_path, export, ams_url="https://10.1.2.3/ams", ams_portal_id="prod")
    assert (other_url.enqueued, other_url.duplicates) == (0, 3)
    uat, _, _ = _prepare(tmp_path, export, ams_url=PROD, ams_portal_id="uat")
    assert uat.enqueued == 3  # the same URL, but said to be another AMS


def test_items_from_before_portals_were_told_apart_count_as_this_ams(tmp_path: Path, export: Path) -> None:
    queue = WorkQueue(f"sqlite:///{tmp_path / 'runs' / 'queue.db'}")
    queue.create_schema()
    records = [FilingRecord.model_validate(basic_record(f"1100202600{n:02d}", serial=n)) for n in range(1, 4)]
    legacy = [NewItem(r.idempotency_key(), {"record": r.model_dump(mode="json")}) for r in records]  # no AMS
    queue.enqueue_many("account-filing", "20261101-000000-account-filing-aaaaaa", legacy)
    prepared, _, _ = _prepare(tmp_path, export, ams_url=PROD)
    assert (prepared.enqueued, prepared.duplicates) == (0, 3)


def test_a_dry_run_keeps_its_own_keys(tmp_path: Path, export: Path) -> None:
    _prepare(tmp_path, export, ams_url=UAT)
    values: dict[str, Any] = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "audit.key"}
    ctx = open_run(Settings(**values, ams_url=PROD), "account-filing", {}, trigger="cli")
    prepared = AccountFilingFlow(input=str(export), today="2026-11-27", dry_run=True).prepare(ctx)
    assert prepared.enqueued == 3
    assert all(item.key.startswith(f"dry-run:{ctx.run_id}:") for item in ctx.queue.items(ctx.run_id))


def test_a_dry_run_through_another_url_does_not_count_as_filings(tmp_path: Path, export: Path) -> None:
    _seen(tmp_path, PROD, None)
    values: dict[str, Any] = {"runs_dir": tmp_path / "runs", "audit_key_file": tmp_path / "audit.key"}
    ctx = open_run(Settings(**values, ams_url=PROD), "account-filing", {}, trigger="cli")
    assert AccountFilingFlow(input=str(export), today="2026-11-27", dry_run=True).prepare(ctx).enqueued == 3
    real, _, _ = _prepare(tmp_path, export, ams_url=UAT)  # not refused: nothing was filed through PROD
    assert real.enqueued == 3
