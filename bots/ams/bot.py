"""The AMS bot: what an operator does on the portal, one method each, composed of the page
objects in `bots.ams.pages` (one per screen).

    bot = AmsBot(page, selectors, settings, catalogue)
    with session.login_window():
        bot.login(code, password)                  # one attempt: a refusal is LoginRefused
    history = bot.find_filings(account_no)       # the account's filings, every page of them
    shown = bot.filing_detail(history.entries[0])  # one filing's content, canonical fields
    listed = bot.list_filings(begin, end)        # 备案业务清单: the institution's filings, every page
    check = bot.prepare_filing(record)           # form filled, 信息核对 shown: its content
    answer = bot.confirm_submission(record)      # confirm() accepted; 成功 + filing number
    bot.save_receipt(path)                       # the success page, account numbers masked

This is the plain way, one page at a time; the pipelined strategy
(`bots.ams.strategies.pipelined`) opens two more tabs and sets pages loading there ahead, which
the methods here take when they are the pages asked for. No step is repeated here: a 500, a
timeout or the batch window is raised, and the queue's backoff retries the item from its
look-up (`rpa.errors`); 确认提交 is never pressed again without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from bots.ams import codes
from bots.ams._pages import FOUND_AFTER_LOAD_MS, AmsPages
from bots.ams._tables import HistoryEntry
from bots.ams.content import CanonicalFiling
from bots.ams.pages import AccountHistory, FilingAnswer, check_key
from bots.ams.pages.filing_list import PAGE as LIST_PAGE
from bots.ams.pages.filing_list import FilingListPage, ListedFiling
from rpa.errors import PortalChanged, SelectorNotFound
from rpa.masking import mask_tail

__all__ = ["AccountHistory", "AmsBot", "FilingAnswer", "ListedFiling"]


class AmsBot(AmsPages):
    """What an operator does on AMS: log in, look accounts up, read filings, file."""

    # -- login -----------------------------------------------------------------------------
    def login(self, code: str, password: str) -> None:
        """Log in; call it inside `BrowserSession.login_window()`. A 500 or a batch window is a
        system error (PortalUnavailable, BatchWindow) for the caller to try again later; a refusal
        (wrong password, locked, disabled) is LoginRefused: a second try at a refused password
        locks the operator out."""
        self.content.forget()
        self.to_front()  # a click in a tab behind waits for a paint that may not come for seconds
        self.login_page.log_in(code, password)
        self.menu.read()
        self.content.frame()
        main_url = self.page.url
        for tab in (self._lookup_tab, self._spare_tab):
            if tab is not None:  # the other tabs share the session: they open the main page
                tab.open_main(main_url)

    @property
    def system_code(self) -> str | None:
        """The system/institution code AMS showed after login (None: it shows none)."""
        return self.menu.system_code

    def logout(self) -> bool:
        """Leave AMS (`MenuPage.log_out`); True if a session was ended."""
        return self.menu.log_out()

    # -- look-up ---------------------------------------------------------------------------
    def find_filings(self, account_no: str) -> AccountHistory:
        """The account's filing history, every page of it; `filed` False only if AMS says it does
        not know the account (该账户未备案). A page that shows neither that nor a history read by
        the headers of selectors/ams.yaml (page `lookup`, table `history`) is an error."""
        with self._in_tab(self._lookup_tab):
            return self.history.read(account_no)

    def filing_detail(self, entry: HistoryEntry) -> dict[str, str]:
        """One filing's content as its 详情 page shows it (canonical fields, `content.py`)."""
        with self._in_tab(self._lookup_tab):
            return self.history.detail(entry)

    def list_filings(self, begin: date, end: date) -> tuple[ListedFiling, ...]:
        """备案业务清单 for business dates begin..end, every page (`FilingListPage.read`), and one
        filing of each account-number length it shows looked up in its account's history: a list
        cutting every number to 8 digits (a valid length) would otherwise read as other accounts'
        filings (tester AN). A listed filing its account's history does not hold is PortalChanged."""
        with self._in_tab(self._lookup_tab):
            listed = FilingListPage(self).read(begin, end)
            for filing in {len(f.account_no): f for f in reversed(listed)}.values():
                history = self.history.read(filing.account_no)
                if filing.filing_no not in {entry.filing_no for entry in history.entries}:
                    where = "的备案历史中没有这一备案" if history.filed else "时 AMS 答该账户未备案"
                    raise PortalChanged(
                        f"备案业务清单 {begin.isoformat()} 至 {end.isoformat()}：清单中账号显示为 "
                        f"{mask_tail(filing.account_no)}（{len(filing.account_no)} 位）的备案，按这个账号查询"
                        f"{where}：清单显示的账号可能被截短，未据此核对；请在 AMS 中查看清单的账号显示",
                        code="list_account_unconfirmed")
            return listed

    def list_masks(self) -> list[Locator]:
        """What to black out on a failure screenshot of 备案业务清单: the personal elements, the
        operator's name and the list's table (account numbers, names), or the whole content
        frame when no table is found."""
        try:
            table = self.bind(LIST_PAGE).locate("list_table", timeout_ms=FOUND_AFTER_LOAD_MS)
        except (SelectorNotFound, PortalChanged, PlaywrightError):
            table = (self.page_in_use or self.page).locator(self.frame_css)
        return [*self.failure_masks(), *self.operator_masks(self.page_in_use), table]

    # -- filing ----------------------------------------------------------------------------
    def prepare_filing(self, record: CanonicalFiling) -> dict[str, str]:
        """Fill the action's form and go on to 信息核对; returns what that page shows (canonical
        fields). The portal's objections to the form are raised in its own words."""
        what = codes.filing_words(record.action, record.account_no)
        self.to_front()
        self.page_in_use = self.page  # the record's form and 信息核对, from here to its answer
        text = self.content.take(check_key(record), what=what)  # 信息核对 loaded ahead, if it was
        if text is None:
            self.form.open(record)
            self.form.fill(record)
            text = self.form.submit()
        return self.review.reach(record, text)

    def confirm_submission(
        self, record: CanonicalFiling, *, meanwhile: Callable[[], None] | None = None
    ) -> FilingAnswer:
        """Press 确认提交 on the 信息核对 page, accept its confirm(), and read the answer;
        `meanwhile` runs while the answer is on its way (it must not raise).

        Never repeated: an answer that does not come, or comes as a 5xx or gateway page, is an
        ApplicationError coded `answer_lost`, and whoever retries must look the account up first.
        """
        text = self.review.confirm(record, meanwhile=meanwhile)
        return self.result.read(record, text)
