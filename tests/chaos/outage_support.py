"""Helpers of the outage tests (tests/chaos/test_outages.py): a PostgreSQL database per test,
hosts as `rpa` command environments with their own RPA_HOST_ID and operators, the input's
accounts read back from the sheet, and what the database shows of a run.

Size (environment): RPA_CHAOS_OUTAGE_ACCOUNTS (default 12), the accounts of each outage run.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rpa.db import engine_for
from tests.e2e.cli_helpers import CliEnv, make_cli_env
from tests.plugins.portals import AmsHandle
from tests.plugins.postgres import ThrowawayCluster


def outage_accounts() -> int:
    """RPA_CHAOS_OUTAGE_ACCOUNTS (default 12); a value that is not a whole number >= 2 fails."""
    raw = os.environ.get("RPA_CHAOS_OUTAGE_ACCOUNTS", "").strip() or "12"
    if not raw.isdigit() or int(raw) < 2:
        pytest.fail(f"RPA_CHAOS_OUTAGE_ACCOUNTS={raw!r}: a whole number of at least 2", pytrace=False)
    return int(raw)


@pytest.fixture
def outage_db(postgres_cluster: ThrowawayCluster) -> Iterator[str]:
    """A fresh database of the session's cluster (its server is stopped and started by the test)."""
    name = f"outage_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


def host_env(
    tmp_path: Path, ams: AmsHandle, db_url: str, host: str, operators: list[int], **extra: str
) -> CliEnv:
    """The `rpa` command of one host: its RPA_HOST_ID and operators, the shared queue and store."""
    creds = [{"code": ams.operators[n][0], "password": ams.operators[n][1]} for n in operators]
    store = tmp_path / "shared-store"
    env = make_cli_env(
        tmp_path, RPA_DATABASE_URL=db_url, RPA_RUNS_DIR=str(store),
        RPA_HOST_ID=host, RPA_AMS_URL=ams.url, RPA_AMS_OPERATORS=json.dumps(creds), **extra,
    )  # fmt: skip
    return replace(env, runs=store)


def sheet_accounts(source: Path) -> set[str]:
    """The 账号 of every data row of the input, read from the sheet by its header, as AMS holds
    them: full-width digits made ASCII, spaces dropped (a clerk's export has both)."""
    book = load_workbook(source, read_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = list(next(rows))
        column = header.index("账号")
        return {
            re.sub(r"\s", "", unicodedata.normalize("NFKC", str(row[column])))
            for row in rows
            if row[column] is not None
        }
    finally:
        book.close()


def count(db_url: str, sql: str) -> int:
    """One count from the run's tables; 0 before the queue's tables exist."""
    with engine_for(db_url).connect() as conn:
        if not conn.exec_driver_sql("SELECT to_regclass('queue_items') IS NOT NULL").scalar():
            return 0
        return int(conn.exec_driver_sql(sql).scalar() or 0)


def states(db_url: str) -> dict[str, int]:
    """Items per state over every run of the database."""
    with engine_for(db_url).connect() as conn:
        rows = conn.exec_driver_sql("SELECT state, count(*) FROM queue_items GROUP BY state").all()
    return {str(state): int(n) for state, n in rows}
