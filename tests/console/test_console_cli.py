"""`rpa console add-user` and the bind-address warning (issue #21)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rpa.console.serve import bind_warning
from rpa.console.users import ConsoleUsers
from rpa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _add_user(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rpa", "console", "add-user", *args], input=stdin,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.timeout(120)
def test_add_user_reads_the_password_from_stdin_stores_only_a_hash_and_never_prints_it(
    isolated_settings: Path,
) -> None:
    done = _add_user("chen.jb", "--role", "复核", stdin="Ledger-Twelve-12\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "已创建用户 chen.jb（复核）"
    assert "Ledger-Twelve-12" not in done.stdout + done.stderr
    users = ConsoleUsers.from_settings(Settings())
    assert users.authenticate("chen.jb", "Ledger-Twelve-12").role.value == "checker"  # type: ignore[union-attr]
    assert users.authenticate("chen.jb", "ledger-twelve-12") is None
    assert b"Ledger-Twelve-12" not in (isolated_settings / "queue.db").read_bytes()
    again = _add_user("chen.jb", "--role", "admin", stdin="Another-Password-1\n")
    assert again.returncode == 2 and "已存在" in again.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("args", "stdin", "words"), [
    (("zhou.jb", "--role", "boss"), "Ledger-Twelve-12\n", "角色 'boss' 不存在"),
    (("zhou.jb", "--role", "operator"), "short\n", "密码太短"),
    (("zhou.jb", "--role", "operator"), "", "标准输入中没有密码"),
    (("周经办", "--role", "operator"), "Ledger-Twelve-12\n", "用户名"),
])
def test_add_user_refuses_bad_input_with_one_chinese_line(isolated_settings: Path, args: tuple[str, ...],
                                                          stdin: str, words: str) -> None:
    done = _add_user(*args, stdin=stdin)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr


def test_a_bind_address_other_than_loopback_is_warned_about() -> None:
    assert bind_warning("127.0.0.1") is None
    assert bind_warning("::1") is None
    assert bind_warning("localhost") is None
    for host in ("0.0.0.0", "10.12.0.5", "console.branch.local"):
        warning = bind_warning(host)
        assert warning is not None and host in warning and "RPA_CONSOLE_HOST" in warning


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("trusted", "seen"), [("", "127.0.0.1"), ("127.0.0.1", "10.9.9.9")])
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    monkeypatch: pytest.MonkeyPatch, trusted: str, seen: str
) -> None:
    """Tester W's B3: a login sent from the console's host with X-Forwarded-For: 10.9.9.9 was
    recorded from 10.9.9.9, and rotating the header escaped the per-address login limit. The
    console's uvicorn (`proxy_options`) reads the header only from RPA_CONSOLE_TRUSTED_PROXIES."""
    import threading
    import time

    import httpx
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from rpa.console.serve import proxy_options

    async def client(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.client.host if request.client else "?")

    monkeypatch.setenv("RPA_CONSOLE_TRUSTED_PROXIES", trusted)
    config = uvicorn.Config(Starlette(routes=[Route("/", client)]), host="127.0.0.1", port=0,
                            log_config=None, lifespan="off", **proxy_options(Settings()))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "10.9.9.9"})
    finally:
        server.should_exit = True
        thread.join(10)
    assert answer.text == seen
