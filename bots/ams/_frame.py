"""Moving around AMS's content frame, and reading what state the portal is in before anything
is located: a lost session, the batch window, a 500 page or a gateway error.

Nothing here repeats a step: a state of the portal is raised as the error it means (a 500 or a
gateway page PortalUnavailable, the batch window BatchWindow, a timeout PortalTimeout) and the
item goes back to the queue, whose backoff is the only retry loop (`rpa.errors`); its next
attempt starts again with the look-up. Waiting for a page or its answer to come is no retry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.ams._marks import PageMarks, PageRead
from bots.ams.messages import MessageCatalogue, MessageKind
from rpa.errors import ApplicationError, PortalTimeout, PortalUnavailable, SessionLost
from rpa.settings import Settings

if TYPE_CHECKING:
    from playwright._impl._sync_base import EventContextManager, EventInfo

    from rpa.browser.selectors import Candidate

_STATE_KINDS: tuple[MessageKind, ...] = ("session_lost", "batch_window", "retry")
_GO_TO = "url => { window.location.href = url }"
_LOGIN_URL = re.compile(r"/login\.do(\?|$)")


class PortalState:
    """Reads a content page's state from its HTTP status and its text."""

    def __init__(self, catalogue: MessageCatalogue) -> None:
        self.catalogue = catalogue

    def check(self, text: str, status: int | None, url: str, *, what: str) -> None:
        """Raise if the page is not the page asked for but a state of the portal."""
        found = self.catalogue.classify(text, kinds=_STATE_KINDS)
        if found.kind is not None:
            raise self.catalogue.error_for(found.text, context=what)
        if _LOGIN_URL.search(url):
            raise SessionLost(f"{what}：AMS 显示了登录页", code="session_lost")
        if status is not None and status >= 500:
            raise PortalUnavailable(f"{what}：AMS 应答 HTTP {status}", code=f"http_{status}")


class _Abandoned(Exception):
    """Cancels a started navigation nobody will read (see `ContentFrame.start`)."""


@dataclass(frozen=True)
class _Started:
    """A navigation set going and not yet read: what it is (a URL, or a key the caller chose
    for a button it pressed) and the wait for its answer."""

    key: str
    waiting: EventContextManager[Response]
    answer: EventInfo[Response]


class ContentFrame:
    """The `mainFrame` iframe of main.do: navigation that checks the portal's state each time.

    `start(url)` sets a GET going and returns at once (a read-only page the bot will need next,
    loading while it works elsewhere); the next `open(url)` of the same URL takes that page
    instead of asking again. `start_press(button, key)` does the same for a button that
    submits a read-only form, and `take(key)` reads its page. Any other navigation abandons it.
    """

    def __init__(
        self, page: Page, frame_css: str, settings: Settings, state: PortalState, marks: PageMarks
    ) -> None:
        self.page = page
        self.frame_css = frame_css
        self.settings = settings
        self.state = state
        self.marks = marks
        self._frame: Frame | None = None
        self._started: _Started | None = None
        self._last_read: PageRead | None = None
        self.quick = True  # clicks that submit a form skip Playwright's waits (`press`)

    def frame(self) -> Frame:
        """The iframe's Frame, found again after a login replaced the main page. A tab whose top
        page is not the main page (an error page took its place) is SessionLost: the handler
        logs in again, which opens the main page in every tab."""
        kept = self.current()
        if kept is not None:
            return kept
        try:
            handle = self.page.locator(f"css={self.frame_css}").first.element_handle(
                timeout=self.settings.action_timeout_ms
            )
        except PlaywrightTimeoutError:
            raise SessionLost("此标签页中没有显示 AMS 主页（及其内容框架）", code="main_page_gone") from None
        found = handle.content_frame()
        if found is None:
            raise ApplicationError("AMS 主页中没有内容框架", code="frame_missing")
        self._frame = found
        return found

    def settled(self) -> Frame:
        """`frame()` once its first page (the main page's welcome) has loaded: a navigation set
        going before would be cut off by it (`interrupted by another navigation`, 2026-12-07); a
        frame still blank after the action timeout is taken as it is (a portal may start it so)."""
        found = self.frame()
        with suppress(PlaywrightTimeoutError, PlaywrightError):
            found.wait_for_url(lambda url: url != "about:blank", wait_until="domcontentloaded",
                               timeout=self.settings.action_timeout_ms)
        return found

    def current(self) -> Frame | None:
        """The iframe's Frame as last found, if it is still attached; never waits."""
        if self._frame is None or self._frame.is_detached():
            return None
        return self._frame

    def open_main(self, url: str) -> None:
        """Open the portal's main page `url` in this tab, up to its content frame; a 5xx page is
        PortalUnavailable (the queue retries the item)."""
        what = "在另一个标签页打开 AMS 主页"
        self.forget()
        with browser_errors(what):
            response = self.page.goto(url, wait_until="domcontentloaded")
        status = response.status if response is not None else None
        if status is not None and status >= 500:
            raise PortalUnavailable(f"{what}：AMS 应答 HTTP {status}", code=f"http_{status}")
        self.frame()

    def forget(self) -> None:
        self.abandon()
        self._frame = None

    def text(self) -> str:
        """The page's visible text (innerText: what an operator reads); the page marks are
        counted in the same round trip (`saw`)."""
        self._last_read = self.marks.read(self.frame())
        return self._last_read.text

    def saw(self, text: str, candidate: Candidate) -> bool:
        """Whether `candidate` is a mark that matched on the page whose `text` was read last."""
        last = self._last_read
        query = candidate.page_query()
        return last is not None and last.text is text and query is not None and query in last.marked

    def start(self, url: str) -> bool:
        """Set a GET of `url` going in the frame without waiting; False if it could not start."""
        return self._start(url, lambda frame: frame.evaluate(_GO_TO, url), url)

    def start_press(self, button: Locator, key: str) -> bool:
        """Click `button` (it submits a form that only reads) without waiting for its page."""
        return self._start(key, lambda _frame: button.click(force=True))

    def _start(self, key: str, action: Callable[[Frame], object], url: str | None = None) -> bool:
        self.abandon()
        try:
            frame = self.frame()
            waiting = frame.expect_navigation(
                url=url, wait_until="domcontentloaded", timeout=self.settings.navigation_timeout_ms
            )
            self._started = _Started(key, waiting, waiting.__enter__())
            action(frame)
        except (PlaywrightError, ApplicationError):
            self.abandon()
            return False
        return True

    def started(self) -> str | None:
        """The key (URL) of the navigation set going and not taken yet."""
        return self._started.key if self._started else None

    def abandon(self) -> None:
        """Forget a started navigation (it may still load; nobody reads it)."""
        started, self._started = self._started, None
        if started is not None:
            with suppress(PlaywrightError, _Abandoned):
                started.waiting.__exit__(_Abandoned, _Abandoned(), None)

    def take(self, key: str, *, what: str) -> str | None:
        """The page of the navigation started as `key`, once loaded and checked; None if no
        such navigation is going."""
        started = self._started
        if started is None or started.key != key:
            return None
        self._started = None
        with browser_errors(what):
            response: Response | None = started.answer.value
        return self._checked(response, what)

    def open(self, url: str, *, what: str) -> str:
        """GET `url` in the frame (or take the page `start` set loading); the page's text once it
        is the page asked for."""
        taken = self.take(url, what=what)
        if taken is not None:
            return taken
        self.abandon()
        frame = self.frame()
        with browser_errors(what):
            response = frame.goto(url, wait_until="domcontentloaded")
        return self._checked(response, what)

    def press(
        self,
        button: Locator,
        *,
        what: str,
        timeout_ms: float | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> str:
        """Click a button that submits the frame's form; the next page's text. The page was
        loaded and read before the button was found, so Playwright's waits for a moving or
        covered element are skipped (`force`, unless `quick` is off): it is still a real mouse
        click on the button.
        `meanwhile` runs while the answer is on its way (work in other tabs)."""
        return self.follow(
            lambda: button.click(force=self.quick), what=what, timeout_ms=timeout_ms, meanwhile=meanwhile
        )

    def follow(
        self,
        action: Callable[[], None],
        *,
        what: str,
        timeout_ms: float | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> str:
        """Do `action` (a click that submits a form) and wait for the frame's next page."""
        self.abandon()
        frame = self.frame()
        timeout = self.settings.navigation_timeout_ms if timeout_ms is None else timeout_ms
        with browser_errors(what):
            with frame.expect_navigation(wait_until="domcontentloaded", timeout=timeout) as navigation:
                action()
                if meanwhile is not None:
                    meanwhile()
            response = navigation.value
        return self._checked(response, what)

    def _checked(self, response: Response | None, what: str) -> str:
        text = self.text()
        status = response.status if response is not None else None
        self.state.check(text, status, self.frame().url, what=what)
        return text


@contextmanager
def browser_errors(what: str) -> Iterator[None]:
    """A navigation that times out is PortalTimeout; one the browser reports failed (connection
    reset, aborted) is PortalUnavailable: the queue retries both, neither is a portal's answer."""
    try:
        yield
    except PlaywrightTimeoutError:
        raise PortalTimeout(f"{what}：AMS 没有及时应答", code="page_timeout") from None
    except PlaywrightError as exc:
        raise PortalUnavailable(f"{what}：浏览器出错：{_first_line(exc)}", code="navigation_failed") from None


def _first_line(exc: PlaywrightError) -> str:
    return next((line.strip() for line in exc.message.splitlines() if line.strip()), "没有说明")
