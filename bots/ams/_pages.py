"""The AMS session and its pages: login, the menu, account-number query forms, evidence.

`AmsPages` is what every AMS screen needs; `AmsBot` (bot.py) adds what an operator does there.
The portal's state (lost session, batch window, 500, gateway errors) is read before any element
is located (`_frame.PortalState`), and steps that only read are repeated by the bot itself
(`ContentFrame.retrying`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial, reduce
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from loguru import logger
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from bots.ams._forms import FORM_PAGES
from bots.ams._frame import ContentFrame, PortalState, browser_errors
from bots.ams._marks import PageMarks
from bots.ams._tables import HISTORY_COLUMNS
from bots.ams.messages import NOT_BUSINESS, MessageCatalogue
from rpa.bound_page import BoundPage
from rpa.errors import ApplicationError, ConfigError, PortalChanged, SelectorNotFound
from rpa.evidence import take_screenshot
from rpa.masking import FieldClass, mask, scrub_text
from rpa.selectors import PortalSelectors
from rpa.settings import Settings

LOGIN_PATH = "/ams/login.do"
FOUND_AFTER_LOAD_MS = 2_000  # the page has loaded: an element not there by then is not coming
MENU = {
    "lookup": "menu_lookup",
    "open": "menu_open",
    "change": "menu_change",
    "close": "menu_close",
    "list": "menu_list",
}
_REQUIRED = {
    "login": ("operator_code", "password", "submit"),
    "main": (*MENU.values(), "logout"),
    "lookup": ("account_no", "query", "next_page"),
    "account_entry": ("account_no", "query"),
    "check": ("check_table", "confirm"),
    "result": ("success", "result_table", "masked_cells"),
    "detail": ("detail_table", "masked_cells"),
    "evidence": ("cells", "inputs"),
    "message": ("message_box",),
}


class AmsPages:
    """One operator's browser on AMS: a Playwright page, kept for the whole worker."""

    def __init__(
        self,
        page: Page,
        selectors: PortalSelectors,
        settings: Settings,
        catalogue: MessageCatalogue,
    ) -> None:
        for page_name, elements in _REQUIRED.items():
            selectors.require(page_name, *elements)
        for form in FORM_PAGES.values():
            selectors.require(form, "account_no", "business_date", "next")
        self.history_spec = selectors.table("lookup", "history", *HISTORY_COLUMNS)
        if not self.history_spec.row_count:
            raise ConfigError("selectors/ams.yaml: page 'lookup', table 'history' needs row_count patterns")
        self.page = page
        self.selectors = selectors
        self.settings = settings
        self.catalogue = catalogue
        self.base_url = settings.ams_url.rstrip("/")
        self.frame_css = selectors.page("lookup").frame or "iframe"
        self._marks = PageMarks()
        self.content = self._content_frame(page)
        self.page_in_use = page  # the tab the bot last worked in (for a failure screenshot)
        self._front: Page | None = page
        self._lookup_tab: ContentFrame | None = None
        self._spare_tab: ContentFrame | None = None
        self._menu_urls: dict[str, str] = {}
        self._query_urls: dict[str, tuple[str, str]] = {}  # form URL -> (query URL, parameter)
        self._confirm: tuple[str, Locator] | None = None  # the 确认提交 button prepare_filing reached
        self._logout_url: str | None = None  # read at login; None: not logged in
        self.system_code: str | None = None  # the code AMS shows after login (None: it shows none)

    def _content_frame(self, page: Page) -> ContentFrame:
        return ContentFrame(page, self.frame_css, self.settings, PortalState(self.catalogue), self._marks)

    # -- tabs ------------------------------------------------------------------------------
    def add_tabs(self, lookup: Page, spare: Page) -> None:
        """Work in three tabs of one session, as an operator might: look-ups (and 详情 pages) in
        `lookup`, filings in the first tab and `spare` by turns, so that the next item's look-up
        and form load while this item is worked (`load_look_up_ahead`, `load_form_ahead`).
        Call it before `login`."""
        self._lookup_tab, self._spare_tab = self._content_frame(lookup), self._content_frame(spare)
        self._front = None  # a page opened later is in front now, not the filing tab

    @contextmanager
    def _in_tab(self, tab: ContentFrame | None) -> Iterator[None]:
        """Work in `tab` (None: the filing tab) for the block; `page_in_use` stays on it if the
        block fails, so a failure screenshot shows the page that failed."""
        saved_page, saved_content = self.page, self.content
        if tab is not None:
            self.page, self.content = tab.page, tab
        self.page_in_use = self.page
        try:
            yield
        finally:
            self.page, self.content = saved_page, saved_content
        self.page_in_use = self.page

    def work_alone(self) -> None:
        """From now on one tab, one page at a time: the portal refused a form because this
        session had opened another since (it keeps one open form per session)."""
        if self._lookup_tab is None and self._spare_tab is None:
            return
        self._lookup_tab = self._spare_tab = None
        logger.warning(
            "AMS 每个会话只保留一张打开的表单：本工作进程改为一次只办一页"
            "（设置 RPA_AMS_WORK_AHEAD=false 可从一开始就这样办）"
        )

    def _use_started(self, *keys: str | None) -> None:
        """Make the spare filing tab the filing tab if one of `keys` is loading there."""
        spare = self._spare_tab
        if spare is not None and spare.started() is not None and spare.started() in keys:
            self._spare_tab, self.content = self.content, spare
            self.page = self.page_in_use = spare.page

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

    def _expect(self, page_name: str, element: str, text: str, what: str) -> tuple[BoundPage, Locator]:
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
        if marked is not None:
            return bound, marked
        try:
            located = bound.locate(element, timeout_ms=FOUND_AFTER_LOAD_MS)
        except (SelectorNotFound, PortalChanged):
            if self.bind("message").present("message_box"):
                raise self.catalogue.error_for(_message_lines(text), context=what) from None
            raise
        if not bound.scoped(element):
            self._marks.learn(bound.winning(element))
        return bound, located

    # -- login -----------------------------------------------------------------------------
    def login(self, code: str, password: str) -> None:
        """Log in; call it inside `BrowserSession.login_window()`. A 500 or a batch window is
        waited out, but a refusal (wrong password, locked, disabled) is LoginRefused at once:
        a second try at a refused password locks the operator out."""
        self.content.forget()
        self.to_front()  # a click in a tab behind waits for a paint that may not come for seconds
        self.content.retrying(lambda: self._login_once(code, password), what="login")
        main = self.bind("main")
        for name, element in MENU.items():
            if name not in self._menu_urls:
                self._menu_urls[name] = str(main.locate(element).evaluate("a => a.href"))
        self._logout_url = str(main.locate("logout").evaluate("a => a.href"))
        self.system_code = self._read_system_code(main)
        self.content.frame()
        main_url = self.page.url
        for tab in (self._lookup_tab, self._spare_tab):
            if tab is not None:  # the other tabs share the session: they open the main page
                tab.retrying(partial(tab.open_main, main_url), what="opening AMS's main page")

    def _read_system_code(self, main: BoundPage) -> str | None:
        """The system/institution code AMS shows on its main page after login (`main.system_code`;
        None when the selectors name no such element or the page shows none)."""
        if "system_code" not in self.selectors.page("main").elements or not main.present("system_code"):
            return None
        words = " ".join(str(main.locate("system_code").inner_text()).split())
        code = words.split("：")[-1].split(":")[-1].strip()
        return code or None

    def logout(self) -> bool:
        """Leave AMS (its 退出系统 link), freeing the operator's one session; True if a session
        was ended. Every tab shares the session: one logout ends it. A failure only warns (the
        session then ends when AMS's idle timeout does)."""
        url, self._logout_url = self._logout_url, None
        if url is None:
            return False
        try:
            with browser_errors("logout"):
                self.page.goto(url, wait_until="domcontentloaded")
        except ApplicationError as exc:
            logger.warning("退出 AMS 失败：{}", scrub_text(str(exc))[:200])
            return False
        return True

    def _login_once(self, code: str, password: str) -> None:
        what = f"操作员 {mask(code, FieldClass.ACCOUNT_NO)} 登录"
        with browser_errors(what):
            response = self.page.goto(self.login_url, wait_until="domcontentloaded")
        before = self._top_text()
        self.content.state.check(before, response.status if response else None, "", what=what)
        form = self._expect_top("login", "password", before, what)
        form.locate("operator_code").fill(code)
        form.locate("password").fill(password)
        with browser_errors(what), self.page.expect_navigation(wait_until="domcontentloaded") as navigation:
            form.locate("submit").click()
        after = self._top_text()
        status = navigation.value.status if navigation.value else None
        self.content.state.check(after, status, "", what=what)
        if not self.bind("login").present("password"):
            return
        news = [line for line in after.splitlines() if line.strip() and line not in before.splitlines()]
        raise self.catalogue.error_for("\n".join(news) or after, context=what, at_login=True)

    def _top_text(self) -> str:
        return self.page.locator("body").inner_text()

    def _expect_top(self, page_name: str, element: str, text: str, what: str) -> BoundPage:
        bound = self.bind(page_name)
        if not bound.present(element):
            found = self.catalogue.classify(text)
            if found.kind is not None:
                raise self.catalogue.error_for(found.text, context=what)
            bound.locate(element)
        return bound

    def save_receipt(self, path: Path, *, page_name: str = "result") -> Path | None:
        """A screenshot of the page shown (the 成功 page in the filing tab, or a filing's 详情 page
        in the look-up tab) with the cells holding account and ID numbers masked; None (logged)
        if the screenshot fails: the filing number is the receipt, the picture only its evidence."""
        tab = self._lookup_tab if page_name == "detail" else None
        try:
            with self._in_tab(tab):
                self.to_front()
                masks = [self.bind(page_name).locate("masked_cells", timeout_ms=FOUND_AFTER_LOAD_MS)]
                return take_screenshot(self.page, path, mask=masks + self.operator_masks())
        except (PlaywrightError, OSError, SelectorNotFound, PortalChanged) as exc:
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
        """What to black out on a failure screenshot of `page_in_use`, whatever page it shows:
        every table cell but the message box's own and every text field of the content frame
        (the page's structure and AMS's messages stay visible)."""
        masks: list[Locator] = self.operator_masks(self.page_in_use)
        scope = self.page_in_use.frame_locator(self.frame_css)
        message_box = [c.locator(scope) for c in self.selectors.page("message").elements["message_box"]]
        for element in ("cells", "inputs"):
            found = [c.locator(scope) for c in self.selectors.page("evidence").elements[element]]
            if element == "cells" and any(box.count() for box in message_box):
                hits = found[:1]  # leaves the box's own cells: AMS's message stays readable
            else:  # the first candidate that finds any, or all of them
                hits = next(([loc] for loc in found if loc.count()), found)
            masks.extend(hits)
        return masks

    # -- helpers ---------------------------------------------------------------------------
    @property
    def login_url(self) -> str:
        return self.base_url + LOGIN_PATH

    def query_account(self, page_name: str, menu: str, account_no: str) -> str:
        """Open the account-number query form behind `menu` for this account in the filing tab;
        the page's text."""
        what = f"在 {page_name} 页面查询 {mask(account_no, FieldClass.ACCOUNT_NO)}"
        return self._query(page_name, self.menu_url(menu), account_no, what)

    def menu_url(self, name: str) -> str:
        """The URL behind one of the left-hand menu's entries (read at login)."""
        return self._menu_url(name)

    def _menu_url(self, name: str) -> str:
        try:
            return self._menu_urls[name]
        except KeyError:
            raise ApplicationError(
                "AMS's menu has not been read: log in first", code="not_logged_in"
            ) from None

    def _known_query(self, menu: str, account_no: str) -> str | None:
        """The URL of `menu`'s account-number query for this account, once the form taught it."""
        return self._learned_query(self._menu_url(menu), account_no)

    def _learned_query(self, form_url: str, account_no: str) -> str | None:
        known = self._query_urls.get(form_url)
        if known is None:
            return None
        base, parameter = known
        return _with_query(base, {parameter: account_no})

    @staticmethod
    def _query_button(form: BoundPage, what: str) -> Locator:
        """The query form's button. The form is shown (its account field was found), so a button
        none of whose candidates matches once the page has loaded is a changed portal: the run
        stops before any item is worked (nothing can be looked up, so nothing may be filed)."""
        try:
            return form.locate("query", timeout_ms=FOUND_AFTER_LOAD_MS)
        except SelectorNotFound as exc:
            raise PortalChanged(
                f"{what}：查询表单显示了，但找不到它的查询按钮：{exc}", details=exc.details
            ) from None

    def _query(self, page_name: str, url: str, account_no: str, what: str) -> str:
        """An account-number query form (GET): the first time filled in and sent, after that
        its URL straight away, with the parameter name the form itself used."""
        learned = self._learned_query(url, account_no)
        if learned is not None:
            return self.content.open(learned, what=what)
        text = self.content.open(url, what=what)
        form, field = self._expect(page_name, "account_no", text, what)
        field.fill(account_no)
        text = self.content.press(self._query_button(form, what), what=what)
        landed = urlsplit(self.content.frame().url)
        sent = parse_qsl(landed.query, keep_blank_values=True)
        learned = next((name for name, value in sent if value == account_no), None)
        if learned is not None:
            others = {name: value for name, value in sent if name != learned}
            bare = urlunsplit(landed._replace(query=""))
            self._query_urls[url] = (_with_query(bare, others), learned)
        return text


def _with_query(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{urlencode(params)}"


def _message_lines(text: str) -> str:
    return scrub_text("\n".join(line for line in text.splitlines() if line.strip())[:300])
