"""The AMS probe's record and steps: `Seen` (one row of the probe's table), `ProbeReport` (page ->
element -> the candidate that matched, the real problems in `missing`) and `Prober`, which
probes a page shown, marks a page not shown with why, and runs a step whose failure marks the
pages behind it not visited instead of stopping the probe.

    >>> prober = Prober(bot)
    >>> prober.open("list", "filing_list")          # True, and its elements' rows in prober.report
    >>> prober.report.missing
    [('filing_list', 'list_table')]

bots.ams._probe walks the pages with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bots.ams.bot import AmsBot
from rpa.errors import LoginRefused, RpaError
from rpa.masking import scrub_text

T = TypeVar("T")
# shown only in states a read-only visit does not bring about: not matching them is no failure
STATE_ONLY = frozenset({("lookup", "next_page"), ("filing_list", "next_page"), ("evidence", "inputs")})


@dataclass(frozen=True)
class Seen:
    """One row of the probe's table: the candidate that matched (its number from 1 and its
    description), or the problem: `missing`, `ambiguous` (`count` elements), `no_section`,
    `not_visited` (`why`)."""

    candidate: str | None = None
    number: int | None = None
    problem: str | None = None
    count: int = 0
    why: str = ""


class ProbeReport(dict[str, dict[str, str | None]]):
    """page -> element -> the candidate that matched (None: none did, or the page was not shown).

    `seen` has the same rows in full (`Seen`); `not_visited` says why a page was not shown;
    `missing` lists the (page, element) pairs that matched nothing, or more than one element, on
    a page that was shown (state-only elements excepted): the real problems. A table's columns
    and row count are rows of their page too (`history.action`, `history.row_count`).
    """

    def __init__(self) -> None:
        super().__init__()
        self.not_visited: dict[str, str] = {}
        self.seen: dict[str, dict[str, Seen]] = {}

    def put(self, page: str, element: str, seen: Seen) -> None:
        self.setdefault(page, {})[element] = seen.candidate
        self.seen.setdefault(page, {})[element] = seen

    @property
    def missing(self) -> list[tuple[str, str]]:
        return [
            (page, element)
            for page, elements in self.seen.items()
            if page not in self.not_visited
            for element, seen in elements.items()
            if seen.problem not in (None, "state_only") and (page, element) not in STATE_ONLY
        ]


class Prober:
    """The probe's steps on one AMS bot: probe a page shown, skip one not shown (why), attempt a
    step that may fail, open a menu's page, query an account; the rows go to `report`."""

    def __init__(self, bot: AmsBot) -> None:
        self.bot = bot
        self.report = ProbeReport()

    def probe(self, page_name: str) -> None:
        self.report.not_visited.pop(page_name, None)
        for element, found in self.bot.bind(page_name).probe_detail().items():
            number = None if found.index is None else found.index + 1
            if found.problem == "missing" and (page_name, element) in STATE_ONLY:
                seen = Seen(problem="state_only", why="只在某些状态下出现（如历史多于一页），不算缺失")
            else:
                seen = Seen(found.candidate, number, found.problem, found.count)
            self.report.put(page_name, element, seen)

    def skip(self, page_name: str, why: str) -> None:
        if page_name in self.report and page_name not in self.report.not_visited:
            return  # shown already
        for element in self.bot.selectors.page(page_name).elements:
            self.report.put(page_name, element, Seen(problem="not_visited", why=why))
        for name, table in self.bot.selectors.page(page_name).tables.items():
            for column in [*table.columns, "row_count", "next_page"]:
                self.report.put(page_name, f"{name}.{column}", Seen(problem="not_visited", why=why))
        self.report.not_visited[page_name] = why

    def attempt(self, step: Callable[[], T], what: str, *behind: str) -> T | None:
        """`step`, or None after marking the pages `behind` it not visited (why: its error)."""
        try:
            return step()
        except LoginRefused:
            raise
        except RpaError as exc:
            why = f"{what}：{scrub_text(str(exc))[:160]}"
            for page_name in behind:
                self.skip(page_name, why)
            return None

    def open(self, menu: str, page_name: str) -> bool:
        opened = self.attempt(
            lambda: self.bot.content.open(self.bot.menu_url(menu), what=f"探测页面 {page_name}"),
            f"{page_name} 未能打开", page_name,
        )
        if opened is None:
            return False
        self.probe(page_name)
        return True

    def query(self, page_name: str, menu: str, account: str) -> str:
        """Open `menu`'s account query form and send it for `account`: by its 查询 button, or,
        when that is not found, by Enter in the account field (what a person would do)."""
        bot = self.bot
        what = f"探测页面 {page_name}"
        bot.content.open(bot.menu_url(menu), what=what)
        form = bot.bind(page_name)
        field = form.locate("account_no")
        field.fill(account)
        try:
            button = form.locate("query", timeout_ms=1_000)
        except RpaError:
            return bot.content.follow(lambda: field.press("Enter"), what=what)
        return bot.content.press(button, what=what)
