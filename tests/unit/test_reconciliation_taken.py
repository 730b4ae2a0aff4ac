"""The exports a reconciliation without --input reads: those the drop folder took for
account-filing runs since the period began (Asia/Shanghai); a recorded one gone is an error naming
it; one whose run was refused before it queued a row is passed over, named in a warning. Files
and run ids are written by hand here."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from loguru import logger

from flows.account_reconciliation.taken import taken_exports
from rpa.errors import InputFileError
from rpa.queue.work_queue import WorkQueue
from rpa.schedule.drop import DropFolder
from rpa.settings import Settings


def _take(db_url: str, inbox: Path, name: str, run_id: str, at: datetime) -> Path:
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(f"export {name}".encode())
    os.utime(inbox / name, (at.timestamp() - 60, at.timestamp() - 60))  # written before it was taken
    drop = DropFolder(db_url, clock=lambda: at)
    (taken,) = drop.take_new_files(inbox, inbox / "taken", run_id_for=lambda _path: run_id)
    return taken.path


def test_only_filing_runs_exports_since_the_period_began_and_a_gone_one_is_named(tmp_path: Path) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    settings.runs_dir.mkdir()
    url, inbox = settings.database_url_resolved, settings.runs_dir / "inbox" / "account-filing"
    # 2026-11-15 23:30 in Shanghai is 15:30 UTC: before a period that begins on the 16th
    _take(url, inbox, "old.xlsx", "20261115-233000-account-filing-0a0b0c",
          datetime(2026, 11, 15, 15, 30, tzinfo=UTC))  # fmt: skip
    # 2026-11-16 00:10 in Shanghai is still the 15th in UTC: inside the period
    first = _take(url, inbox, "mon.xlsx", "20261116-001000-account-filing-1a2b3c",
                  datetime(2026, 11, 15, 16, 10, tzinfo=UTC))  # fmt: skip
    _take(url, tmp_path / "reports", "r.xlsx", "20261117-073000-report-extraction-4d5e6f",
          datetime(2026, 11, 16, 23, 30, tzinfo=UTC))  # fmt: skip
    second = _take(url, inbox, "wed.csv", "20261118-093000-account-filing-7a8b9c",
                   datetime(2026, 11, 18, 1, 30, tzinfo=UTC))  # fmt: skip

    assert taken_exports(settings, date(2026, 11, 16)) == [first, second]
    second.unlink()
    gone = re.escape("20261118-093000-account-filing-7a8b9c-wed.csv")
    with pytest.raises(InputFileError, match=gone) as raised:
        taken_exports(settings, date(2026, 11, 16))
    assert "读不出" in raised.value.message


def _ended(settings: Settings, run_id: str, exit_code: int) -> None:
    folder = settings.runs_dir / run_id
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"run_id": run_id, "exit_code": exit_code}), encoding="utf-8")


@pytest.fixture
def warnings_said() -> Iterator[list[str]]:
    said: list[str] = []
    sink = logger.add(lambda m: said.append(m.record["message"]), level="WARNING")
    yield said
    logger.remove(sink)


def test_an_export_whose_run_was_refused_before_any_row_is_passed_over_by_name(
    tmp_path: Path, warnings_said: list[str]
) -> None:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    settings.runs_dir.mkdir()
    url, inbox = settings.database_url_resolved, settings.runs_dir / "inbox" / "account-filing"
    at = datetime(2026, 11, 16, 1, 30, tzinfo=UTC)
    refused_run, filed_run = "20261116-093000-account-filing-0d0e0f", "20261116-100000-account-filing-1d1e1f"
    # taken half written, refused as a damaged workbook (exit 2), then completed in taken/
    refused = _take(url, inbox, "half.xlsx", refused_run, at)
    refused.write_bytes(refused.read_bytes() + b" rest of the workbook")
    _ended(settings, refused_run, 2)
    ok = _take(url, inbox, "ok.xlsx", "20261116-093500-account-filing-2d2e2f", at)
    assert taken_exports(settings, date(2026, 11, 16)) == [ok]
    said = "\n".join(warnings_said)
    assert f"{refused_run}-half.xlsx" in said and "不核对" in said
    assert f"rpa run account-filing --resume {refused_run}" in said

    # a run that queued a row is always read, refused or not: changed, it is an error naming it
    filed = _take(url, inbox, "filed.xlsx", filed_run, at)
    queue = WorkQueue(url)
    queue.create_schema()
    queue.enqueue("account-filing", filed_run, "row-1", {"account_no": "1"})
    _ended(settings, filed_run, 2)
    filed.write_bytes(b"changed")
    with pytest.raises(InputFileError, match=re.escape(f"{filed_run}-filed.xlsx")):
        taken_exports(settings, date(2026, 11, 16))
