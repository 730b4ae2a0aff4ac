"""A worker's logged-in page on one portal: the part of `Flow.open_worker` every portal flow
needs around its items, so that the flow's own code says only what it does with each item.

    with portal_worker(wctx, "enterprise_check", "企业信息联网核查系统", audit_prefix="check.") as work:
        login, query = LoginPage(work.page, work.selectors), QueryPage(work.page, work.selectors)
        work.log_in(lambda code, password: login.log_in(url, code, password),
                    log_out=lambda: query.log_out(url))

        def handle(item: WorkItem) -> dict[str, Any]:
            with work.evidence(item) as ref:
                work.with_relogin(lambda: query.check(url, ...), item)  # SessionLost: retried by the queue
                shot = work.screenshot(ref)
            ...

        yield handle

What it does for the flow:

- one `BrowserSession` (evidence and traces in the run folder) and its first page, `page`;
- `selectors`: the portal's `selectors/<portal>.yaml`, for the flow's page objects;
- `log_in(log_in, log_out=...)`: the worker's operator logs in inside the session's login window
  (no trace ever holds the password), recorded in the audit as `<prefix>login`, the operator
  masked; a refusal (LoginRefused) goes up as it is: it is run-fatal and never tried again;
- `with_relogin(step, item)`: runs a step; when the portal says the session is gone
  (SessionLost) it logs in again once, records `<prefix>relogin` with the reason, and lets the
  SessionLost go up: the item goes back to the queue, whose backoff is the only retry
  (`rpa.errors.outcome_for`), and the next attempt finds the worker logged in;
- `screenshot(ref, mask, personal)`: the page as the item's evidence, the selectors' personal
  elements and the row's personal values masked;
- `evidence(item)`: the item's attempt traced, and a screenshot and the trace kept when it fails
  (`rpa.browser.evidence.item_evidence`; every element showing one of the item's personal values
  masked, whatever page it failed on), named by the item's keyed hash, which it yields;
- at the end, after an error or a stop request too: log out when logged in, freeing the
  operator's one session; a failure to log out is only a warning in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from rpa.errors import ApplicationError, ConfigError, RpaError, SessionLost
from rpa.masking import item_ref, mask_tail, personal_values

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

    from rpa.browser.selectors import PortalSelectors
    from rpa.browser.session import BrowserSession
    from rpa.queue.work_queue import WorkItem
    from rpa.run.flow import WorkerContext
    from rpa.settings import OperatorCredential

T = TypeVar("T")
LogIn = Callable[[str, str], None]  # (operator code, password)


class PortalWorker:
    """One worker's browser page on a portal, logged in as the worker's operator."""

    def __init__(self, wctx: WorkerContext, session: BrowserSession, operator: OperatorCredential,
                 portal: str, system: str, audit_prefix: str) -> None:
        self.wctx, self.session, self.operator = wctx, session, operator
        self.portal, self.system, self.audit_prefix = portal, system, audit_prefix
        self.page: Page = session.new_page()
        self._log_in: LogIn | None = None
        self._log_out: Callable[[], None] | None = None

    @cached_property
    def selectors(self) -> PortalSelectors:
        """The portal's `selectors/<portal>.yaml`, read once (checked before any worker started,
        `rpa.run.preflight`, so a broken file never gets this far)."""
        from rpa.browser.selectors import load_selectors

        return load_selectors(self.portal, self.wctx.settings.selectors_dir)

    def log_in(self, log_in: LogIn | None = None, *, log_out: Callable[[], None] | None = None) -> None:
        """Log in (the first time, with the flow's `log_in(code, password)` and `log_out()`)
        inside the login window, and record it in the audit."""
        if log_in is not None:
            self._log_in = log_in
        if self._log_in is None:
            raise RuntimeError("PortalWorker.log_in: the first call names how to log in")
        with self.session.login_window():  # no trace may hold the password
            self._log_in(self.operator.code, self.operator.password.get_secret_value())
        if log_out is not None:  # logged in: from now on the end logs out
            self._log_out = log_out
        self.wctx.record(f"{self.audit_prefix}login", None, operator=mask_tail(self.operator.code))

    def with_relogin(self, step: Callable[[], T], item: WorkItem | None = None) -> T:
        """`step()`; when the session was lost, one new login for the attempts to come, and the
        SessionLost goes up so that the queue retries the item (never a retry loop here)."""
        try:
            return step()
        except SessionLost as lost:
            self.wctx.log.info(f"{self.system}：{lost}；重新登录，本项稍后重试")
            self.log_in()
            self.wctx.record(f"{self.audit_prefix}relogin", item, reason=lost.code)
            raise

    def ref(self, item: WorkItem) -> str:
        """The item's keyed hash: what its evidence files are named by (never an account)."""
        return item_ref(item.key, self.wctx.settings.audit_key_bytes())

    @contextmanager
    def evidence(self, item: WorkItem, mask: Sequence[Locator] | Callable[[], Sequence[Locator]] = ()
                 ) -> Iterator[str]:
        """Trace the item's attempt; on a failure keep a screenshot (`mask` boxed, and the
        item's personal values wherever the page shows them) and the trace."""
        from rpa.browser.evidence import item_evidence

        ref = self.ref(item)
        personal = personal_values(item.payload, self.wctx.payload_not_personal)
        with item_evidence(self.session, self.page, ref, attempt=item.attempts, mask=mask, personal=personal):
            yield ref

    def screenshot(self, ref: str, mask: Sequence[Locator] = (), personal: Sequence[str] = ()) -> str:
        """The page now, as the item's evidence `evidence/<ref>.png`; its path in the run folder.
        Masked: the elements the portal's selectors mark `personal: true`, `mask`, and `personal`:
        values that are a person's on this row alone (a 无字号个体工商户's name, its owner's),
        wherever the page shows them (`rpa.browser.text_masks`); a page that changed meanwhile
        keeps no screenshot, and the item is tried again (ApplicationError)."""
        from rpa.browser.evidence import personal_masks, take_screenshot
        from rpa.browser.text_masks import PageChanged, text_masks

        shot, marked = self.wctx.evidence_dir / f"{ref}.png", personal_masks(self.selectors, self.page)
        try:
            with text_masks(self.page, personal, timeout_ms=self.wctx.settings.action_timeout_ms) as by_value:
                take_screenshot(self.page, shot, mask=[*marked, *mask, *by_value])
        except PageChanged:
            shot.unlink(missing_ok=True)
            raise ApplicationError(f"{self.system}: the page changed while it was masked",
                                   code="evidence_unmasked") from None
        return str(shot.relative_to(self.wctx.folder))

    def log_out(self) -> None:
        """Log out if ever logged in; a failure only warns (the portal ends the session itself)."""
        if self._log_out is None:
            return
        try:
            self._log_out()
        except RpaError as error:
            self.wctx.log.warning(f"退出{self.system}失败（会话将由系统超时结束）：{error}")


@contextmanager
def portal_worker(wctx: WorkerContext, portal: str, system: str, *, audit_prefix: str = "",
                  browser: Browser | None = None) -> Iterator[PortalWorker]:
    """A browser session and page for `portal` (`system`: its name in Chinese), logged out at the
    end when the flow logged in; ConfigError when the worker has no operator for it. `browser`:
    a Chromium already running in this process (tests share one), else the session starts its own."""
    from rpa.browser.session import BrowserSession
    from rpa.run.flow import OPERATOR_SETTINGS

    if wctx.operator is None:
        setting = f"RPA_{OPERATOR_SETTINGS.get(portal, portal.upper())}_OPERATORS"
        raise ConfigError(f"{system}需要一个操作员：请在 {setting} 中配置")
    with BrowserSession(wctx.settings, evidence_dir=wctx.evidence_dir, trace_dir=wctx.trace_dir,
                        browser=browser) as session:
        work = PortalWorker(wctx, session, wctx.operator, portal, system, audit_prefix)
        try:
            yield work
        finally:  # at the end, on a stop request and after a run-fatal error alike
            work.log_out()
