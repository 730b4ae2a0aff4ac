"""The mock AMS as the chaos suite torments it: the fault knobs, and session expiries on a timer.

    ams.set_faults(**chaos_faults(jitter_ms=150))
    with SessionExpiry(ams, every=7.0):      # every live session ends every 7 s
        ...
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from tests.plugins.portals import AmsHandle

SUBMITS = ["/ams/acctOpenSubmit.do", "/ams/acctChangeSubmit.do", "/ams/acctCloseSubmit.do"]


def chaos_faults(*, seed: int = 22, jitter_ms: int = 150, error_rate: float = 0.02,
                 commit_fail_rate: float = 0.05) -> dict[str, Any]:
    """500s on every AMS page, answers lost after the commit (a 502, or a short hang then a
    502), latency jitter on every page."""
    return {
        "seed": seed,
        "latency_ms": 10,
        "latency_jitter_ms": jitter_ms,
        "error_rate": error_rate,
        "error_paths": ["/ams/*"],
        "commit_fail_rate": commit_fail_rate,
        "commit_fail_paths": SUBMITS,
        "commit_fail_mode": "mixed",
        "commit_fail_hang_seconds": 3,
    }


class SessionExpiry(threading.Thread):
    """Every `every` seconds every live AMS session expires (the next page says 用户登录信息失效)."""

    def __init__(self, ams: AmsHandle, *, every: float, seed: int = 22) -> None:
        super().__init__(name="session-expiry", daemon=True)
        self.ams, self.every, self.seed = ams, every, seed
        self.done = threading.Event()
        self.rounds = 0
        self.errors: list[str] = []

    def _merge(self, **knobs: Any) -> None:
        # each change re-seeds the portal's dice: a new seed, or the same faults come again
        self.seed += 1
        self.ams.admin.post("/_admin/faults", params={"merge": "true"},
                            json={**knobs, "seed": self.seed}).raise_for_status()

    def run(self) -> None:
        while not self.done.wait(self.every):
            try:
                self._merge(session_idle_seconds=0.05)  # every live session is older than that
                self.done.wait(1.0)  # each worker's next page meets it
                self._merge(session_idle_seconds=None)
                self.rounds += 1
            except Exception as exc:
                self.errors.append(repr(exc))

    def __enter__(self) -> SessionExpiry:
        self.start()
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.done.set()
        self.join(timeout=30)
