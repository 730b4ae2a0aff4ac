"""Fixtures of the mock 企业信息联网核查系统: one in-process server per session, reset per test.

    def test_something(check_portal, page):
        check_portal.plant([{"credit_code": "91110000600037341L", "name": "...", "legal_rep": "..."}])
        check_portal.set_faults(error_rate=1.0, error_paths=["/ecis/queryAction.do"])
        check_portal.stats()["events"]["query"]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from fixtures.portals.common import RunningServer, serve_in_thread


@dataclass
class CheckPortalHandle:
    """The running check system as a test sees it: URL, admin client, (code, password) operators."""

    url: str
    admin: httpx.Client
    operators: list[tuple[str, str]]

    def _json(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._json(self.admin.post("/_admin/reset"))

    def plant(self, registrations: list[dict[str, Any]]) -> None:
        """Make the registry hold these enterprises (fields of `Registration`)."""
        self._json(self.admin.post("/_admin/registrations", json=registrations))

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._json(self.admin.post("/_admin/faults", json=knobs))
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json(self.admin.get("/_admin/stats"))
        return result


@pytest.fixture(scope="session")
def check_server() -> Iterator[RunningServer]:
    from fixtures.portals.enterprise_check import create_app

    server = serve_in_thread(create_app())
    yield server
    server.stop()


@pytest.fixture
def check_portal(check_server: RunningServer) -> Iterator[CheckPortalHandle]:
    """The session's check system, reset (registry, faults, stats, sessions) before the test."""
    from fixtures.portals.enterprise_check import OPERATORS

    with httpx.Client(base_url=check_server.url, timeout=30.0) as admin:
        handle = CheckPortalHandle(check_server.url, admin, list(OPERATORS.items()))
        handle.reset()
        yield handle
