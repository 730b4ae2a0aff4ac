"""The AMS bot: what an operator does on the portal, one method each, composed of the page
objects in `bots.ams.pages` (one per screen).

    bot = AmsBot(page, selectors, settings, catalogue)
    with session.login_window():
        bot.login(code, password)                  # one attempt: a refusal is LoginRefused
    history = bot.find_filings(account_no)       # the account's filings, every page of them
    shown = bot.filing_detail(history.entries[0])  # one filing's content, canonical fields
    listed = bot.list_filings(begin, end)        # 备案业务清单: the institution's filings, every page
    refused = bot.confirm_listed(listed, known)  # each account not `known` found in its history
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

from collections.abc import Callable, Iterable
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
from rpa.errors import ApplicationError, BusinessError, PortalChanged, SelectorNotFound
from rpa.masking import mask_tail

__all__ = ["AccountHistory", "AmsBot", "FilingAnswer", "ListedFiling"]


# the look-up's business answers that mean AMS will not show a known account (not that the number is wrong)
WILL_NOT_SHOW = frozenset({"account_closed"})


class AmsBot(AmsPages):
    """What an operator does on AMS: log in, look accounts up, read filings, file."""

    _confirming = False  # looking up the accounts 备案业务清单 showed (`confirm_listed`)

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
        self.content.settled()
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
        """备案业务清单 for business dates begin..end, every page (`FilingListPage.read`)."""
        self._confirming = False
        with self._in_tab(self._lookup_tab):
            return FilingListPage(self).read(begin, end)

    def confirm_listed(
        self, listed: Iterable[ListedFiling], known: Callable[[ListedFiling], bool],
        found: Callable[[str, set[str]], None] = lambda account, numbers: None,
    ) -> dict[str, str]:
        """Look up in AMS's account history the account of each listed filing that is not `known`
        (one the bank's own records hold, by account and filing number), and find every filing
        the list gives it there. A list that cuts its numbers (to 8 digits, a valid length) reads
        as other accounts' filings otherwise: testers AN, AQ and AR met it with exit 0, also when
        only some were cut, or cut to an account of ours or the export's. A number AMS
        does not know, answers with another account for, or whose history lacks a listed filing,
        is PortalChanged; a 500 is retried by the queue (`found` is told each account confirmed,
        with its listed filing numbers, as it is: a retry need not look it up again). Returns
        {account: AMS's words} of the accounts AMS refused to show: not confirmed, said by the caller."""
        wanted: dict[str, set[str]] = {}
        for filing in listed:
            if not known(filing):
                wanted.setdefault(filing.account_no, set()).add(filing.filing_no)
        refused: dict[str, str] = {}
        self._confirming = True  # a failure screenshot, taken once the error is raised, masks the page whole
        with self._in_tab(self._lookup_tab):
            for account, numbers in wanted.items():
                try:
                    self._confirm_account(account, numbers)
                except BusinessError as exc:  # `WILL_NOT_SHOW`'s
                    refused[account] = exc.portal_message or str(exc)
                else:
                    found(account, numbers)
        self._confirming = False
        return refused

    def _confirm_account(self, account: str, numbers: set[str]) -> None:
        said = f"备案业务清单中账号显示为 {mask_tail(account)}（{len(account)} 位）的备案，按这个账号查询时"
        try:
            history = self.history.read(account)
        except BusinessError as exc:
            if exc.code in WILL_NOT_SHOW:
                raise
            where = f"AMS 答：{exc.portal_message or exc}"  # a form error a cut or mangled number draws
        except ApplicationError as exc:
            if exc.code != "lookup_other_account":
                raise
            where = "AMS 显示的是另一个账户"  # a look-up matching the number's end, say
        else:
            if numbers <= {entry.filing_no for entry in history.entries}:
                return
            where = "AMS 显示的备案历史中没有这一备案" if history.filed else "AMS 答该账户未备案"
        raise PortalChanged(f"{said}{where}：清单显示的账号可能被截短，未据此核对；"
                            "请在 AMS 中查看清单的账号显示", code="list_account_unconfirmed")

    def list_masks(self) -> list[Locator]:
        """What to black out on a failure screenshot of 备案业务清单: the personal elements, the
        operator's name and the list's table (account numbers, names), or the whole content
        frame when no table is found."""
        whole = (self.page_in_use or self.page).locator(self.frame_css)
        if self._confirming:  # an account's look-up: its names and numbers
            return [*self.failure_masks(), *self.operator_masks(self.page_in_use), whole]
        try:
            table = self.bind(LIST_PAGE).locate("list_table", timeout_ms=FOUND_AFTER_LOAD_MS)
        except (SelectorNotFound, PortalChanged, PlaywrightError):
            table = whole
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
