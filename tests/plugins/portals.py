"""AMS mock portal fixtures: one in-process server per session, reset before every test.

def test_something(ams, page):
    page.goto(ams.login_url)
    code, password = ams.operators[0]
    ams.set_faults(error_rate=1.0, error_paths=["/ams/acctOpenSubmit.do"])
    ams.filings()[0]["submitted"]
    ams.stats()["faults"]["error_500"]
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml

from fixtures.portals.common import RunningServer, serve_in_thread


def active_operators() -> list[tuple[str, str]]:
    """(code, password) of the operators that can log in (not disabled, password not expired)."""
    from fixtures.portals.ams.store import OPERATORS_FILE

    data = yaml.safe_load(OPERATORS_FILE.read_text(encoding="utf-8"))["operators"]
    return [
        (op["code"], str(op["password"]))
        for op in data
        if op.get("status", "active") == "active" and not op.get("password_expired")
    ]


@dataclass
class AmsHandle:
    """The running AMS as a test sees it: its URL, an admin client and the active operators."""

    url: str
    admin: httpx.Client
    operators: list[tuple[str, str]]

    @property
    def login_url(self) -> str:
        return self.url + "/ams/login.do"

    def _json(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """State back to operators.yaml, faults off, stats and sessions cleared, held answers let go."""
        self._json(self.admin.post("/_admin/reset"))

    def drift_list(self, **drift: Any) -> None:
        """How 备案业务清单 drifts (`/_admin/list_drift`: remembered_biz_type, max_days,
        masked_accounts, short_accounts ...); none given: the plain list again (a reset clears it too)."""
        self._json(self.admin.post("/_admin/list_drift", json=drift))

    def drift_receipt(self, **drift: Any) -> None:
        """How the 提交结果 page drifts (`/_admin/receipt_drift`: cut_filing_no, success_words,
        refusal_words); none given: the plain page again (a reset clears it too)."""
        self._json(self.admin.post("/_admin/receipt_drift", json=drift))

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Replace the fault config (FaultConfig fields); returns it as the portal applied it."""
        result: dict[str, Any] = self._json(self.admin.post("/_admin/faults", json=knobs))
        return result

    def filings(self) -> list[dict[str, Any]]:
        """Every filing with `submitted` (and `refused`) counts, unmasked."""
        result: list[dict[str, Any]] = self._json(self.admin.get("/_admin/filings"))
        return result

    def submissions(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json(self.admin.get("/_admin/submissions"))
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json(self.admin.get("/_admin/stats"))
        return result

    def sessions(self) -> dict[str, Any]:
        """The live sessions: `{"live": N, "operators": [codes]}`."""
        result: dict[str, Any] = self._json(self.admin.get("/_admin/sessions"))
        return result

    def seed(self, records: list[dict[str, Any]]) -> list[str]:
        """File canonical records directly; returns their filing numbers."""
        result: list[str] = self._json(self.admin.post("/_admin/seed", json=records))["filing_nos"]
        return result

    def plant(self, records: list[dict[str, Any]]) -> list[str]:
        """Filings made by hand (a clerk, another branch), straight into AMS; their filing numbers."""
        result: list[str] = self._json(self.admin.post("/_admin/plant", json=records))["filing_nos"]
        return result

    def held(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._json(self.admin.get("/_admin/held"))
        return result

    def release(self, answer_id: int | None = None) -> int:
        body = {"id": answer_id} if answer_id is not None else None
        released: int = self._json(self.admin.post("/_admin/release", json=body))["released"]
        return released

    def wait_for_held(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Poll GET /_admin/held until `count` answers are held (a test's view of the hold fault)."""
        deadline = time.monotonic() + timeout
        while True:
            held = self.held()
            if len(held) >= count or time.monotonic() > deadline:
                return held
            time.sleep(0.05)


@pytest.fixture(scope="session")
def ams_server() -> Iterator[RunningServer]:
    """The AMS mock served in-process by uvicorn on a free 127.0.0.1 port, for the whole session."""
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app())
    yield server
    server.stop()


@pytest.fixture
def ams(ams_server: RunningServer) -> Iterator[AmsHandle]:
    """The session's AMS, reset (state and faults) before the test."""
    with httpx.Client(base_url=ams_server.url, timeout=30.0) as admin:
        handle = AmsHandle(ams_server.url, admin, active_operators())
        handle.reset()
        yield handle
        handle.release()
