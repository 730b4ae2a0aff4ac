"""`rpa doctor` flags what would stop or mislead unattended runs (a tester's finding K5): a
calendar without next year's published schedule from November on (the calendar-check job's test),
and the 企业信息联网核查系统 unreachable or without operators, as AMS and the report platform.
Real files, a real HTTP server for a reachable portal, the real checks."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rpa.cli.doctor import Check, run_checks
from rpa.settings import OperatorCredential, Settings

NOBODY = "http://127.0.0.1:9"  # the discard port: nothing answers


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write("登录".encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_rpa_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("RPA_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _settings(tmp_path: Path, **values: object) -> Settings:
    defaults: dict[str, object] = {"runs_dir": tmp_path / "runs", "ams_url": NOBODY, "reports_url": NOBODY,
                                   "check_url": NOBODY}
    return Settings(**{**defaults, **values})  # type: ignore[arg-type]


def _check(checks: list[Check], name: str) -> Check:
    return next(check for check in checks if check.name == name)


def _calendar(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


YEAR_2031 = ("years:\n  2031:\n    provisional: {provisional}\n"
             "    holidays: [2031-01-01, 2031-05-01, {{from: 2031-10-01, to: 2031-10-03}}]\n")


@pytest.mark.parametrize(
    ("calendar", "today", "ok", "said"),
    [
        ("years: {}\n", date(2030, 11, 2), False, "工作日历中 2031 年还没有安排：请把公布的节假日"),
        ("years: {}\n", date(2030, 12, 31), False, "2031 年还没有安排"),
        (YEAR_2031.format(provisional="true"), date(2030, 11, 2), False, "2031 年只有暂定安排"),
        (YEAR_2031.format(provisional="false"), date(2030, 11, 2), True, "已有 2031 年的安排"),
        ("years: {}\n", date(2030, 10, 31), True, "可读"),  # before November: not yet published
    ],
    ids=["missing-in-november", "missing-on-new-years-eve", "provisional", "published", "october"],
)
def test_the_calendar_must_know_next_year_from_november(
    calendar: str, today: date, ok: bool, said: str, tmp_path: Path
) -> None:
    settings = _settings(tmp_path, calendar_file=_calendar(tmp_path, calendar))
    check = _check(run_checks(settings, today=today), "工作日历")
    assert (check.ok, said in check.detail) == (ok, True), check.line()


def test_a_missing_default_calendar_is_said_to_fall_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RPA_HOME", str(tmp_path))
    checks = run_checks(_settings(tmp_path), today=date(2026, 6, 1))
    line = _check(checks, "工作日历 RPA_CALENDAR_FILE").line()
    assert "不存在：只用 chinesecalendar 自带的节假日" in line


def test_the_enterprise_check_portal_is_checked_like_the_others(portal: str, tmp_path: Path) -> None:
    name = "企业信息联网核查系统"
    unreachable = _check(run_checks(_settings(tmp_path), today=date(2026, 6, 1)), name)
    assert not unreachable.ok and "无法访问" in unreachable.detail and "RPA_CHECK_URL" in unreachable.detail
    nobody = _check(run_checks(_settings(tmp_path, check_url=portal), today=date(2026, 6, 1)), name)
    assert not nobody.ok and "RPA_CHECK_OPERATORS" in nobody.detail, nobody.line()
    operator = OperatorCredential(code="HC0101", password="x")  # type: ignore[arg-type]
    configured = _settings(tmp_path, check_url=portal, check_operators=[operator])
    fine = run_checks(configured, today=date(2026, 6, 1))
    assert _check(fine, name).ok and "1 个操作员" in _check(fine, name).detail


class _Busy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(500)
        self.end_headers()
        self.wfile.write("系统繁忙".encode())

    def log_message(self, *args: object) -> None:
        pass


def test_a_portal_answering_a_server_error_is_not_reachable(tmp_path: Path) -> None:
    """A platform answering 500 系统繁忙 is not 可访问: every login would fail."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        operator = OperatorCredential(code="RP0001", password="x")  # type: ignore[arg-type]
        checks = run_checks(_settings(tmp_path, reports_url=url, reports_operators=[operator]),
                            today=date(2026, 6, 1))
    finally:
        server.shutdown()
        server.server_close()
    busy = _check(checks, "报表平台")
    assert not busy.ok and "HTTP 500" in busy.detail and "服务器错误" in busy.detail, busy.line()
