"""Report platform fixtures: one in-process server per session, reset before every test.

    def test_something(report_portal, page):
        page.goto(report_portal.url + "/rpt/login.do")
        report_portal.set_faults(error_rate=1.0, error_paths=["/rpt/reportQuery.do"])
        report_portal.set_variant("branch_daily", date(2026, 11, 27), "110101", "scanned")
        report_portal.expected("branch_daily", date(2026, 11, 27), "110101")["储蓄存款余额"]["本日"]
        report_portal.stats()["faults"]["error_500"]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest


@dataclass
class ReportPortalHandle:
    """The running platform as a test sees it: its URL, admin client and seeded operators."""

    url: str
    admin: httpx.Client
    operators: list[Any]  # fixtures.portals.reports.Operator, the active ones

    @contextmanager
    def logged_in_client(self, operator: Any = None) -> Iterator[httpx.Client]:
        """A plain HTTP client logged in as `operator` (default the first operator)."""
        operator = operator or self.operators[0]
        with httpx.Client(base_url=self.url, timeout=30) as client:
            form = {"userCode": operator.code, "userPassword": operator.password}
            if client.post("/rpt/loginAction.do", data=form).status_code != 302:
                raise AssertionError(f"login as {operator.code} was refused")
            yield client

    def reset(self) -> None:
        self.admin.post("/_admin/reset").raise_for_status()

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Replace the fault config (FaultConfig fields); returns it as the portal applied it."""
        response = self.admin.post("/_admin/faults", json=knobs)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def set_variant(self, report: str, report_date: date, branch: str | None, variant: str) -> None:
        body = {"report": report, "date": report_date.isoformat(), "branch": branch, "variant": variant}
        self.admin.post("/_admin/variants", json=body).raise_for_status()

    def expected(self, report: str, report_date: date, branch: str | None = None) -> dict[str, Any]:
        """The true figures of a report, from GET /_admin/expected."""
        params = {"report": report, "date": report_date.isoformat()}
        if branch is not None:
            params["branch"] = branch
        response = self.admin.get("/_admin/expected", params=params)
        response.raise_for_status()
        figures: dict[str, Any] = response.json()["figures"]
        return figures

    def stats(self) -> dict[str, Any]:
        response = self.admin.get("/_admin/stats")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture(scope="session")
def report_server() -> Iterator[Any]:
    """The report platform served by uvicorn in a thread on a free 127.0.0.1 port."""
    from fixtures.portals.common import serve_in_thread
    from fixtures.portals.reports import create_app

    server = serve_in_thread(create_app())
    yield server
    server.stop()


@pytest.fixture
def report_portal(report_server: Any) -> Iterator[ReportPortalHandle]:
    """The session's report platform, reset (state, faults, stats) before the test."""
    from fixtures.portals.reports import load_operators

    operators = [op for op in load_operators() if op.status == "active"]
    with httpx.Client(base_url=report_server.url, timeout=30) as admin:
        handle = ReportPortalHandle(report_server.url, admin, operators)
        handle.reset()
        yield handle
