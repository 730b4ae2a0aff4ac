"""`test_config`: test sizes and timeouts from the environment (prefix RPA_TEST_)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings, SettingsConfigDict

# The mock AMS has no service hours: the real window (08:30-17:00 on working days) would stop
# every filing test run at night, at weekends and on holidays. Tests of the window set their own.
os.environ.setdefault("RPA_AMS_SERVICE_WINDOW", "always")


class TestConfig(BaseSettings):
    """Scales for the suites. CI uses the defaults; export RPA_TEST_* to change them."""

    __test__ = False  # not a test class
    model_config = SettingsConfigDict(env_prefix="RPA_TEST_", extra="ignore")

    queue_items: int = 500
    queue_workers: int = 4
    filing_rows: int = 200
    filing_workers: int = 2
    kill_resume_rounds: int = 5
    step_timeout_ms: int = 10_000
    portal_session_seconds: float = 20.0


@pytest.fixture(scope="session")
def test_config() -> TestConfig:
    return TestConfig()


@pytest.fixture
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point RPA_RUNS_DIR and the audit key file at a temporary folder; returns the runs folder."""
    runs = tmp_path / "runs"
    monkeypatch.setenv("RPA_RUNS_DIR", str(runs))
    monkeypatch.setenv("RPA_AUDIT_KEY_FILE", str(tmp_path / "keys" / "audit.key"))
    monkeypatch.delenv("RPA_LEDGER_FILE", raising=False)  # the ledger copy goes next to the key
    monkeypatch.delenv("RPA_DATABASE_URL", raising=False)
    return runs
