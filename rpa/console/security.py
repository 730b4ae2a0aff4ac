"""Console sessions, CSRF tokens and the login rate limit, kept in the console's process.

    sessions = Sessions(idle=timedelta(minutes=30))
    token = sessions.open(user)                 # the cookie's value after a good login
    session = sessions.get(token)               # None when unknown or idle too long
    session.csrf                                # the token every form of that session carries

A session ends after `idle` without a request; a restart of the console logs everyone out.
`LoginLimiter` counts failed logins per user name and per address over a window: past the limit
a login is refused without checking the password, until the oldest failure leaves the window.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rpa.console.users import ConsoleUser

COOKIE = "rpa_console"
LOGIN_COOKIE = "rpa_console_login"  # the login form's own CSRF token (no session yet)
CSRF_FIELD = "csrf_token"
LOGIN_WINDOW = timedelta(minutes=15)
ADDRESS_FACTOR = 5  # an address may fail this many times the per-user limit (several clerks, one PC)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Session:
    user: ConsoleUser
    csrf: str
    last_seen: datetime
    notice: str = ""  # what the last action did, shown once on the next page


@dataclass
class Sessions:
    idle: timedelta
    clock: Callable[[], datetime] = _now
    _open: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, user: ConsoleUser) -> str:
        token = new_token()
        with self._lock:
            self._open[token] = Session(user, new_token(), self.clock())
        return token

    def get(self, token: str | None) -> Session | None:
        """The live session of `token`, its inactivity clock restarted; None when there is none
        or it was idle longer than `idle` (then it is gone)."""
        if not token:
            return None
        now = self.clock()
        with self._lock:
            session = self._open.get(token)
            if session is None:
                return None
            if now - session.last_seen > self.idle:
                del self._open[token]
                return None
            session.last_seen = now
            return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._open.pop(token or "", None)


@dataclass
class LoginLimiter:
    per_user: int
    window: timedelta = LOGIN_WINDOW
    clock: Callable[[], datetime] = _now
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str) -> deque[datetime]:
        found = self._failures.setdefault(key, deque())
        while found and self.clock() - found[0] > self.window:
            found.popleft()
        return found

    def blocked(self, name: str, address: str) -> bool:
        with self._lock:
            return (len(self._recent(f"user:{name.strip().lower()}")) >= self.per_user
                    or len(self._recent(f"addr:{address}")) >= self.per_user * ADDRESS_FACTOR)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent(f"user:{name.strip().lower()}").append(now)
            self._recent(f"addr:{address}").append(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{name.strip().lower()}", None)
