"""rpa.browser.session against a small login site served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from rpa.browser.evidence import item_evidence, prune_traces, take_screenshot
from rpa.browser.session import BrowserSession, launch_chromium
from rpa.errors import BrowserMissing
from rpa.settings import DEBIAN_CHROMIUM, DEBIAN_HEADLESS_SHELL, Settings

LOGIN_PAGE = """<!doctype html><meta charset="utf-8"><title>登录</title>
<form method="post" action="/login">
  <label for="code">操作员代码</label><input id="code" name="userCode">
  <label for="pwd">密码</label><input id="pwd" name="userPwd" type="password">
  <input type="submit" value="登录">
</form>"""
ENTRY_PAGE = """<!doctype html><meta charset="utf-8"><title>录入</title>
<p class="msg">{message}</p>
<p>证件号码 <span class="idno" style="display:inline-block;width:240px;background:#000;color:#fff">
110101199003071234</span></p>
<img src="/pixel.png" alt="logo">
<form method="post" action="/entry">
  <label for="note">备注</label><input id="note" name="note"><button type="submit">保存</button>
</form>"""
# a real 1x1 PNG, so an unblocked image request really loads
PIXEL = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
MASK_MAGENTA = (255, 0, 255)


class _Handler(BaseHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path == "/login":
            self._send(200, LOGIN_PAGE.encode())
        elif self.path.startswith("/entry"):
            message = "已保存" if "saved" in self.path else "请录入"
            self._send(200, ENTRY_PAGE.format(message=message).encode())
        elif self.path == "/pixel.png":
            self._send(200, PIXEL, "image/png")
        else:
            self._send(404)

    def do_POST(self) -> None:
        self.requests.append(self.path)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(303, location="/entry?saved=1" if self.path == "/entry" else "/entry")


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[str, list[str]]]:
    """The login site's base URL and the list of paths it was asked for."""
    requests: list[str] = []
    handler = type("Handler", (_Handler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()
    thread.join()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _login(page: Any, base: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("操作员代码").fill("OP0001")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/entry")


def _save_note(page: Any, note: str) -> None:
    page.get_by_label("备注").fill(note)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/entry?saved=1")


# A worker process's whole life: its own Playwright, Chromium and context. It runs in a child
# process because Playwright's sync API allows one instance per thread, and the test session
# already holds one for the shared `browser` fixture.
_WORKER_SCRIPT = """
import json, sys
from pathlib import Path
from rpa.browser.session import BrowserSession
from rpa.settings import Settings

base, folder = sys.argv[1], Path(sys.argv[2])
with BrowserSession(Settings(timezone="Asia/Shanghai", block_resources=["image", "media", "font"]),
                    evidence_dir=folder / "evidence",
                    trace_dir=folder / "traces") as session:
    page = session.new_page()
    failed = []
    page.on("requestfailed", lambda request: failed.append([request.url, request.failure]))
    page.goto(base + "/entry", wait_until="load")
    print(json.dumps({
        "own_playwright": session.playwright is not None,
        "failed": failed,
        "language": page.evaluate("navigator.language"),
        "timezone": page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone"),
    }))
"""


@pytest.mark.browser
def test_worker_session_blocks_images_and_sets_locale(tmp_path: Path, site: tuple[str, list[str]]) -> None:
    base, requests = site
    requests.clear()
    done = subprocess.run(
        [sys.executable, "-c", _WORKER_SCRIPT, base, str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False, cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["own_playwright"] is True
    assert "/entry" in requests and "/pixel.png" not in requests
    [[url, failure]] = seen["failed"]
    assert url == f"{base}/pixel.png" and failure.startswith("net::ERR_BLOCKED_BY_CLIENT")
    assert seen["language"] == "zh-CN" and seen["timezone"] == "Asia/Shanghai"
    assert _mode(tmp_path / "evidence") == 0o700 and _mode(tmp_path / "traces") == 0o700


@pytest.mark.browser
def test_image_loads_when_blocking_is_off(tmp_path: Path, site: tuple[str, list[str]], browser: Any) -> None:
    """Blocking is off by default (routing every request would turn off the HTTP cache)."""
    base, requests = site
    assert Settings().block_resources == []
    with BrowserSession(
        Settings(), evidence_dir=tmp_path / "e", trace_dir=tmp_path / "t", browser=browser
    ) as session:
        page = session.new_page()
        requests.clear()
        page.goto(f"{base}/entry")
        assert page.locator("img").evaluate("img => img.complete && img.naturalWidth") == 1
        assert "/pixel.png" in requests
    assert browser.is_connected()  # a borrowed browser stays open


def test_unstartable_chromium_is_browser_missing(tmp_path: Path, playwright_instance: Any) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(BrowserMissing, match="apt-get install chromium") as caught:
        launch_chromium(playwright_instance, Settings(chromium_path=fake))
    assert str(fake) in str(caught.value)
    with pytest.raises(ValueError, match="不是可执行文件"):  # refused with the settings, before any run
        Settings(chromium_path=tmp_path / "absent")
    settings = Settings(chromium_path=fake)
    fake.unlink()  # gone after the settings were read: the launch still says so
    with pytest.raises(BrowserMissing, match=r"RPA_CHROMIUM_PATH 指向的 .* 不存在"):
        launch_chromium(playwright_instance, settings)


def test_headless_runs_use_the_headless_shell_and_headed_ones_the_full_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RPA_CHROMIUM_PATH", raising=False)
    if not DEBIAN_HEADLESS_SHELL.exists():
        pytest.fail(f"{DEBIAN_HEADLESS_SHELL} is missing: scripts/bootstrap.sh installs it")
    assert Settings().chromium_executable() == DEBIAN_HEADLESS_SHELL
    assert Settings(headless=False).chromium_executable() == DEBIAN_CHROMIUM
    monkeypatch.setattr("rpa.settings.DEBIAN_HEADLESS_SHELL", Path("/nonexistent/headless-shell"))
    assert Settings().chromium_executable() == DEBIAN_CHROMIUM  # without the shell: the full browser


@pytest.mark.browser
def test_failure_keeps_masked_screenshot_and_trace(
    tmp_path: Path, site: tuple[str, list[str]], browser: Any
) -> None:
    base, _ = site
    evidence_dir, trace_dir = tmp_path / "evidence", tmp_path / "traces"
    session = BrowserSession(
        Settings(trace_items="always"), evidence_dir=evidence_dir, trace_dir=trace_dir, browser=browser
    )
    with session:
        page = session.new_page()
        page.goto(f"{base}/entry")
        with item_evidence(session, page, "ref-ok", attempt=1) as ok:
            _save_note(page, "fine")
        assert ok.screenshot is None and ok.trace is None and list(trace_dir.iterdir()) == []

        id_number = page.locator(".idno")
        with pytest.raises(RuntimeError, match="item broke"), item_evidence(
            session, page, "ref-bad", attempt=1, mask=[id_number]
        ) as bad:
            page.get_by_label("备注").fill("will fail")
            raise RuntimeError("item broke")
        assert bad.screenshot == evidence_dir / "ref-bad-failure.png"
        assert bad.trace == trace_dir / "ref-bad.trace.zip"
        assert _mode(bad.screenshot) == 0o600 and _mode(bad.trace) == 0o600
        with zipfile.ZipFile(bad.trace) as archive:
            assert archive.testzip() is None

        box = id_number.bounding_box()
        assert box is not None
        centre = (int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2))
        with Image.open(bad.screenshot) as masked, Image.open(io.BytesIO(page.screenshot())) as plain:
            assert masked.convert("RGB").getpixel(centre) == MASK_MAGENTA
            assert plain.convert("RGB").getpixel(centre) != MASK_MAGENTA

        again = take_screenshot(page, evidence_dir / "receipt.png")
        assert _mode(again) == 0o600 and again.read_bytes().startswith(b"\x89PNG")
        with pytest.raises(ValueError, match="plain file stem"):
            session.start_item_trace(attempt=1)
            session.end_item_trace(keep_as="../6222020200112233445")
        with pytest.raises(ValueError, match="plain file stem"), item_evidence(
            session, page, "../x", attempt=1
        ):
            pass

        # a crashed page leaves no screenshot, but the item's own error and its trace survive
        doomed = session.new_page()
        with pytest.raises(RuntimeError, match="page crashed"), item_evidence(
            session, doomed, "ref-crash", attempt=1
        ) as crashed:
            doomed.goto(f"{base}/entry")
            doomed.close()
            raise RuntimeError("page crashed")
        assert crashed.screenshot is None and crashed.trace == trace_dir / "ref-crash.trace.zip"


@pytest.mark.browser
def test_password_never_reaches_a_trace(tmp_path: Path, site: tuple[str, list[str]], browser: Any) -> None:
    """Log in, trace items, log in again, fail an item: the kept trace has the item, not the password."""
    base, _ = site
    first_password, second_password = "PwLoginFirst7f3a9c", "PwLoginAgain0b62e4"
    trace_dir = tmp_path / "traces"
    with BrowserSession(Settings(trace_items="always"), evidence_dir=tmp_path / "evidence",
                        trace_dir=trace_dir, browser=browser) as session:
        page = session.new_page()
        with session.login_window():
            _login(page, base, first_password)
        with item_evidence(session, page, "item-a", attempt=1):
            _save_note(page, "NoteOfItemA4411")
        # the session was lost mid-item: the running trace is dropped before logging in again
        session.start_item_trace(attempt=1)
        with session.login_window():
            with pytest.raises(RuntimeError, match="during a login"):
                session.start_item_trace(attempt=1)
            _login(page, base, second_password)
        assert session.end_item_trace(keep_as="item-lost") is None
        with pytest.raises(RuntimeError), item_evidence(session, page, "item-b", attempt=1) as failed:
            _save_note(page, "NoteOfItemB9923")
            raise RuntimeError("the portal said no")

    assert failed.trace is not None
    assert sorted(p.name for p in trace_dir.iterdir()) == ["item-b.trace.zip"]
    with zipfile.ZipFile(failed.trace) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert len(contents) > 2

    def holding(text: str) -> list[str]:
        return [name for name, data in contents.items() if text.encode() in data]

    assert holding(first_password) == []
    assert holding(second_password) == []
    assert holding("NoteOfItemA4411") == []  # an earlier item's data does not leak into this trace
    assert "trace.trace" in holding("NoteOfItemB9923")  # the trace does record what was typed


@pytest.mark.browser
def test_default_traces_only_retries(tmp_path: Path, site: tuple[str, list[str]], browser: Any) -> None:
    """By default a first attempt is not recorded (its failure keeps a screenshot only); a retry
    is, and keeps its trace when it fails too. "off" records nothing."""
    base, _ = site
    trace_dir = tmp_path / "traces"
    with BrowserSession(Settings(), evidence_dir=tmp_path / "evidence", trace_dir=trace_dir,
                        browser=browser) as session:
        page = session.new_page()
        page.goto(f"{base}/entry")
        assert not session.wants_trace(1) and session.wants_trace(2)
        with pytest.raises(RuntimeError), item_evidence(session, page, "first", attempt=1) as first:
            raise RuntimeError("first attempt failed")
        with pytest.raises(RuntimeError), item_evidence(session, page, "second", attempt=2) as second:
            raise RuntimeError("the retry failed too")
    assert first.screenshot is not None and first.trace is None
    assert second.screenshot is not None and second.trace == trace_dir / "second.trace.zip"
    assert sorted(p.name for p in trace_dir.iterdir()) == ["second.trace.zip"]
    off = BrowserSession(Settings(trace_items="off"), evidence_dir=tmp_path / "e", trace_dir=tmp_path / "t")
    assert not off.wants_trace(1) and not off.wants_trace(5)


@pytest.mark.browser
def test_a_trace_begun_on_a_crashed_page_does_not_block_the_next_items_traces(
    tmp_path: Path, browser: Any
) -> None:
    """A page that crashed (a full disk, too little memory) fails the trace's start, which
    Chromium may count as begun: every later item's start said "Tracing has been already
    started" even on a new page, until the item failed for good."""
    with BrowserSession(Settings(trace_items="always"), evidence_dir=tmp_path / "evidence",
                        trace_dir=tmp_path / "traces", browser=browser) as session:
        crashed = session.new_page()
        with pytest.raises(PlaywrightError):
            crashed.goto("chrome://crash", timeout=5000)
        with pytest.raises(PlaywrightError, match="crashed"):
            session.start_item_trace(attempt=1)
        crashed.close()
        page = session.new_page()  # as the bot opens one to log in again
        page.set_content("<p>next item</p>")
        session.start_item_trace(attempt=1)
        assert session.end_item_trace(keep_as="next") == tmp_path / "traces" / "next.trace.zip"


def test_prune_traces_by_age_and_size(tmp_path: Path) -> None:
    now = time.time()

    def trace(name: str, size: int, age_days: float) -> Path:
        path = tmp_path / "run" / "traces" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        os.utime(path, (now - age_days * 86_400, now - age_days * 86_400))
        return path

    newest = trace("newest.trace.zip", 600, 0)
    middle = trace("middle.trace.zip", 300, 1)
    oldest = trace("oldest.trace.zip", 300, 2)
    expired = trace("expired.trace.zip", 10, 30)
    other = trace("notes.txt", 10, 30)

    assert prune_traces(tmp_path, max_bytes=1000, max_age_days=14) == 2
    assert newest.exists() and middle.exists() and other.exists()
    assert not oldest.exists() and not expired.exists()
    # one trace over the cap on its own is still kept: it is the latest failure
    assert prune_traces(tmp_path, max_bytes=100, max_age_days=14) == 1
    assert newest.exists() and not middle.exists()
