"""备案业务清单 through the AMS bot in real Chromium against the mock portal, three filings a page:
every page is read (as many rows as 共N行 says), filings outside the dates are not listed, a
portal whose ids, names and classes all changed is read through the label candidates, and a list
page that drifted (a header renamed, a column gone) is refused naming what is missing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from bots.ams import AmsBot, load_message_catalogue
from fixtures.portals.common import RunningServer, serve_in_thread
from rpa.browser.selectors import load_selectors
from rpa.errors import ApplicationError, RunFatalError
from rpa.settings import Settings
from tests.check_exports import uscc

pytestmark = pytest.mark.browser
BANK = "102100099996"  # DOMAIN.md's sample bank code


@pytest.fixture(scope="module")
def small_pages() -> Iterator[RunningServer]:
    """An AMS of its own that lists three filings a page."""
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(page_size=3))
    yield server
    server.stop()


def _open(account: str, day: str, name: str) -> dict[str, Any]:
    """A 开户 of a basic account, typed in by hand by another branch's clerk; each depositor's
    credit code from its account's last digits and the GB 32100 check character."""
    return {"action": "open", "account_no": account, "account_kind": "basic", "business_date": day,
            "depositor_name": name, "depositor_category": "企业法人",
            "uscc": uscc(f"9111010578{account[-7:]}"),
            "legal_rep_role": "法定代表人", "legal_rep_name": "王芳", "id_type": "居民身份证",
            "id_number": "11010519491231002X", "registered_address": "北京市西城区金融大街1号",
            "registered_capital_yuan": "1000000.00", "business_scope": "软件开发", "bank_code": BANK,
            "operator_id": "BR0203"}  # fmt: skip


PLANTED = [  # eight in the week of 2026-11-16, one the Monday after
    _open("6222021001000000011", "2026-11-16", "北京和光商贸有限公司"),
    _open("6222021001000000029", "2026-11-16", "北京远山咨询有限公司"),
    _open("6222021001000000037", "2026-11-17", "北京青禾农业科技有限公司"),
    _open("6222021001000000045", "2026-11-18", "北京长河物流有限公司"),
    _open("6222021001000000052", "2026-11-18", "北京明德教育咨询有限公司"),
    _open("6222021001000000060", "2026-11-19", "北京嘉禾餐饮管理有限公司"),
    _open("6222021001000000078", "2026-11-20", "北京锦程旅游有限公司"),
    _open("6222021001000000086", "2026-11-20", "北京百川水务工程有限公司"),
    _open("6222021001000000094", "2026-11-23", "北京新月文化传媒有限公司"),
]


@pytest.fixture
def bot(small_pages: RunningServer, page: Any) -> AmsBot:
    with httpx.Client(base_url=small_pages.url, timeout=30.0) as admin:
        admin.post("/_admin/reset").raise_for_status()
        admin.post("/_admin/plant", json=PLANTED).raise_for_status()
    settings = Settings(ams_url=small_pages.url)
    robot = AmsBot(page, load_selectors("ams", settings.selectors_dir), settings,
                   load_message_catalogue(settings.config_dir))  # fmt: skip
    robot.login("OP0001", "Ams0001!")
    return robot


def _rewrite_list(page: Any, old: str, new: str) -> None:
    """备案业务清单 as a portal that renamed `old` to `new` would serve it (GBK)."""

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(old, new)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/filingList.do*", handle)


def test_every_page_of_the_list_is_read(bot: AmsBot) -> None:
    listed = bot.list_filings(date(2026, 11, 16), date(2026, 11, 20))  # 8 filings: 3 pages of 3
    assert [f.account_no for f in listed] == [p["account_no"] for p in PLANTED[:8]]
    first = listed[0]
    assert (first.action, first.business_date, first.account_kind, first.depositor_name, first.bank_code,
            first.uscc) == ("open", "2026-11-16", "基本存款账户", "北京和光商贸有限公司", BANK,
                            uscc("91110105780000011"))  # fmt: skip
    assert all(f.filing_no for f in listed) and len({f.filing_no for f in listed}) == 8
    assert bot.list_filings(date(2026, 11, 21), date(2026, 11, 22)) == ()  # a weekend: none filed


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("<th>账号</th>", "<th>账户号码</th>", "找不到这些列的表头：account_no (账号)"),
        ("<th>存款人名称</th>", "", "找不到这些列的表头：depositor_name (存款人名称)"),
        ("共", "合计", "页面上没有显示总行数"),
    ],
    ids=["header_renamed", "column_gone", "row_count_gone"],
)
def test_a_list_page_that_drifted_is_refused_naming_what_is_missing(
    bot: AmsBot, page: Any, old: str, new: str, words: str
) -> None:
    _rewrite_list(page, old, new)
    with pytest.raises(RunFatalError) as caught:
        bot.list_filings(date(2026, 11, 16), date(2026, 11, 20))
    assert words in str(caught.value)
    assert "6222021001000000011" not in str(caught.value)


def test_a_pager_that_cannot_be_followed_is_an_error_never_a_short_list(bot: AmsBot, page: Any) -> None:
    _rewrite_list(page, ">下一页</a>", ">后一页</a>")
    with pytest.raises(ApplicationError, match="读到 3 条备案，页面却显示共8行"):
        bot.list_filings(date(2026, 11, 16), date(2026, 11, 20))


def test_a_portal_with_ids_names_and_classes_renamed_is_read_through_the_label_candidates(page: Any) -> None:
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(page_size=3, markup_variant="renamed"))
    try:
        with httpx.Client(base_url=server.url, timeout=30.0) as admin:
            admin.post("/_admin/plant", json=PLANTED[:7]).raise_for_status()
        settings = Settings(ams_url=server.url)
        robot = AmsBot(page, load_selectors("ams", settings.selectors_dir), settings,
                       load_message_catalogue(settings.config_dir))  # fmt: skip
        robot.login("OP0001", "Ams0001!")
        listed = robot.list_filings(date(2026, 11, 16), date(2026, 11, 20))  # 3 pages: 3, 3 and 1
        assert [f.account_no for f in listed] == [p["account_no"] for p in PLANTED[:7]]
    finally:
        server.stop()
