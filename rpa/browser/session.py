"""Browser: Debian's Chromium under Playwright's sync API, one context per worker process.

    with BrowserSession(settings, evidence_dir=run / "evidence", trace_dir=run / "traces") as session:
        page = session.new_page()
        with session.login_window():
            bot.login()
        with item_evidence(session, page, item_ref, attempt=item.attempts, mask=[bot.id_number_field]):
            bot.submit_filing(record)           # rpa.browser.evidence: failure screenshot and trace

Traces record typed values and request bodies and cannot be masked. So each item's trace is a
tracing session of its own (`start` ... `stop`), begun only after the login and discarded unless
the item fails. Which attempts are traced at all is `settings.trace_items` (by default the
retries: recording costs about a tenth of every traced item, and a first failure already leaves
its screenshot). Chunks of one long tracing session are not enough: Playwright copies the whole
network log since `tracing.start()` into every chunk, so a later chunk would carry earlier
items' form posts and any login made between chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from loguru import logger
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from rpa.browser.evidence_files import TRACE_SUFFIX, is_plain_stem, private_dir, prune_traces, unique_path
from rpa.errors import BrowserMissing, ConfigError
from rpa.settings import Settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
_MIB = 1024 * 1024


def chromium_launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `playwright.chromium.launch()`."""
    return {
        "executable_path": str(settings.chromium_executable()),
        "headless": settings.headless,
        "args": list(CHROMIUM_ARGS),
    }


def chromium_context_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `browser.new_context()`: locale, time zone, proxy, client certificate."""
    options: dict[str, Any] = {
        "locale": "zh-CN",
        "timezone_id": settings.timezone,
        "accept_downloads": True,
    }
    if settings.proxy_server:
        proxy: dict[str, str] = {"server": settings.proxy_server}
        if settings.proxy_username:
            proxy["username"] = settings.proxy_username
        if settings.proxy_password is not None:
            proxy["password"] = settings.proxy_password.get_secret_value()
        options["proxy"] = proxy
    if settings.client_cert_origin:
        if settings.client_cert_path is None or settings.client_key_path is None:
            raise ConfigError(
                "设置了 RPA_CLIENT_CERT_ORIGIN 还须设置 RPA_CLIENT_CERT_PATH 和 RPA_CLIENT_KEY_PATH"
            )
        cert: dict[str, str] = {
            "origin": settings.client_cert_origin,
            "certPath": str(settings.client_cert_path),
            "keyPath": str(settings.client_key_path),
        }
        if settings.client_cert_passphrase is not None:
            cert["passphrase"] = settings.client_cert_passphrase.get_secret_value()
        options["client_certificates"] = [cert]
    return options


def launch_chromium(playwright: Playwright, settings: Settings) -> Browser:
    """Launch the system Chromium; a Chromium that is missing or will not start is BrowserMissing."""
    options = chromium_launch_options(settings)
    try:
        return playwright.chromium.launch(**options)
    except PlaywrightError as exc:
        reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), "no reason given")
        raise BrowserMissing(
            f"{options['executable_path']} 的 Chromium 无法启动（{reason}）："
            "请安装 Debian 的软件包（apt-get install chromium），或用 RPA_CHROMIUM_PATH 指向可用的 Chromium"
        ) from None


def wait_until_attached(locator: Locator, timeout_ms: float) -> bool:
    """Wait for the locator's first match to be in the DOM; False when the time runs out."""
    try:
        locator.first.wait_for(state="attached", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return False
    return True


class BrowserSession:
    """One worker's Playwright, Chromium and single context; use it as a context manager.

    `browser` lets tests share one Chromium: the session then closes only its own context.
    `block` overrides `settings.block_resources` (resource types such as image, media, font).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        evidence_dir: Path,
        trace_dir: Path,
        block: Sequence[str] | None = None,
        record_traces: bool = True,
        browser: Browser | None = None,
    ) -> None:
        self.settings = settings
        self.evidence_dir = evidence_dir
        self.trace_dir = trace_dir
        self.record_traces = record_traces
        self._block = frozenset(settings.block_resources if block is None else block)
        self._given_browser = browser
        self._playwright: Playwright | None = None
        self._browser: Browser | None = browser
        self._context: BrowserContext | None = None
        self._tracing = False
        self._in_login = False

    def __enter__(self) -> BrowserSession:
        private_dir(self.evidence_dir)
        private_dir(self.trace_dir)
        try:
            if self._given_browser is None:
                self._playwright = sync_playwright().start()
                self._browser = launch_chromium(self._playwright, self.settings)
            self._context = self._new_context(self.browser)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _new_context(self, browser: Browser) -> BrowserContext:
        options = chromium_context_options(self.settings)
        if self._block:
            options["service_workers"] = "block"  # a service worker would bypass the route hook
        context = browser.new_context(**options)
        context.set_default_timeout(self.settings.action_timeout_ms)
        context.set_default_navigation_timeout(self.settings.navigation_timeout_ms)
        if self._block:
            context.route("**/*", self._block_unneeded)
        return context

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        closers: list[Callable[[], None]] = [self._context.close] if self._context else []
        if self._given_browser is None and self._browser is not None:
            closers.append(self._browser.close)
        if self._playwright is not None:
            closers.append(self._playwright.stop)
        for close in closers:
            try:
                close()
            except PlaywrightError as error:
                logger.warning("关闭浏览器失败：{}", error.message)
        self._context, self._browser, self._playwright = None, self._given_browser, None
        self._tracing = False

    def _block_unneeded(self, route: Route) -> None:
        if route.request.resource_type in self._block:
            route.abort("blockedbyclient")
        else:
            route.fallback()

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise RuntimeError("BrowserSession is not started: use it in a `with` block")
        return self._browser

    @property
    def context(self) -> BrowserContext:
        if self._context is None:
            raise RuntimeError("BrowserSession is not started: use it in a `with` block")
        return self._context

    @property
    def playwright(self) -> Playwright | None:
        """The session's own Playwright; None when it was given a browser."""
        return self._playwright

    def new_page(self) -> Page:
        return self.context.new_page()

    @contextmanager
    def login_window(self) -> Iterator[None]:
        """Wrap every login (and re-login) in this: a running item trace is discarded first,
        and no trace may start inside, so no trace ever holds a password."""
        self._discard_trace()
        self._in_login = True
        try:
            yield
        finally:
            self._in_login = False

    def wants_trace(self, attempt: int) -> bool:
        """Whether this attempt of an item is recorded (`settings.trace_items`)."""
        mode = self.settings.trace_items
        return self.record_traces and (mode == "always" or (mode == "retries" and attempt > 1))

    def start_item_trace(self, *, attempt: int) -> None:
        """Begin recording one item's `attempt` (if `wants_trace`). Only ever after the login
        (see `login_window`)."""
        if not self.wants_trace(attempt):
            return
        if self._in_login:
            raise RuntimeError("an item trace cannot start during a login")
        self._discard_trace()
        try:
            self.context.tracing.start(snapshots=True, screenshots=False, sources=False)
        except PlaywrightError:
            # a crashed page may leave tracing begun: stopped now, or every later item's start
            # would fail with "Tracing has been already started"
            self._stop_quietly()
            raise
        self._tracing = True

    def end_item_trace(self, *, keep_as: str | None) -> Path | None:
        """Stop the item's trace: keep it as `trace_dir/<keep_as>.trace.zip` (0600), or discard it.

        `keep_as` is a file stem such as an item_ref, never an account number.
        """
        if not self._tracing:
            return None
        if keep_as is None:
            self._discard_trace()
            return None
        if not is_plain_stem(keep_as):
            self._discard_trace()
            raise ValueError("keep_as must be a plain file stem (letters, digits, - _ .)")
        path = unique_path(private_dir(self.trace_dir), keep_as, TRACE_SUFFIX)
        self._tracing = False
        self.context.tracing.stop(path=path)
        path.chmod(0o600)
        prune_traces(
            self.trace_dir,
            max_bytes=self.settings.trace_max_mb * _MIB,
            max_age_days=self.settings.trace_retention_days,
        )
        return path

    def _discard_trace(self) -> None:
        if self._tracing:
            self._tracing = False
            self.context.tracing.stop()

    def _stop_quietly(self) -> None:
        with suppress(PlaywrightError):  # not begun after all, or the context is gone
            self.context.tracing.stop()
