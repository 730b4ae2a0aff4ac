"""LoginPage: AMS's login form (`selectors/ams.yaml`, page `login`).

    LoginPage(screen).log_in(code, password)   # one attempt: a refusal is LoginRefused

The page is AMS's top page (no content frame). A 500 or a batch window is the portal's state
(raised: the queue retries the item); a refusal is the message catalogue's error, raised at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bots.ams._frame import browser_errors
from rpa.masking import FieldClass, mask

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages
    from rpa.browser.bound_page import BoundPage


class LoginPage:
    """The operator code, the password and 登录."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen

    def log_in(self, code: str, password: str) -> None:
        """Open the login page, type the code and password, press 登录 and read what came back:
        the login page again (with AMS's words) is a refusal."""
        screen = self.screen
        what = f"操作员 {mask(code, FieldClass.ACCOUNT_NO)} 登录"
        with browser_errors(what):
            response = screen.page.goto(screen.login_url, wait_until="domcontentloaded")
        before = self._text()
        screen.content.state.check(before, response.status if response else None, "", what=what)
        form = self._form(before, what)
        form.locate("operator_code").fill(code)
        form.locate("password").fill(password)
        with browser_errors(what), screen.page.expect_navigation(wait_until="domcontentloaded") as navigation:
            form.locate("submit").click()
        after = self._text()
        status = navigation.value.status if navigation.value else None
        screen.content.state.check(after, status, "", what=what)
        if not screen.bind("login").present("password"):
            return
        news = [line for line in after.splitlines() if line.strip() and line not in before.splitlines()]
        raise screen.catalogue.error_for("\n".join(news) or after, context=what, at_login=True)

    def _text(self) -> str:
        return str(self.screen.page.locator("body").inner_text())

    def _form(self, text: str, what: str) -> BoundPage:
        """The login form, or the error the page shown instead means."""
        bound = self.screen.bind("login")
        if not bound.present("password"):
            found = self.screen.catalogue.classify(text)
            if found.kind is not None:
                raise self.screen.catalogue.error_for(found.text, context=what)
            bound.locate("password")
        return bound
