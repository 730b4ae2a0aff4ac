"""MenuPage: AMS's main page after login, its left-hand menu and its account-number query forms.

    menu = MenuPage(screen)
    menu.read()                                   # after login: every menu entry's URL, 退出系统
    text = menu.query("lookup", "lookup", account_no)   # a query form filled in and sent
    menu.log_out()

A query form (a GET) is filled in and sent the first time; after that its URL is opened
straight away with the parameter name the form itself used (`known_query`). Elements come from
selectors/ams.yaml (pages `main`, `lookup`, `account_entry`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from loguru import logger
from playwright.sync_api import Locator

from bots.ams._frame import browser_errors
from rpa.errors import ApplicationError, PortalChanged, SelectorNotFound
from rpa.masking import FieldClass, mask, scrub_text

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages
    from rpa.browser.bound_page import BoundPage

FOUND_AFTER_LOAD_MS = 2_000  # the page has loaded: an element not there by then is not coming
MENU = {
    "lookup": "menu_lookup",
    "open": "menu_open",
    "change": "menu_change",
    "close": "menu_close",
    "list": "menu_list",
}


class MenuPage:
    """The main page's menu, the logout link, the system code, and the query forms behind it."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self._urls: dict[str, str] = {}
        self._queries: dict[str, tuple[str, str]] = {}  # form URL -> (query URL, parameter)
        self._logout_url: str | None = None  # read at login; None: not logged in
        self.system_code: str | None = None  # the code AMS shows after login (None: it shows none)

    def read(self) -> None:
        """Read the menu's URLs, the 退出系统 link and the system code off the main page."""
        main = self.screen.bind("main")
        for name, element in MENU.items():
            if name not in self._urls:
                self._urls[name] = str(main.locate(element).evaluate("a => a.href"))
        self._logout_url = str(main.locate("logout").evaluate("a => a.href"))
        self.system_code = self._read_system_code(main)

    def _read_system_code(self, main: BoundPage) -> str | None:
        """The system/institution code AMS shows on its main page after login (`main.system_code`;
        None when the selectors name no such element or the page shows none)."""
        named = "system_code" in self.screen.selectors.page("main").elements
        if not named or not main.present("system_code"):
            return None
        words = " ".join(str(main.locate("system_code").inner_text()).split())
        code = words.split("：")[-1].split(":")[-1].strip()
        return code or None

    def url(self, name: str) -> str:
        """The URL behind one of the menu's entries (read at login)."""
        try:
            return self._urls[name]
        except KeyError:
            raise ApplicationError(
                "还没有读到 AMS 的菜单：请先登录", code="not_logged_in"
            ) from None

    def log_out(self) -> bool:
        """Leave AMS (its 退出系统 link), freeing the operator's one session; True if a session
        was ended. Every tab shares the session: one logout ends it. A failure only warns (the
        session then ends when AMS's idle timeout does)."""
        url, self._logout_url = self._logout_url, None
        if url is None:
            return False
        try:
            with browser_errors("退出 AMS"):
                self.screen.page.goto(url, wait_until="domcontentloaded")
        except ApplicationError as exc:
            logger.warning("退出 AMS 失败：{}", scrub_text(str(exc))[:200])
            return False
        return True

    def known_query(self, menu: str, account_no: str) -> str | None:
        """The URL of `menu`'s account-number query for this account, once the form taught it."""
        return self._learned(self.url(menu), account_no)

    def _learned(self, form_url: str, account_no: str) -> str | None:
        known = self._queries.get(form_url)
        if known is None:
            return None
        base, parameter = known
        return _with_query(base, {parameter: account_no})

    def query(self, page_name: str, menu: str, account_no: str, what: str | None = None) -> str:
        """Open `menu`'s account-number query form for this account in the tab worked in and
        send it (the first time filled in, after that its URL straight away); the page's text."""
        what = what or f"在 {page_name} 页面查询 {mask(account_no, FieldClass.ACCOUNT_NO)}"
        url, content = self.url(menu), self.screen.content
        learned = self._learned(url, account_no)
        if learned is not None:
            return content.open(learned, what=what)
        text = content.open(url, what=what)
        form, field = self.screen.expect(page_name, "account_no", text, what)
        field.fill(account_no)
        text = content.press(_query_button(form, what), what=what)
        landed = urlsplit(content.frame().url)
        sent = parse_qsl(landed.query, keep_blank_values=True)
        parameter = next((name for name, value in sent if value == account_no), None)
        if parameter is not None:
            others = {name: value for name, value in sent if name != parameter}
            bare = urlunsplit(landed._replace(query=""))
            self._queries[url] = (_with_query(bare, others), parameter)
        return text


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


def _with_query(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}{urlencode(params)}"
