"""The console's security (issue #21): signing in, anonymous visitors sent to the login page,
CSRF tokens, the login rate limit, cookie flags, idle sessions and the audit record of logins.
Real Chromium against the console served in the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from rpa.audit.log import AuditLog
from rpa.console.roles import Role
from rpa.console.security import LoginLimiter, Sessions
from rpa.console.users import ConsoleUser
from tests.console.conftest import Console, shoot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_login_lands_on_the_home_page_with_a_strict_httponly_cookie(console: Console, screen: Any) -> None:
    screen.goto(console.url + "/login")
    shoot(screen, "01-登录")
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    assert screen.get_by_text("wang.jb（经办）").is_visible()
    cookie = next(c for c in screen.context.cookies() if c["name"] == "rpa_console")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http in the test; Secure is set over TLS
    events = AuditLog.from_settings(console.settings).events(None)
    assert any(e.event == "console.login" and e.actor == "console:wang.jb" for e in events)


def test_a_wrong_password_is_refused_in_chinese_and_recorded(console: Console, screen: Any) -> None:
    console.login(screen, "wang.jb", "not-the-password")
    assert screen.get_by_role("alert").inner_text() == "用户名或密码不正确"
    console.login(screen, "Typo-Secret-ZQ7pw", "x")  # a password typed into the user box
    events = AuditLog.from_settings(console.settings).events(None)
    failed = [e.details.get("user") for e in events if e.event == "console.login_failed"]
    assert failed == ["wang.jb", "T****************"], failed  # tester U's U7: an unknown name masked


SAMPLE_PARAMS = {"{run_id}": "20261201-090000-account_filing-abc123", "{name}": "result.xlsx",
                 "{job_id}": "job", "{portal}": "ams", "{index}": "0"}


def route_paths(routes: list[Any]) -> set[str]:
    """Every path of the app's routes, those of included routers too."""
    found: set[str] = set()
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:
            found |= route_paths(router.routes)
        elif hasattr(route, "methods"):
            found.add(route.path)
    return found


def test_every_route_but_the_login_page_redirects_an_anonymous_visitor(console: Console) -> None:
    paths = sorted(route_paths(console.app.routes))
    assert {"/", "/logout", "/runs/{run_id}", "/schedule", "/operators"} <= set(paths)
    with httpx.Client(base_url=console.url, follow_redirects=False) as client:
        for path in paths:
            concrete = path
            for name, value in SAMPLE_PARAMS.items():
                concrete = concrete.replace(name, value)
            for method in ("GET", "POST"):
                answer = client.request(method, concrete)
                if path == "/login":
                    assert answer.status_code in (200, 403), (method, path)
                    continue
                if answer.status_code == 405:
                    continue
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/login"), (method, path)


def test_the_login_redirect_keeps_the_page_asked_for_but_never_another_site(console: Console,
                                                                             screen: Any) -> None:
    screen.goto(console.url + "/?view=today")
    assert screen.url == console.url + "/login?next=%2F%3Fview%3Dtoday"
    screen.get_by_label("用户名").fill("zhao.sj")
    screen.get_by_label("密码").fill("Correct-Horse-9")
    screen.get_by_role("button", name="登录").click()
    screen.wait_for_url(console.url + "/?view=today")
    screen.context.clear_cookies()
    screen.goto(console.url + "/login?next=//evil.example/x")
    console.login(screen, "zhao.sj")
    screen.wait_for_url(console.url + "/")


def test_a_form_posted_without_its_csrf_token_is_refused(console: Console, screen: Any) -> None:
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    status = screen.evaluate("""async () => {
        const r = await fetch('/logout', {method: 'POST', body: new URLSearchParams({x: '1'})});
        return [r.status, await r.text()];
    }""")
    assert status[0] == 403
    assert "校验码" in status[1]
    screen.reload()  # still signed in: the refused POST did nothing
    assert screen.get_by_text("wang.jb（经办）").is_visible()
    screen.get_by_role("button", name="退出登录").click()  # the page's own form carries the token
    screen.wait_for_url(console.url + "/login")


def test_the_login_form_without_its_token_is_refused(console: Console) -> None:
    with httpx.Client(base_url=console.url) as client:
        answer = client.post("/login", data={"username": "wang.jb", "password": "Correct-Horse-9"})
    assert answer.status_code == 403
    assert "校验码" in answer.text
    assert "rpa_console" not in answer.cookies


def test_failed_logins_are_limited_per_user_even_with_the_right_password_after(console: Console,
                                                                                screen: Any) -> None:
    for _ in range(5):
        console.login(screen, "li.fh", "wrong-password!")
    console.login(screen, "li.fh")
    assert "登录失败次数过多" in screen.get_by_role("alert").inner_text()
    assert "/login" in screen.url
    console.login(screen, "wang.jb")  # another user from the same address still gets in
    screen.wait_for_url(console.url + "/")


def test_the_limiter_counts_per_address_and_forgets_after_the_window() -> None:
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    limiter = LoginLimiter(per_user=2, clock=lambda: now[0])
    for number in range(10):  # ten names, one address: the address is blocked, not the names
        limiter.failed(f"user{number}", "10.0.0.7")
    assert limiter.blocked("somebody-else", "10.0.0.7")
    assert not limiter.blocked("somebody-else", "10.0.0.8")
    now[0] += timedelta(minutes=16)
    assert not limiter.blocked("somebody-else", "10.0.0.7")


def test_a_session_ends_after_the_idle_time_and_not_while_used() -> None:
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    sessions = Sessions(idle=timedelta(minutes=30), clock=lambda: now[0])
    token = sessions.open(ConsoleUser("wang.jb", Role.OPERATOR))
    for _ in range(3):  # used every 20 minutes: stays
        now[0] += timedelta(minutes=20)
        assert sessions.get(token) is not None
    now[0] += timedelta(minutes=31)
    assert sessions.get(token) is None
    assert sessions.get(token) is None  # gone, not revived


def test_an_idle_session_sends_the_browser_back_to_login(console: Console, screen: Any) -> None:
    console.login(screen, "wang.jb")
    screen.wait_for_url(console.url + "/")
    state = console.app.state.console
    state.sessions.clock = lambda: datetime.now(UTC) + timedelta(minutes=31)
    screen.goto(console.url + "/")
    assert screen.url.startswith(console.url + "/login")


def test_cookies_are_secure_when_the_console_is_served_over_tls(isolated_settings: Any) -> None:
    """Behind TLS (both TLS files set) every cookie the console sets carries Secure."""
    import re

    from fixtures.portals.common.server import serve_in_thread
    from rpa.console.app import create_app
    from rpa.console.users import ConsoleUsers
    from rpa.settings import Settings

    settings = Settings(console_tls_cert_file="cert.pem", console_tls_key_file="key.pem")
    ConsoleUsers.from_settings(settings).add("wang.jb", Role.OPERATOR, "Correct-Horse-9")
    server = serve_in_thread(create_app(settings))  # plain http here: the flag is what is checked
    try:
        with httpx.Client(base_url=server.url) as client:
            form = client.get("/login")
            assert "secure" in form.headers["set-cookie"].lower()
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            answer = client.post("/login", data={"csrf_token": token.group(1), "username": "wang.jb",
                                                 "password": "Correct-Horse-9", "next": "/"},
                                 headers={"Cookie": f"rpa_console_login={form.cookies['rpa_console_login']}"})
    finally:
        server.stop()
    assert answer.status_code == 303
    session_cookie = next(v for k, v in answer.headers.multi_items()
                          if k == "set-cookie" and v.startswith("rpa_console="))
    assert "secure" in session_cookie.lower() and "httponly" in session_cookie.lower()
    assert "samesite=strict" in session_cookie.lower()
