"""The console served in the test's own thread on a free port, with one user of each role, and a
signed-in page per role (real Chromium from the session's shared browser)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rpa.settings import Settings
from tests.plugins.portals import AmsHandle

PASSWORD = "Correct-Horse-9"
USERS = {"wang.jb": "operator", "li.fh": "checker", "zhao.sj": "auditor", "admin01": "admin"}
# the jobs written here, not the project's schedules.yaml: the pages show what this file says
SCHEDULES = """
timezone: Asia/Shanghai
jobs:
  - id: morning-reports
    flow: report-extraction
    description: 前一工作日的报表
    params: {date: "{previous_working_day}"}
    cron: {hour: 7, minute: 30}
    calendar: working_days
  - id: month-end-check
    flow: smoke
    cron: {day: 28, hour: 18, minute: 0}
    calendar: every_day
  - id: inbox-filing
    flow: account-filing
    description: 收件箱中的新导出
    cron: {minute: "0,30", hour: "8-16"}
    calendar: working_days
    drop_folder: {path: inbox/account-filing, param: input}
"""
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"


@dataclass
class Console:
    url: str
    settings: Settings
    app: Any

    def login(self, page: Any, name: str, password: str = PASSWORD) -> None:
        page.goto(self.url + "/login")
        page.get_by_label("用户名").fill(name)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()


@pytest.fixture
def console(isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    from fixtures.portals.common.server import serve_in_thread
    from rpa.console.app import create_app
    from rpa.console.roles import Role
    from rpa.console.users import ConsoleUsers

    monkeypatch.setenv("RPA_SCHEDULES_FILE", str(isolated_settings.parent / "schedules.yaml"))
    (isolated_settings.parent / "schedules.yaml").write_text(SCHEDULES, encoding="utf-8")
    settings = Settings()
    users = ConsoleUsers.from_settings(settings)
    for name, role in USERS.items():
        users.add(name, Role(role), PASSWORD)
    app = create_app(settings)
    server = serve_in_thread(app)
    yield Console(server.url, settings, app)
    server.stop()
    for child in app.state.console.children:  # runs the test started end by themselves
        child.wait(timeout=120)


@pytest.fixture
def screen(context: Any) -> Any:
    """A page the size of a 1366×768 laptop screen."""
    page = context.new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def ams_env(ams: AmsHandle, monkeypatch: pytest.MonkeyPatch) -> AmsHandle:
    """What `rpa run` and the console's runs read: the mock AMS and its first operator, one
    worker, short backoffs, AMS's service window always open."""
    code, password = ams.operators[0]
    monkeypatch.setenv("RPA_AMS_URL", ams.url)
    monkeypatch.setenv("RPA_AMS_OPERATORS", json.dumps([{"code": code, "password": password}]))
    monkeypatch.setenv("RPA_WORKERS", "1")
    monkeypatch.setenv("RPA_BACKOFF_BASE_SECONDS", "0.05")
    monkeypatch.setenv("RPA_BACKOFF_MAX_SECONDS", "0.2")
    monkeypatch.setenv("RPA_AMS_SERVICE_WINDOW", "always")
    return ams
