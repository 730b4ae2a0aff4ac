"""The AMS screen: one operator's browser tab(s) on AMS, what every page object needs.

`AmsPages` holds the tab worked in and its content frame, finds a page's elements
(`bind`, `expect`) and takes evidence; the page objects (`bots.ams.pages`) are its screens and
`AmsBot` (bot.py) composes them into what an operator does. The portal's state (lost session,
batch window, 500, gateway errors) is read before any element is located (`_frame.PortalState`),
and raised as the error it means: the queue retries the item, the bot repeats no step.

Two switches belong to the strategy (`bots.ams.strategies`): `quick` (page marks, forms filled
in one round trip, clicks without Playwright's waits; off in the plain strategy) and the extra
tabs `_lookup_tab` / `_spare_tab` (None unless the pipelined strategy opens them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import reduce
from pathlib import Path

from loguru import logger
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from bots.ams._frame import ContentFrame, PortalState
from bots.ams._marks import PageMarks
from bots.ams.messages import NOT_BUSINESS, MessageCatalogue
from bots.ams.pages import (
    FilingFormPage,
    HistoryPage,
    LoginPage,
    MenuPage,
    ResultPage,
    ReviewPage,
)
from bots.ams.setup import required_selectors
from rpa.browser.bound_page import BoundPage
from rpa.browser.evidence import personal_masks, take_screenshot
from rpa.browser.selectors import PortalSelectors
from rpa.disk import as_run_fatal
from rpa.errors import PortalChanged, SelectorNotFound
from rpa.masking import scrub_text
from rpa.settings import Settings

LOGIN_PATH = "/ams/login.do"
FOUND_AFTER_LOAD_MS = 2_000  # the page has loaded: an element not there by then is not coming


class AmsPages:
    """One operator's browser on AMS: a Playwright page, kept for the whole worker."""

    def __init__(
        self,
        page: Page,
        selectors: PortalSelectors,
        settings: Settings,
        catalogue: MessageCatalogue,
    ) -> None:
        self.history_spec = required_selectors(selectors)
        self.page = page
        self.selectors = selectors
        self.settings = settings
        self.catalogue = catalogue
        self.base_url = settings.ams_url.rstrip("/")
        self.frame_css = selectors.page("lookup").frame or "iframe"
        self._marks = PageMarks()
        self.quick = True  # page marks, one-round-trip forms, forced clicks (`use_quick`)
        self.content = self._content_frame(page)
        # the tab the bot last worked in for the item in hand (a failure screenshot shows it);
        # None from `start_item` until the item's own work opens a page
        self.page_in_use: Page | None = page
        self._front: Page | None = page
        self._lookup_tab: ContentFrame | None = None
        self._spare_tab: ContentFrame | None = None
        self.menu = MenuPage(self)
        self.login_page = LoginPage(self)
        self.history = HistoryPage(self)
        self.form = FilingFormPage(self)
        self.review = ReviewPage(self)
        self.result = ResultPage(self)

    def _content_frame(self, page: Page) -> ContentFrame:
        frame = ContentFrame(page, self.frame_css, self.settings, PortalState(self.catalogue), self._marks)
        frame.quick = self.quick
        return frame

    def use_quick(self, on: bool) -> None:
        """Page marks, forms filled in one round trip and clicks without Playwright's waits for
        a moving element (on: the pipelined strategy), or Playwright's own way for each (off)."""
        self.quick = on
        for tab in (self.content, self._lookup_tab, self._spare_tab):
            if tab is not None:
                tab.quick = on

    # -- tabs ------------------------------------------------------------------------------
    def start_item(self) -> None:
        """A new item is in hand: no tab shows its work yet, so a failure before its own work
        opens a page keeps no screenshot (never the page an earlier item left in a tab)."""
        self.page_in_use = None

    @contextmanager
    def _in_tab(self, tab: ContentFrame | None, *, ahead: bool = False) -> Iterator[None]:
        """Work in `tab` (None: the filing tab) for the block. Work for the item in hand makes
        the tab `page_in_use` and leaves it so, so a failure screenshot shows the page that
        failed, or the look-up a hold was decided on; work `ahead` (for the next item) does not."""
        saved_page, saved_content = self.page, self.content
        if tab is not None:
            self.page, self.content = tab.page, tab
        if not ahead:
            self.page_in_use = self.page
        try:
            yield
        finally:
            self.page, self.content = saved_page, saved_content

    def work_alone(self) -> None:
        """From now on one tab, one page at a time: the portal refused a form because this
        session had opened another since (it keeps one open form per session)."""
        if self._lookup_tab is None and self._spare_tab is None:
            return
        self._lookup_tab = self._spare_tab = None
        logger.warning(
            "AMS 每个会话只保留一张打开的表单：本工作进程改为一次只办一页"
            "（设置 RPA_AMS_STRATEGY=plain 可从一开始就这样办）"
        )

    # -- pages -----------------------------------------------------------------------------
    def bind(self, page_name: str) -> BoundPage:
        """A page's selectors on this browser page (content pages inside the iframe: through
        the tab's content Frame while it is attached, else found again on each call)."""
        in_content = self.selectors.page(page_name).frame == self.frame_css
        return self.selectors.bind(
            self.page,
            page_name,
            timeout_ms=self.settings.action_timeout_ms,
            frame=self.content.current() if in_content else None,
        )

    def expect(self, page_name: str, element: str, text: str, what: str) -> tuple[BoundPage, Locator]:
        """The page asked for, or the exception that the page shown instead means: a message
        the catalogue knows, an unknown message (kept as a system error), or, when none of the
        page's elements is there at all, a changed portal."""
        found = self.catalogue.classify(text, kinds=NOT_BUSINESS)
        if found.kind == "one_form":
            self.work_alone()
        if found.kind is not None:
            raise self.catalogue.error_for(found.text, context=what)
        bound = self.bind(page_name)
        marked = bound.seen(element, lambda candidate: self.content.saw(text, candidate))
        if marked is not None and self.quick:
            return bound, marked
        try:
            located = bound.locate(element, timeout_ms=FOUND_AFTER_LOAD_MS)
        except (SelectorNotFound, PortalChanged):
            if self.bind("message").present("message_box"):
                raise self.catalogue.error_for(_message_lines(text), context=what) from None
            raise
        if self.quick and not bound.scoped(element):
            self._marks.learn(bound.winning(element))
        return bound, located

    def save_receipt(self, path: Path, *, page_name: str = "result") -> Path | None:
        """A screenshot of the page shown (the 成功 page in the filing tab, or a filing's 详情 page
        in the look-up tab) with the cells holding account and ID numbers masked; None (logged)
        if the screenshot fails: the filing number is the receipt, the picture only its evidence.
        A disk that is full or refuses the file is DiskRefused (run-fatal): the rest of the run
        would go on without evidence. The row then stays open, and the resume looks it up."""
        tab = self._lookup_tab if page_name == "detail" else None
        try:
            with self._in_tab(tab):
                self.to_front()
                masks = [self.bind(page_name).locate("masked_cells", timeout_ms=FOUND_AFTER_LOAD_MS)]
                return take_screenshot(self.page, path, mask=masks + self.operator_masks())
        except (PlaywrightError, OSError, SelectorNotFound, PortalChanged) as exc:
            fatal = as_run_fatal(exc)
            if fatal is not None:
                raise fatal from exc
            logger.warning("未能截取回执截图：{}", scrub_text(str(exc))[:200])
            return None

    def to_front(self) -> None:
        """Bring the tab worked in to the front: Chromium paints only the front tab, and a click
        or a screenshot in a tab behind waits for a paint."""
        if self.page is not self._front:
            self.page.bring_to_front()
            self._front = self.page

    def operator_masks(self, page: Page | None = None) -> list[Locator]:
        """The header and footer cells with the operator's name: every candidate of both (one
        that matches nothing masks nothing, so none is looked for first)."""
        elements = self.selectors.page("main").elements
        names = [name for name in ("operator_info", "operator_footer") if name in elements]
        every = [candidate.locator(page or self.page) for name in names for candidate in elements[name]]
        return [reduce(lambda a, b: a.or_(b), every)] if every else []  # one mask: one query

    def failure_masks(self) -> list[Locator]:
        """What to black out on a failure screenshot of `page_in_use`, whatever page it shows: the
        elements selectors/ams.yaml marks `personal: true` (the page's labels and AMS's messages
        stay readable)."""
        return [] if self.page_in_use is None else personal_masks(self.selectors, self.page_in_use)

    # -- helpers ---------------------------------------------------------------------------
    @property
    def login_url(self) -> str:
        return self.base_url + LOGIN_PATH

    def menu_url(self, name: str) -> str:
        """The URL behind one of the left-hand menu's entries (read at login)."""
        return self.menu.url(name)


def _message_lines(text: str) -> str:
    return scrub_text("\n".join(line for line in text.splitlines() if line.strip())[:300])
