"""The exports a reconciliation without --input reads: those the drop folder took for
account-filing runs since the period began (Asia/Shanghai); a recorded one gone is an error naming
it. Files and run ids are written by hand here."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from flows.account_reconciliation.taken import taken_exports
from rpa.errors import InputFileError
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
