"""Probing AMS: visit every page the bot uses and report, per element, which candidate matched.

Read-only: nothing is ever submitted. The probe takes an account from the first page of
备案业务清单, looks it up, opens one filing's 详情, opens each form, and takes a 变更 of that
account as far as 信息核对 (that step only checks the form and stores nothing), never further.
The result page only ever follows 确认提交, so it is reported as not visited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bots.ams._tables import history_entries, table_rows
from bots.ams.bot import AmsBot

CLOSED_WORDS = "已撤销"  # the look-up's 账户状态 of a closed account
# shown only in states a read-only visit does not bring about: not matching them is no failure
STATE_ONLY = frozenset({("lookup", "next_page"), ("evidence", "inputs")})


class ProbeReport(dict[str, dict[str, str | None]]):
    """page -> element -> the candidate that matched (None: none did, or the page was not shown).

    `not_visited` says why a page was not shown; `missing` lists the (page, element) pairs that
    matched nothing on a page that was shown (state-only elements excepted): the real problems.
    """

    def __init__(self) -> None:
        super().__init__()
        self.not_visited: dict[str, str] = {}

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [
            (page, element)
            for page, elements in self.items()
            if page not in self.not_visited
            for element, matched in elements.items()
            if matched is None and (page, element) not in STATE_ONLY
        ]


class _Prober:
    def __init__(self, bot: AmsBot) -> None:
        self.bot = bot
        self.report = ProbeReport()

    def probe(self, page_name: str) -> None:
        self.report[page_name] = dict(self.bot.bind(page_name).probe())

    def skip(self, page_name: str, why: str) -> None:
        self.report[page_name] = dict.fromkeys(self.bot.selectors.page(page_name).elements)
        self.report.not_visited[page_name] = why

    def open(self, menu: str, page_name: str) -> None:
        self.bot.content.open(self.bot.menu_url(menu), what=f"probe: {page_name}")
        self.probe(page_name)


def probe_pages(bot: AmsBot, login: Callable[[], None]) -> ProbeReport:
    """Probe every page of selectors/ams.yaml (see the module docstring)."""
    prober = _Prober(bot)
    bot.page.goto(bot.login_url, wait_until="domcontentloaded")
    prober.probe("login")
    login()
    prober.probe("main")
    prober.open("list", "filing_list")
    accounts = _listed_accounts(bot)
    prober.open("open", "open_form")
    prober.open("change", "account_entry")
    if not accounts:
        prober.open("lookup", "lookup")  # the empty form only
        for page_name in ("detail", "change_form", "close_form", "check", "evidence"):
            prober.skip(page_name, "备案业务清单 lists no filing to open it with")
    else:
        _probe_account(prober, accounts)
    prober.skip("result", "only shown after 确认提交, which a probe never presses")
    prober.skip("message", "only shown when AMS has something to say")
    return prober.report


def _probe_account(prober: _Prober, accounts: list[str]) -> None:
    """Look up the listed accounts until one is still open (at most a page of them)."""
    bot = prober.bot
    for account in accounts:
        text = bot.query_account("lookup", "lookup", account)
        if CLOSED_WORDS not in text:
            break
    prober.probe("lookup")
    entries = history_entries(table_rows(bot.bind("lookup").locate("history_table")))
    if entries and entries[0].detail_url:
        bot.content.open(entries[0].detail_url, what="probe: detail")
        prober.probe("detail")
    else:
        prober.skip("detail", "the history has no 详情 link")
    if CLOSED_WORDS in text:
        for page_name in ("change_form", "close_form", "check", "evidence"):
            prober.skip(page_name, "the account found is closed")
        return
    bot.query_account("account_entry", "close", account)
    prober.probe("close_form")
    bot.query_account("account_entry", "change", account)
    prober.probe("change_form")
    form = bot.bind("change_form")
    form.locate("business_date").fill(date.today().isoformat())
    form.locate("change_items").fill("探测")
    text = bot.content.press(form.locate("next"), what="probe: 信息核对")
    if bot.bind("check").present("confirm"):
        prober.probe("check")
        prober.probe("evidence")
    else:
        prober.skip("check", "the change form was not accepted")
        prober.skip("evidence", "needs the 信息核对 page")


def _listed_accounts(bot: AmsBot) -> list[str]:
    """The distinct account numbers on the first page of 备案业务清单."""
    listing = bot.bind("filing_list")
    if not listing.present("list_table"):
        return []
    rows = table_rows(listing.locate("list_table"))
    header = next((r.cells for r in rows if r.header), [])
    if "账号" not in header:
        return []
    column = header.index("账号")
    listed = [r.cells[column] for r in rows if not r.header and len(r.cells) > column]
    return list(dict.fromkeys(a for a in listed if a.isdigit()))
