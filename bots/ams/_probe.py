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
from datetime import date
from functools import partial

from playwright.sync_api import Error as PlaywrightError

from bots.ams._probe_history import probe_history, probe_next_page
from bots.ams._prober import Prober, ProbeReport, Seen
from bots.ams._tables import table_rows
from bots.ams.bot import AmsBot
from rpa.errors import RpaError
from rpa.masking import scrub_text

CLOSED_WORDS = "已撤销"  # the look-up's 账户状态 of a closed account


def probe_pages(bot: AmsBot, login: Callable[[], None], account: str | None = None) -> ProbeReport:
    """Probe every page of selectors/ams.yaml (see the module docstring); `account`: the account
    to look up (else the first listed on 备案业务清单)."""
    prober = Prober(bot)
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


def _probe_account(prober: Prober, accounts: list[str]) -> None:
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
    detail_url = probe_history(prober, text)
    probe_next_page(prober, text)
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


def _to_check(prober: Prober) -> None:
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


def _log_out(prober: Prober) -> None:
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
