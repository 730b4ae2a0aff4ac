"""Page objects of the bank's report platform (报表管理平台): log in, find reports, download them.

    selectors = load_selectors("report_platform", settings.selectors_dir)
    platform = ReportPlatform(page, selectors, settings.reports_url)
    with session.login_window():
        platform.login(operator.code, operator.password.get_secret_value())
    row = platform.find_report(REPORT_CODES["branch_daily"], date(2026, 11, 27), "110101")
    path = platform.download(row, "xlsx", run_folder / "downloads")

After every navigation the page is first checked for what the platform shows instead of the page
asked for (bots.report_states), before any selector is looked up: a lost session must not look
like a changed portal.

The content frame and the list it shows are read once and kept until the page navigates (its
`framenavigated` event) or a call fails, so the files of one list cost one click each: every
Playwright call is a round trip through the driver to Chromium, and reading the list link by
link cost about 70 calls per file where this costs about 13.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path

from playwright.sync_api import Download, Frame, FrameLocator, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bots.form_fill import Step, fill_fields
from bots.report_files import REPORT_FORMATS, html_page_words, save_download
from bots.report_list import ListedPage, ReportRow, found_in, one_version, read_list, read_pages, result_list
from bots.report_setup import required_selectors
from bots.report_states import page_dialogs, playwright_errors, raise_for_page_state
from rpa.browser.bound_page import BoundPage
from rpa.browser.quick_click import quick_click
from rpa.browser.selectors import PortalSelectors
from rpa.errors import LoginRefused, PortalChanged, PortalRefusal, PortalTimeout, SessionLost
from rpa.masking import mask_tail

__all__ = ["HEAD_OFFICE", "LOGIN_PATH", "PORTAL", "REPORT_CODES", "ReportPlatform", "ReportRow"]

PORTAL = "report_platform"
LOGIN_PATH = "/rpt/login.do"
# the platform's own report codes, by the report types the extraction specs are named after
REPORT_CODES: dict[str, str] = {
    "branch_daily": "D0101",
    "summary_daily": "D0201",
    "fee_income_monthly": "M0301",
}
HEAD_OFFICE = "110000"  # the institution that owns the branch-less (summary, monthly) reports
_MAX_PAGES = 50
_DOWNLOAD_POLL_MS = 250


class ReportPlatform:
    """The report platform as an operator uses it, on one Playwright page."""

    def __init__(
        self, page: Page, selectors: PortalSelectors, base_url: str, *, timeout_ms: float = 5_000,
        download_timeout_ms: float = 30_000,
    ) -> None:
        self.page = page
        self.selectors = selectors
        self.base_url = base_url.rstrip("/")
        self.timeout_ms = timeout_ms
        self.download_timeout_ms = download_timeout_ms
        required_selectors(selectors)
        self._frame: Frame | None = None  # the content frame, kept until the main page navigates
        self._listed: ListedPage | None = None  # the list the frame shows, kept until it navigates
        self.unread: str | None = None
        self._searched: list[ReportRow] = []  # every row the last search listed, all its pages
        page.on("framenavigated", self._on_navigated)

    def bind(self, page_name: str) -> BoundPage:
        """One page's selectors on the live page (the query page inside its frame: through the
        content Frame while it is kept, else found again on each call)."""
        return self.selectors.bind(self.page, page_name, timeout_ms=self.timeout_ms, frame=self._kept_frame())

    def _kept_frame(self) -> Frame | None:
        """The content frame as last found, if still attached; never waits."""
        if self._frame is None or self._frame.is_detached():
            return None
        return self._frame

    # -- log in and out -------------------------------------------------------------------

    def login(self, code: str, password: str) -> None:
        """Log in once. A refusal (用户不存在, 密码错误, 用户被锁定, 用户被停用) is LoginRefused in the
        platform's words, and is never retried here: another wrong password could lock the operator."""
        with playwright_errors("登录报表平台"):
            self.check_page_state(self.page, self.page.goto(self.base_url + LOGIN_PATH), login_page_ok=True)
            form = self.bind("login")
            form.locate("operator_code").fill(code)
            form.locate("password").fill(password)
            with self.page.expect_navigation() as answer:
                form.locate("submit").click()
            self.check_page_state(self.page, answer.value, login_page_ok=True)
            main = self.bind("main")
            if main.present("user_info"):
                return
            if form.present("message"):
                words = " ".join(form.locate("message").first.inner_text().split())
                raise LoginRefused(
                    f"报表平台拒绝操作员 {mask_tail(code)} 登录：{words}", portal_message=words
                )
            main.locate("user_info")  # neither page: SelectorNotFound or PortalChanged says which

    def logout(self) -> None:
        """Log out if the main page is shown (it asks to confirm: yes)."""
        with playwright_errors("退出报表平台"):
            main = self.bind("main")
            if not main.present("logout"):
                return
            self.page.once("dialog", lambda dialog: dialog.accept())
            with self.page.expect_navigation():
                main.locate("logout").click()

    # -- find and download ----------------------------------------------------------------

    def open_report_query(self) -> Frame:
        """Open 报表管理 > 报表查询下载 (unless it is open already); returns the content frame."""
        with playwright_errors("打开报表查询页"):
            frame = self._content_frame()
            if self._listed is not None or self.bind("query").present("search"):
                return frame
            main = self.bind("main")
            item = main.locate("report_query_item")
            if not item.is_visible():
                main.locate("report_menu").click()
            with frame.expect_navigation() as answer:
                item.click()
            self.check_page_state(frame, answer.value)
            self.bind("query").locate("search")
            return frame

    def submit_query(self, report_code: str | None, report_date: date | None, org_code: str | None) -> Frame:
        """Fill in the filter and press 查 询; the frame then shows the list's first page."""
        frame = self.open_report_query()
        with page_dialogs(self.page, "查询报表列表"), playwright_errors("查询报表列表"):
            form = self.bind("query")
            steps = [Step("report_type", report_code or ""),
                     Step("report_date", report_date.isoformat() if report_date else ""),
                     Step("org", org_code or "")]
            self._fill(frame, form, steps)
            search = form.locate("search")
            with frame.expect_navigation() as answer:
                quick_click(search)
            self.check_page_state(frame, answer.value)
            return frame

    def _fill(self, frame: Frame, form: BoundPage, steps: list[Step]) -> None:
        """The query's fields in one round trip (`bots.form_fill`); a field the page's own
        candidates miss through Playwright. A report type or branch the form does not offer
        this operator, or a field it fixes at another value, is a refusal: asking again would
        not change it."""
        for step, left in fill_fields(frame, form, self.selectors.page("query"), steps):
            if left.reason == "no_option":
                raise PortalRefusal(f"报表查询页的 {step.element} 没有可选的 {step.value!r}")
            if left.shown != step.value:
                raise PortalRefusal(f"报表查询页为该操作员把 {step.element} 固定为 {left.shown!r}，"
                                    f"不是 {step.value!r}")

    def search(
        self, report_code: str | None, report_date: date | None, org_code: str | None
    ) -> list[ReportRow]:
        """Every report listed for the filter (None = 全部; no date = the last 7 days), all pages."""
        frame = self.submit_query(report_code, report_date, org_code)
        with self._list_reading("读取报表列表"):
            form = self.bind("query")

            def turn() -> ListedPage:
                with frame.expect_navigation() as answer:
                    form.locate("next_page").first.click()
                self.check_page_state(frame, answer.value)
                return result_list(form)

            self._listed = result_list(form)
            listing = read_pages(form, self._listed, turn, _MAX_PAGES)
            self._listed, self.unread, self._searched = listing.last, listing.unread, listing.rows
            return listing.rows

    def find_report(self, report_code: str, report_date: date, org_code: str) -> ReportRow | None:
        """One report: from the list on display if it shows it (operators download a day's
        branch reports from one list), else by a query for that report type and date."""
        with self._list_reading("读取报表列表"):
            shown = [r for r in self._shown_list().rows if r.is_report(report_code, report_date, org_code)]
            if shown:
                return one_version(shown[0], [*self._shown_list().rows, *self._searched])
        found = found_in(self.search(report_code, report_date, None), self.unread,  # unread: why not whole
                         lambda r: r.is_report(report_code, report_date, org_code))
        return one_version(found, self._searched) if found is not None else None

    def download(self, row: ReportRow, fmt: str, dest_dir: Path) -> Path:
        """Download one file of a listed report into `dest_dir` (0600), checked whole and of the
        right type; DownloadFailed (retried) when it is not."""
        if fmt not in REPORT_FORMATS:
            raise ValueError(f"unknown report format {fmt!r}")
        with self._list_reading(f"下载 {row.report_id}（{fmt}）"):
            link = self._shown_list().link(self._query_scope(), row, fmt)
            if link is None:  # the list shows something else: look the report up again
                self.search(row.report_code, row.report_date, row.org_code)
                link = self._shown_list().link(self._query_scope(), row, fmt)
            if link is None:
                raise PortalRefusal(f"报表平台没有报表 {row.report_id} 的 {fmt} 文件")
            download = self._click_for_download(self._content_frame(), link, row)
            return save_download(download, fmt, dest_dir, row.report_id, row.files.get(fmt))

    def _shown_list(self) -> ListedPage:
        """The list the content frame shows, read once per list page: each navigation forgets
        it (`_on_navigated`), and so does any error while it is used (`_list_reading`)."""
        if self._listed is None:
            self._content_frame()
            query = self.bind("query")
            if not query.present("search"):  # the frame shows another page: nothing listed
                return ListedPage([], {})
            self._listed = read_list(query)
        return self._listed

    @contextmanager
    def _list_reading(self, action: str) -> Iterator[None]:
        """Playwright's errors as the suite's, and after any error the list is read afresh:
        what the frame shows after a failure is not known."""
        try:
            with playwright_errors(action):
                yield
        except BaseException:
            self._listed = None
            raise

    def _on_navigated(self, frame: Frame) -> None:
        self._listed = None
        if frame is self.page.main_frame:
            self._frame = None

    # -- page states ----------------------------------------------------------------------

    def check_page_state(
        self, scope: Page | Frame, response: Response | None = None, *, login_page_ok: bool = False
    ) -> None:
        """Raise what the page shows instead of the one asked for (bots.report_states), and
        SessionLost for the login page on top unless `login_page_ok`. Silent otherwise."""
        raise_for_page_state(scope.content(), response.status if response is not None else 200)
        if not login_page_ok and scope is self.page and self.bind("login").present("operator_code"):
            raise SessionLost("报表平台显示登录页：会话已失效")

    def _content_frame(self) -> Frame:
        """The main page's content frame, found once and kept until the main page navigates.
        Anything but the main page on top means the bot is not logged in (SessionLost: the
        handler logs in again); a message the frame still shows from an earlier attempt is stale
        and not raised again: the next navigation finds the state."""
        kept = self._kept_frame()
        if kept is not None:
            return kept
        if not self.bind("main").present("user_info"):
            words = (html_page_words(self.page.content().encode()) or "")[:120]
            raise SessionLost(f"报表平台没有显示主页：{words}")
        frame_css = self.selectors.page("query").frame
        assert frame_css is not None, "the query page lives in the main page's frame"
        handle = self.page.locator(frame_css).element_handle(timeout=self.timeout_ms)
        frame = handle.content_frame() if handle is not None else None
        if frame is None:
            raise PortalChanged(f"报表平台主页上没有内容框架 {frame_css!r}")
        self._frame = frame
        return frame

    def _query_scope(self) -> Frame | FrameLocator:
        """Where the query page's elements are: as `bind` finds them (links of one list and of
        one scope combine only if both are)."""
        frame_css = self.selectors.page("query").frame
        assert frame_css is not None, "the query page lives in the main page's frame"
        return self._kept_frame() or self.page.frame_locator(frame_css)

    def _click_for_download(self, frame: Frame, link: Locator, row: ReportRow) -> Download:
        """Click (in one message when the link plainly takes it: `rpa.browser.quick_click`) and wait for
        the download; if the frame shows a message page instead, raise it."""
        started: list[Download] = []

        def on_download(download: Download) -> None:
            started.append(download)

        self.page.on("download", on_download)
        try:
            quick_click(link)
            deadline = time.monotonic() + self.download_timeout_ms / 1000
            while not started:
                try:
                    self.page.wait_for_event("download", timeout=_DOWNLOAD_POLL_MS)
                except PlaywrightTimeoutError:
                    with suppress(PlaywrightError):  # a frame still navigating: look after the next wait
                        self.check_page_state(frame)
                    if time.monotonic() > deadline:
                        raise PortalTimeout(f"报表 {row.report_id} 的下载没有开始") from None
        finally:
            self.page.remove_listener("download", on_download)
        return started[0]
