"""The pipelined strategy: three tabs of one session, one item ahead, pages that only read
loaded early, page marks, forms filled in one round trip, clicks without Playwright's waits.

    strategy = PipelinedStrategy(bot)
    strategy.open_tabs(lookup=session.new_page(), spare=session.new_page())  # before login
    strategy.look_ahead(next_record)  # the item claimed ahead (None: none)
    strategy.begin(record)            # its tab comes forward; the next form starts loading
    ... bot.find_filings(record.account_no) ...
    strategy.looked_up(record)        # the next look-up starts loading
    bot.confirm_submission(record, meanwhile=strategy.meanwhile(record))  # next 信息核对 too

Look-ups and 详情 pages are read in the look-up tab; the form and 信息核对 in two filing tabs
taken by turns, so the next item's pages load while this one is worked. Only pages that read go
ahead: the next 确认提交 still follows its own look-up, and nothing is loaded ahead for an item
of the same account (its look-up must see this filing) or in a dry run. A portal that keeps one
open form per session turns the tabs off by itself (`AmsPages.work_alone`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from bots.ams.pages import check_key
from rpa.errors import RpaError

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from bots.ams.bot import AmsBot
    from bots.ams.content import CanonicalFiling


class PipelinedStrategy:
    """Works one item ahead in three tabs (see the module docstring)."""

    name = "pipelined"
    looks_ahead = True  # the worker claims one item ahead and keeps both leases

    def __init__(self, bot: AmsBot, *, dry_run: bool = False) -> None:
        self.bot = bot
        self.dry_run = dry_run
        self._next: CanonicalFiling | None = None
        bot.use_quick(True)

    # -- the handler's hooks ---------------------------------------------------------------
    def look_ahead(self, upcoming: CanonicalFiling | None) -> None:
        """The record this worker handles next (claimed ahead: no other worker can file it)."""
        self._next = upcoming

    def begin(self, record: CanonicalFiling) -> None:
        """The record's turn: the tab its pages loaded in comes forward; the other filing tab is
        free now, and the next record's form starts loading there."""
        self.take_turn(record)
        upcoming = self._upcoming(record)
        if upcoming is not None:
            self.load_form_ahead(upcoming)

    def looked_up(self, record: CanonicalFiling) -> None:
        """The record's look-up is read (and it is to be filed): the next look-up starts
        loading. Not before: an already-filed receipt shoots the look-up tab."""
        upcoming = self._upcoming(record)
        if upcoming is not None:
            self.load_look_up_ahead(upcoming)

    def meanwhile(self, record: CanonicalFiling) -> Callable[[], None] | None:
        """While this record's 确认提交 is answered: fill the next record's form and let its
        信息核对 load (both only read). Work done ahead is only a head start: if it fails, the
        next item does it again itself, so nothing here may disturb this item's answer."""
        upcoming = self._upcoming(record)
        if upcoming is None:
            return None

        def check_next() -> None:
            try:
                self.check_ahead(upcoming)
            except (RpaError, PlaywrightError) as exc:
                logger.debug("下一条记录的信息核对未能提前载入：{}", type(exc).__name__)

        return check_next

    def _upcoming(self, record: CanonicalFiling) -> CanonicalFiling | None:
        """The next record, if its pages may load while this one is in hand: not in a dry run,
        and not of the same account (its look-up must see this filing)."""
        upcoming = self._next
        if upcoming is None or self.dry_run or upcoming.account_no == record.account_no:
            return None
        return upcoming

    # -- tabs ------------------------------------------------------------------------------
    def open_tabs(self, lookup: Page, spare: Page) -> None:
        """Work in three tabs of one session, as an operator might: look-ups (and 详情 pages) in
        `lookup`, filings in the bot's first tab and `spare` by turns. Call it before login."""
        bot = self.bot
        bot._lookup_tab, bot._spare_tab = bot._content_frame(lookup), bot._content_frame(spare)
        bot._front = None  # a page opened later is in front now, not the filing tab

    def load_form_ahead(self, record: CanonicalFiling) -> None:
        """Set the record's form loading in the spare filing tab (it only reads), to be filled by
        `check_ahead` or taken by `prepare_filing` when its turn comes. Does nothing without the
        tabs, or before its URL is known."""
        spare, form = self.bot._spare_tab, self._form_url(record)
        if spare is not None and form is not None:
            spare.start(form)

    def load_look_up_ahead(self, record: CanonicalFiling) -> None:
        """Set the record's look-up loading in the look-up tab, to be taken by `find_filings`.
        Does nothing without the tabs, or before the query URL is known."""
        lookup = self.bot._lookup_tab
        url = self.bot.menu.known_query("lookup", record.account_no)
        if lookup is not None and url is not None:
            lookup.start(url)

    def take_turn(self, record: CanonicalFiling) -> None:
        """Start on a record: the tab where its form or 信息核对 loaded ahead becomes the filing
        tab (and comes to the front), so the other one is free for the record after it."""
        bot, spare = self.bot, self.bot._spare_tab
        started = spare.started() if spare is not None else None
        ours = (self._form_url(record), check_key(record))
        if spare is not None and started is not None and started in ours:
            bot._spare_tab, bot.content = bot.content, spare
            bot.page = spare.page
        bot.to_front()

    def check_ahead(self, record: CanonicalFiling) -> bool:
        """In the spare filing tab, fill the record's form (loaded by `load_form_ahead`) and set
        its 信息核对 page loading, for `prepare_filing` to take. 信息核对 only reads: nothing is
        submitted before that record's own look-up and 确认提交. False if it did not start."""
        bot = self.bot
        spare, form = bot._spare_tab, self._form_url(record)
        if spare is None or form is None or spare.started() != form:
            return False
        with bot._in_tab(spare, ahead=True):
            bot.form.open(record)
            bot.form.fill(record)
            return spare.start_press(bot.form.next_button(), check_key(record))

    def _form_url(self, record: CanonicalFiling) -> str | None:
        menu = self.bot.menu
        if record.action == "open":
            return menu.url("open")
        return menu.known_query(record.action, record.account_no)

