"""Probing AMS: visit every page the bot uses and report, per element, which candidate matched.

Read-only: nothing is ever submitted. The probe logs in, reads the menu, takes an account (the
one it is given, else the first listed on 备案业务清单), looks it up and reads its history by
the headers and row count of `selectors/ams.yaml`, opens one filing's 详情, opens each form,
and takes a 变更 of that account as far as 信息核对 (that step only checks the form and stores
nothing), never further; then it logs out. The result page only ever follows 确认提交, so it is
reported as not visited.

A miss never stops it: a query form whose 查询 button is not found is sent the way a person
would (Enter in the account field), a step that fails marks the pages behind it not visited,
with why, and the probe goes on with the rest. Only a refused login stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar

from playwright.sync_api import Error as PlaywrightError

from bots.ams import codes
from bots.ams._tables import TableRow, table_rows
from bots.ams.bot import AmsBot
from rpa.errors import LoginRefused, RpaError
from rpa.masking import scrub_text

T = TypeVar("T")
CLOSED_WORDS = "已撤销"  # the look-up's 账户状态 of a closed account
# shown only in states a read-only visit does not bring about: not matching them is no failure
STATE_ONLY = frozenset({("lookup", "next_page"), ("evidence", "inputs")})
HISTORY = "history"


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


class _Prober:
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


def probe_pages(bot: AmsBot, login: Callable[[], None], account: str | None = None) -> ProbeReport:
    """Probe every page of selectors/ams.yaml (see the module docstring); `account`: the account
    to look up (else the first listed on 备案业务清单)."""
    prober = _Prober(bot)
    every_page = list(bot.selectors.pages)
    bot.page.goto(bot.login_url, wait_until="domcontentloaded")
    prober.probe("login")
    def logged_in() -> bool:
        login()
        return True

    if not prober.attempt(logged_in, "登录未成功", *(p for p in every_page if p != "login")):
        return prober.report
    prober.probe("main")
    prober.open("list", "filing_list")
    accounts = [account] if account else _listed_accounts(bot)
    prober.open("open", "open_form")
    prober.open("change", "account_entry")
    if not accounts:
        prober.open("lookup", "lookup")  # the empty form only
        for page_name in ("detail", "change_form", "close_form", "check", "evidence"):
            prober.skip(page_name, "没有可查询的账号：备案业务清单为空，也没有给出 --account")
    else:
        _probe_account(prober, accounts)
    prober.skip("result", "只在按下“确认提交”之后出现，探测从不提交")
    prober.skip("message", "只在 AMS 有提示时出现")
    _log_out(prober)
    return prober.report


def _probe_account(prober: _Prober, accounts: list[str]) -> None:
    """Look up the accounts until one is still open (at most a page of them), read its history,
    open a 详情, the 撤销 and 变更 forms and the 变更's 信息核对."""
    bot = prober.bot
    text: str | None = None
    account = accounts[0]
    for account in accounts:
        text = prober.attempt(partial(prober.query, "lookup", "lookup", account), "查询未成功",
                              "lookup", "detail")  # fmt: skip
        if text is None or CLOSED_WORDS not in text:
            break
    if text is None:
        return
    prober.probe("lookup")
    detail_url = _probe_history(prober, text)
    _probe_next_page(prober, text)
    if detail_url is None:
        prober.skip("detail", "历史记录读不出“详情”链接")
    elif prober.attempt(lambda: bot.content.open(detail_url, what="探测详情页"), "详情未能打开",
                        "detail") is not None:  # fmt: skip
        prober.probe("detail")
    behind = ("change_form", "close_form", "check", "evidence")
    if CLOSED_WORDS in text:
        for page_name in behind:
            prober.skip(page_name, "查到的账户已撤销")
        return
    if prober.attempt(lambda: prober.query("account_entry", "close", account), "撤销表单未能打开",
                      "close_form") is not None:  # fmt: skip
        prober.probe("close_form")
    if prober.attempt(lambda: prober.query("account_entry", "change", account), "变更表单未能打开",
                      *behind[:1], *behind[2:]) is None:  # fmt: skip
        return
    prober.probe("change_form")
    prober.attempt(lambda: _to_check(prober), "信息核对未能打开", "check", "evidence")


def _to_check(prober: _Prober) -> None:
    """Fill the 变更 form's date and 变更事项 with harmless words and go on to 信息核对, which
    only checks the form: AMS stores nothing before 确认提交, which is never pressed."""
    bot = prober.bot
    form = bot.bind("change_form")
    form.locate("business_date").fill(date.today().isoformat())
    items = form.locate("change_items")
    items.fill("探测")
    try:
        button = form.locate("next", timeout_ms=1_000)
    except RpaError:
        bot.content.follow(lambda: items.press("Enter"), what="探测信息核对页")
    else:
        bot.content.press(button, what="探测信息核对页")
    check = bot.bind("check")
    if check.present("confirm") or check.present("check_table"):
        prober.probe("check")
        prober.probe("evidence")
    else:
        prober.skip("check", "变更表单未被接受")
        prober.skip("evidence", "需要信息核对页面")


def _probe_history(prober: _Prober, text: str) -> str | None:
    """The history table's columns and row count as rows of the lookup page; the first 详情 URL."""
    bot = prober.bot
    lookup = bot.bind("lookup")
    for name, spec in bot.selectors.page("lookup").tables.items():
        try:
            rows = table_rows(lookup.locate(spec.table, timeout_ms=1_000))
        except RpaError as exc:
            why = f"表格 {spec.table} 未找到（{type(exc).__name__}），读不出表头"
            for column in spec.columns:
                prober.report.put("lookup", f"{name}.{column}", Seen(problem="missing", why=why))
            rows = None
        if rows is not None:
            _probe_columns(prober, name, rows)
        counted = spec.count_in(text)
        prober.report.put(
            "lookup",
            f"{name}.row_count",
            Seen(f"pattern={counted[1]}", spec.row_count.index(counted[1]) + 1)
            if counted else Seen(problem="missing", why="行数（如 共N行）不符合任何 row_count 模式"),
        )  # fmt: skip
        if name == HISTORY and rows is not None:
            return next((r.links[0] for r in rows if not r.header and r.links), None)
    return None


def _probe_next_page(prober: _Prober, text: str) -> None:
    """The history's pager, as a row `history.next_page`: when the row count says there are more
    rows than the first page shows, 下一页 must be found and its page must show the table."""
    bot = prober.bot
    spec = bot.selectors.page("lookup").tables[HISTORY]
    row = f"{HISTORY}.next_page"
    counted = spec.count_in(text)
    try:
        rows = table_rows(bot.bind("lookup").locate(spec.table, timeout_ms=1_000))
    except RpaError:
        prober.report.put("lookup", row, Seen(problem="missing", why="历史表格未读出，无法判断翻页"))
        return
    shown = sum(1 for r in rows if not r.header and len(r.cells) > 1)
    if counted is None:
        prober.report.put("lookup", row, Seen(problem="missing", why="行数未读出，无法判断翻页"))
        return
    if counted[0] <= shown:
        prober.report.put("lookup", row, Seen(f"一页 {shown} 行即全部，无需翻页"))
        return

    def second_page() -> Seen:
        lookup = bot.bind("lookup")
        bot.content.press(lookup.locate("next_page", timeout_ms=1_000), what="探测下一页")
        more = table_rows(bot.bind("lookup").locate(spec.table, timeout_ms=2_000))
        return Seen(f"第 2 页 {sum(1 for r in more if not r.header and len(r.cells) > 1)} 行")

    why = f"共 {counted[0]} 行，第 1 页只有 {shown} 行"
    seen = prober.attempt(second_page, why)
    prober.report.put("lookup", row, seen or Seen(problem="missing", why=f"{why}，“下一页”未找到或读不出"))


def _probe_columns(prober: _Prober, table: str, rows: list[TableRow]) -> None:
    """Each column of the table: the header alias that names it (as `history_entries` maps)."""
    spec = prober.bot.selectors.page("lookup").tables[table]
    header = next((r.cells for r in rows if r.header), [])
    for column, aliases in spec.columns.items():
        named = [a for a in aliases if codes.plain(a) in header]
        if len(named) == 1:
            seen = Seen(f"header={named[0]}", aliases.index(named[0]) + 1)
        elif named:
            seen = Seen(problem="ambiguous", count=len(named))
        else:
            seen = Seen(problem="missing", why=f"表头为：{' | '.join(header) or '无表头'}")
        prober.report.put("lookup", f"{table}.{column}", seen)


def _log_out(prober: _Prober) -> None:
    """Press 退出系统 (the session ends; nothing else changes): a row `logout.back_to_login`."""
    bot = prober.bot
    try:
        with bot.page.expect_navigation(wait_until="domcontentloaded"):
            bot.bind("main").locate("logout", timeout_ms=1_000).click()
        back = bot.bind("login").locate("password", timeout_ms=2_000)
        seen = Seen("login.password") if back else Seen(problem="missing")
    except RpaError as exc:
        seen = Seen(problem="missing", why=f"退出未成功：{scrub_text(str(exc))[:120]}")
    except PlaywrightError as exc:
        seen = Seen(problem="missing", why=f"退出未成功：{scrub_text(exc.message)[:120]}")
    prober.report.put("logout", "back_to_login", seen)


def _listed_accounts(bot: AmsBot) -> list[str]:
    """The distinct account numbers on the first page of 备案业务清单."""
    listing = bot.bind("filing_list")
    if not listing.present("list_table"):
        return []
    try:
        rows = table_rows(listing.locate("list_table"))
    except RpaError:
        return []
    header = next((r.cells for r in rows if r.header), [])
    if "账号" not in header:
        return []
    column = header.index("账号")
    listed = [r.cells[column] for r in rows if not r.header and len(r.cells) > column]
    return list(dict.fromkeys(a for a in listed if a.isdigit()))
