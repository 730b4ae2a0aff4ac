"""FilingFormPage: the 开户, 变更 and 撤销 信息录入 forms (`selectors/ams.yaml`, pages
`open_form`, `change_form`, `close_form`).

    form = FilingFormPage(screen)
    form.open(record)     # 开户 from the menu; 变更 and 撤销 through the account-number query
    form.fill(record)     # every field the record sets (`_forms.form_steps`)
    text = form.submit()  # 下一步: the 信息核对 page's text, or the form's 提示信息 raised

How the fields are set is the screen's `quick` switch: one round trip for the whole form
(`bots.form_fill`), or one Playwright locate and action per field (the plain strategy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams._forms import FORM_PAGES, fill_form, form_steps
from bots.ams._tables import form_errors

if TYPE_CHECKING:
    from playwright.sync_api import Locator

    from bots.ams._pages import AmsPages
    from bots.ams.content import CanonicalFiling


class FilingFormPage:
    """One action's form in the tab worked in."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self._next: Locator | None = None
        self._what = "信息录入表单"

    def open(self, record: CanonicalFiling) -> None:
        """Open the record's action form (for 变更 and 撤销: after its account-number query)."""
        screen = self.screen
        self._what = what = codes.filing_words(record.action, record.account_no)
        if record.action == "open":
            text = screen.content.open(screen.menu.url("open"), what=what)
        else:
            text = screen.menu.query("account_entry", record.action, record.account_no, what)
        raise_form_errors(screen, text, what)
        _, self._next = screen.expect(FORM_PAGES[record.action], "next", text, what)

    def fill(self, record: CanonicalFiling) -> None:
        """Set every field the record sets, as `open` left the form."""
        page_name = FORM_PAGES[record.action]
        screen = self.screen
        fill_form(
            screen.content.frame(),
            screen.bind(page_name),
            screen.selectors.page(page_name),
            form_steps(record),
            record,
            one_round_trip=screen.quick,
        )

    def next_button(self) -> Locator:
        """The form's 下一步 button (found by `open`)."""
        if self._next is None:
            raise RuntimeError("表单还没有打开：先调用 FilingFormPage.open()")
        return self._next

    def submit(self) -> str:
        """Press 下一步; the 信息核对 page's text (the form's own objections raised in its words)."""
        text = self.screen.content.press(self.next_button(), what=self._what)
        raise_form_errors(self.screen, text, self._what)
        return text


def raise_form_errors(screen: AmsPages, text: str, what: str) -> None:
    """The form's numbered 提示信息 lines, if the page shows any, as the catalogue's error."""
    errors = form_errors(text)
    if errors:
        raise screen.catalogue.error_for_lines(errors, context=what)
