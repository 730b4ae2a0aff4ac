"""A base for the page objects of an old intranet portal: one class per screen, its elements from
`selectors/<portal>.yaml` only, and every page checked for what the portal shows instead (a lost
session, the batch window, 系统繁忙, a 5xx: `bots.report_states`) before any selector is looked up.

    class LoginPage(Screen):
        page_name, system = "login", "the check system"

        def log_in(self, url: str, code: str, password: str) -> None:
            self.submit(url + "/login.do", {"operator_code": code, "password": password})
"""

from __future__ import annotations

from playwright.sync_api import Page, Response

from bots.report_states import raise_for_page_state
from rpa.browser.bound_page import BoundPage
from rpa.browser.selectors import PortalSelectors


class Screen:
    """One screen of a portal on a Playwright page; `page_name` names its elements' page in the
    selectors, `system` the portal in the exceptions its pages raise."""

    page_name = ""
    system = "the portal"

    def __init__(self, page: Page, selectors: PortalSelectors, timeout_ms: float = 5_000) -> None:
        self.page, self.selectors, self.timeout_ms = page, selectors, timeout_ms

    def elements(self, page_name: str = "") -> BoundPage:
        """The selectors of this screen (or of `page_name`) bound to the live page."""
        return self.selectors.bind(self.page, page_name or self.page_name, timeout_ms=self.timeout_ms)

    def arrived(self, response: Response | None) -> None:
        """Raise what the page shows instead of this screen (SessionLost, PortalUnavailable...)."""
        raise_for_page_state(self.page.content(), response.status if response else 200, self.system)

    def submit(self, url: str, fields: dict[str, str]) -> None:
        """Open `url`, fill the fields, press the screen's `submit` and check what came back."""
        self.arrived(self.page.goto(url))
        form = self.elements()
        for element, value in fields.items():
            form.locate(element).fill(value)
        with self.page.expect_navigation() as answer:
            form.locate("submit").click()
        self.arrived(answer.value)
