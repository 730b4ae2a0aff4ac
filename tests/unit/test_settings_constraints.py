"""Each setting that cannot work is refused when the settings load, naming it: numbers that must
be positive and finite, a heartbeat within the lease, operators with a code and a password, and
paths the program must write to or read from (a tester's findings K6, K7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpa.errors import ConfigError
from rpa.settings import load_settings

OPERATOR = '[{"code": "R1", "password": "x"}]'

# (environment, the setting the refusal must name)
REFUSED: list[tuple[dict[str, str], str]] = [
    ({"RPA_MAX_ATTEMPTS": "0"}, "RPA_MAX_ATTEMPTS"),
    ({"RPA_MAX_ATTEMPTS": "-1"}, "RPA_MAX_ATTEMPTS"),
    ({"RPA_NAVIGATION_TIMEOUT_MS": "-1"}, "RPA_NAVIGATION_TIMEOUT_MS"),
    ({"RPA_NAVIGATION_TIMEOUT_MS": "0"}, "RPA_NAVIGATION_TIMEOUT_MS"),
    ({"RPA_ACTION_TIMEOUT_MS": "-5"}, "RPA_ACTION_TIMEOUT_MS"),
    ({"RPA_ANSWER_TIMEOUT_MS": "0"}, "RPA_ANSWER_TIMEOUT_MS"),
    ({"RPA_LEASE_SECONDS": "0"}, "RPA_LEASE_SECONDS"),
    ({"RPA_LEASE_SECONDS": "-10"}, "RPA_LEASE_SECONDS"),
    ({"RPA_LEASE_SECONDS": "nan"}, "RPA_LEASE_SECONDS"),
    ({"RPA_LEASE_SECONDS": "inf"}, "RPA_LEASE_SECONDS"),
    ({"RPA_HEARTBEAT_SECONDS": "0"}, "RPA_HEARTBEAT_SECONDS"),
    ({"RPA_HEARTBEAT_SECONDS": "nan"}, "RPA_HEARTBEAT_SECONDS"),
    ({"RPA_HEARTBEAT_SECONDS": "120"}, "RPA_HEARTBEAT_SECONDS 应小于 RPA_LEASE_SECONDS"),
    ({"RPA_HEARTBEAT_SECONDS": "60"}, "RPA_HEARTBEAT_SECONDS 应小于 RPA_LEASE_SECONDS"),
    ({"RPA_LEASE_SECONDS": "5"}, "RPA_HEARTBEAT_SECONDS 应小于 RPA_LEASE_SECONDS（5 秒）"),
    ({"RPA_CIRCUIT_BREAKER_THRESHOLD": "0"}, "RPA_CIRCUIT_BREAKER_THRESHOLD"),
    ({"RPA_CIRCUIT_BREAKER_THRESHOLD": "-1"}, "RPA_CIRCUIT_BREAKER_THRESHOLD"),
    ({"RPA_BACKOFF_BASE_SECONDS": "-2"}, "RPA_BACKOFF_BASE_SECONDS"),
    ({"RPA_BACKOFF_BASE_SECONDS": "nan"}, "RPA_BACKOFF_BASE_SECONDS"),
    ({"RPA_BACKOFF_MAX_SECONDS": "-1"}, "RPA_BACKOFF_MAX_SECONDS"),
    ({"RPA_BACKOFF_MAX_SECONDS": "inf"}, "RPA_BACKOFF_MAX_SECONDS"),
    ({"RPA_REPORTS_OPERATORS": '[{"code": "", "password": ""}]'}, "RPA_REPORTS_OPERATORS（第1项 code）"),
    ({"RPA_AMS_OPERATORS": '[{"code": "A1", "password": " "}]'}, "RPA_AMS_OPERATORS（第1项 password）"),
    ({"RPA_CHECK_OPERATORS": f'[{OPERATOR[1:-1]}, {{"code": " ", "password": "y"}}]'},
     "RPA_CHECK_OPERATORS（第2项 code）"),
    ({"RPA_CALENDAR_FILE": "{dir}/nowhere/calendar.yaml"}, "RPA_CALENDAR_FILE"),
    ({"RPA_RUNS_DIR": "/proc/nonexistent/runs"}, "RPA_RUNS_DIR"),
    ({"RPA_RUNS_DIR": "{dir}/a-file/runs"}, "RPA_RUNS_DIR"),
    ({"RPA_LOG_DIR": "{dir}/a-file"}, "RPA_LOG_DIR"),
    ({"RPA_LOG_DIR": "/proc/nonexistent"}, "RPA_LOG_DIR"),
    ({"RPA_AUDIT_KEY_FILE": "/proc/nonexistent/audit.key"}, "RPA_AUDIT_KEY_FILE"),
    ({"RPA_AUDIT_KEY_FILE": "{dir}"}, "RPA_AUDIT_KEY_FILE"),
    ({"RPA_LEDGER_FILE": "{dir}/a-file/ledger.jsonl"}, "RPA_LEDGER_FILE"),
]

# values at the edge of what is allowed, and paths that are created on first use
ACCEPTED: list[dict[str, str]] = [
    {"RPA_MAX_ATTEMPTS": "1", "RPA_CIRCUIT_BREAKER_THRESHOLD": "1"},
    {"RPA_LEASE_SECONDS": "3", "RPA_HEARTBEAT_SECONDS": "1"},
    {"RPA_BACKOFF_BASE_SECONDS": "0", "RPA_BACKOFF_MAX_SECONDS": "0"},
    {"RPA_NAVIGATION_TIMEOUT_MS": "1", "RPA_ACTION_TIMEOUT_MS": "1"},
    {"RPA_REPORTS_OPERATORS": OPERATOR},
    {"RPA_RUNS_DIR": "{dir}/new/runs", "RPA_LOG_DIR": "{dir}/new/logs",
     "RPA_AUDIT_KEY_FILE": "{dir}/keys/audit.key", "RPA_LEDGER_FILE": "{dir}/keys/ledger.jsonl"},
]


@pytest.fixture(autouse=True)
def _no_rpa_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("RPA_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x", encoding="utf-8")


def _set(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], folder: Path) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace("{dir}", str(folder)))


@pytest.mark.parametrize(("env", "named"), REFUSED, ids=[" ".join(f"{k}={v}" for k, v in e.items())
                                                        for e, _ in REFUSED])
def test_a_setting_that_cannot_work_is_refused_by_name(
    env: dict[str, str], named: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _set(monkeypatch, env, tmp_path)
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("设置无效：") and named in message, message
    assert "请" in message, message  # says what to do
    assert "\n" not in message


@pytest.mark.parametrize("env", ACCEPTED, ids=[" ".join(e) for e in ACCEPTED])
def test_values_at_the_edge_are_accepted_and_nothing_is_created(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _set(monkeypatch, env, tmp_path)
    load_settings()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # the probe left nothing


def test_the_default_calendar_may_be_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RPA_HOME", str(tmp_path))  # no calendar.yaml there: chinesecalendar alone
    assert not load_settings().calendar_file.exists()
