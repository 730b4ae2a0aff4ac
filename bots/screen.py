"""A base for the page objects of an old intranet portal: one class per screen, its elements from
`selectors/<portal>.yaml` only, and every page checked for what the portal shows instead (a lost
session, the batch window, 系统繁忙, a 5xx: `bots.report_states`) before any selector is looked up.

    class LoginPage(Screen):
        page_name, system = "login", "企业信息联网核查系统"

        def log_in(self, url: str, code: str, password: str) -> None:
            self.submit(url + "/login.do", {"operator_code": code, "password": password})
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from playwright.sync_api import Page, Response

from bots.report_states import raise_for_page_state
from rpa.browser.bound_page import BoundPage
from rpa.browser.selectors import PortalSelectors
from rpa.errors import PortalChanged

_NONE = frozenset({"-", "—", "--", "/", "／", "－", "——"})  # a table's way of showing no value
_READ_ROWS = "rows => rows.map(r => [r.cells[0]?.innerText ?? '', r.cells[1]?.innerText ?? ''])"


class Screen:
    """One screen of a portal on a Playwright page; `page_name` names its elements' page in the
    selectors, `system` the portal in the exceptions its pages raise."""

    page_name = ""
    system = "门户"

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

    def captions(self, element: str, same: Mapping[str, str], read: Collection[str]) -> dict[str, str]:
        """The caption / value rows of the table (or tables) `element` matches, as `caption_values`."""
        return caption_values(self.elements().locate(element).locator("tr").evaluate_all(_READ_ROWS),
                              self.system, same, read)

    def notices(self, element: str) -> list[str]:
        """The lines `element` (a page's body) shows outside table rows: a notice above a result
        table (该企业已于…注销) or a table's caption, which a caption / value read passes over."""
        lines = self.elements().locate(element).inner_text().splitlines()
        return [" ".join(line.split()) for line in lines if "\t" not in line and line.strip()]


def caption_values(rows: Iterable[Sequence[str]], system: str, same: Mapping[str, str],
                   read: Collection[str]) -> dict[str, str]:
    """A table of caption / value rows (`<th>登记状态：</th><td>存续</td>`) as caption -> value, the
    caption without its colon (`same` names one that means another: 负责人 for 法定代表人), the
    value's spaces collapsed, a dash for "none" read as "". A caption the bot reads (`read`) shown
    twice with two values is PortalChanged: which one is the system's answer cannot be known (the
    values are not quoted: they may be personal); others (a 变更记录's rows) may repeat."""
    shown: dict[str, str] = {}
    for row in rows:
        caption = row[0].strip().rstrip("：:")
        caption, value = same.get(caption, caption), " ".join(row[1].split())
        value = "" if value in _NONE else value  # `注销日期：-`: no date shown (tester BG F12)
        if caption and shown.setdefault(caption, value) != value and caption in read:
            raise PortalChanged(f"{system}的结果页中「{caption}」出现两次，内容不同：无法确定哪一个是"
                                "系统的答复，请核对页面", code="result_unreadable")
    return shown
