"""The AMS bot in real Chromium against the mock portal: login, look-up with history, the three
forms through 信息核对 and the confirm(), lost answers, refusals, portal states, a renamed copy
of the portal, and the message catalogue."""

from __future__ import annotations

import re
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from bots.ams import AmsBot, MessageCatalogue, differing_fields, load_message_catalogue
from bots.ams.strategies import STRATEGIES, PipelinedStrategy, open_strategy
from fixtures.portals.common import serve_in_thread
from flows.account_filing.check_page import ALTERS_KEPT, CHECK_PAGE_KEY, ams_now, check_page_agrees
from flows.account_filing.history_match import compared_fields, match_history
from flows.account_filing.probe import probe_ams
from flows.account_filing.records import FilingRecord
from rpa.audit.log import AuditLog
from rpa.browser.selectors import load_selectors
from rpa.errors import (
    ApplicationError,
    BatchWindow,
    InvalidRecord,
    LoginRefused,
    NeedsPerson,
    PortalChanged,
    PortalRefusal,
    PortalUnavailable,
    RpaError,
    RunFatalError,
    SessionLost,
)
from rpa.queue.work_queue import ItemState, Outcome, WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.worker import process_items
from rpa.settings import OperatorCredential, Settings
from tests.integration.ams_helpers import BANK_B, basic_record, http_login
from tests.plugins.portals import AmsHandle

SUBMITS = ["/ams/acctOpenSubmit.do", "/ams/acctChangeSubmit.do", "/ams/acctCloseSubmit.do"]


def _settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ams_url": url,
        "answer_timeout_ms": 4_000,
        **overrides,
    }
    return Settings(**values)


def _bot(page: Any, url: str, **overrides: Any) -> AmsBot:
    settings = _settings(url, **overrides)
    return AmsBot(
        page,
        load_selectors("ams", settings.selectors_dir),  # fresh: winners are remembered per load
        settings,
        load_message_catalogue(settings.config_dir),
    )


def _record(account_no: str = "110012345678", **changes: Any) -> FilingRecord:
    return FilingRecord.model_validate(basic_record(account_no, **changes))


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest) -> str:
    """Each test of the bot runs under both strategies (RPA_AMS_STRATEGY)."""
    return str(request.param)


@pytest.fixture
def bot(ams: AmsHandle, page: Any, strategy: str) -> AmsBot:
    robot = _bot(page, ams.url)
    open_strategy(strategy, robot, page.context.new_page)  # pipelined: two more tabs
    code, password = ams.operators[0]
    robot.login(code, password)
    return robot


@pytest.mark.browser
def test_files_an_open_then_finds_it_in_the_history(ams: AmsHandle, bot: AmsBot, tmp_path: Path) -> None:
    record = _record()
    assert bot.find_filings(record.account_no).filed is False
    check = bot.prepare_filing(record)
    assert differing_fields(record, check, (*CHECK_PAGE_KEY, *compared_fields(record))) == []
    answer = bot.confirm_submission(record)
    receipt = bot.save_receipt(tmp_path / "receipt.png")

    filed = ams.filings()
    assert len(filed) == 1 and filed[0]["submitted"] == 1
    assert answer.filing_no == filed[0]["filing_no"]
    assert answer.permit == filed[0]["record"]["basic_account_permit"]  # AMS assigns a basic one
    assert receipt is not None and receipt.stat().st_size > 1000
    assert stat.S_IMODE(receipt.stat().st_mode) == 0o600

    history = bot.find_filings(record.account_no)
    assert [(e.action, e.business_date, e.filing_no) for e in history.entries] == [
        ("open", "2026-11-27", answer.filing_no)
    ]
    found = match_history(record, history, bot.filing_detail)
    assert found.already is not None and found.already.filing_no == answer.filing_no


def _rewrite_lookup(page: Any, old: str, new: str) -> None:
    """The look-up page as a portal that renamed `old` to `new` would serve it (GBK)."""

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(old, new)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctQuery.do?*", handle)  # every tab: the look-up tab's too


@pytest.mark.browser
@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("<th>业务类型</th>", "<th>业务种类</th>", "找不到这些列的表头：action (业务类型/操作类型)"),
        ("共", "合计", "页面上没有显示总行数"),
        (">开户</td>", ">新开户</td>", "业务类型 '新开户' 不认识"),
    ],
    ids=["header_renamed", "row_count_renamed", "business_type_renamed"],
)
def test_a_history_the_bot_cannot_read_is_an_error_never_not_filed(
    ams: AmsHandle, bot: AmsBot, page: Any, old: str, new: str, words: str
) -> None:
    ams.seed([basic_record("110000000009")])
    _rewrite_lookup(page, old, new)
    with pytest.raises(RunFatalError) as caught:
        bot.find_filings("110000000009")
    assert words in str(caught.value) and "110000000009" not in str(caught.value)


def seed_long_history(ams: AmsHandle, account_no: str, changes: int) -> list[str]:
    """An open on 2026-11-02 and `changes` 变更 on the days after it; their filing numbers."""
    numbers = ams.seed([basic_record(account_no, serial=40, day="2026-11-02")])
    permit = ams.filings()[-1]["record"]["basic_account_permit"]  # AMS assigned it
    return numbers + ams.seed([
        basic_record(account_no, serial=40, action="change", day=f"2026-11-{3 + n:02d}",
                     change_items="注册地址", basic_account_permit=permit,
                     registered_address=f"北京市东城区东直门南大街{n + 2}号")
        for n in range(changes)
    ])  # fmt: skip


@pytest.mark.browser
def test_a_history_longer_than_a_page_is_read_through_its_pager(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    numbers = seed_long_history(ams, "110000000012", 11)  # 12 filings: AMS shows 10 a page
    history = bot.find_filings("110000000012")
    assert [e.filing_no for e in history.entries] == numbers
    assert history.entries[-1].action == "change" and history.entries[-1].business_date == "2026-11-13"
    # a pager the selectors no longer find: the rows read fall short of 共12行, an error
    _rewrite_lookup(page, ">下一页</a>", ">后一页</a>")
    with pytest.raises(ApplicationError, match="读到 10 条备案，页面却显示共12行") as caught:
        bot.find_filings("110000000012")
    assert caught.value.code == "history_incomplete"


@pytest.mark.browser
def test_a_pager_showing_the_first_page_again_is_an_unread_history_never_not_filed(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """共20行 over two pages, the second a copy of the first: 20 rows read, the 变更 of the later
    ten unseen; read as the history, a row among them would be filed again (tester M's F3)."""
    seed_long_history(ams, "110000000022", 19)

    def first_page_again(route: Any) -> None:
        route.fulfill(response=route.fetch(url=route.request.url.replace("pageNo=2", "pageNo=1")))

    page.context.route("**/ams/acctQuery.do?*pageNo=2*", first_page_again)
    with pytest.raises(ApplicationError, match="同一备案编号在备案历史中出现了两次") as caught:
        bot.find_filings("110000000022")
    assert caught.value.code == "history_incomplete"


@pytest.mark.browser
@pytest.mark.parametrize(("old", "new", "fields"), [
    ("<td>2026-11-27</td>", "<td>2026-11-26</td>", ["business_date"]),  # the date a day early
    ("<td>110000000031</td>", "<td>110000000038</td>", ["account_no"]),  # another account
], ids=["date_shifted", "account_swapped"])
def test_a_check_page_showing_another_date_or_account_differs_from_the_row(
    ams: AmsHandle, bot: AmsBot, page: Any, old: str, new: str, fields: list[str]
) -> None:
    """信息核对 is compared on what filing it is before what it files (tester M's F2, F5)."""
    record = _record("110000000031")

    def handle(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.body().decode("gbk").replace(old, new).encode("gbk"))

    page.context.route("**/ams/acctOpenCheck.do*", handle)
    shown = bot.prepare_filing(record)
    assert differing_fields(record, shown, (*CHECK_PAGE_KEY, *compared_fields(record))) == fields


@pytest.mark.browser
@pytest.mark.parametrize(("old", "new", "words"), [
    ('<td class="label">账户性质</td>', '<td class="label">账户种类</td>', "账户性质"),
    ('<td class="label">统一社会信用代码</td>', '<td class="label">信用代码</td>', "统一社会信用代码"),
], ids=["key_label_renamed", "filed_label_renamed"])
def test_a_check_page_field_under_a_new_label_stops_the_run_not_the_row(
    ams: AmsHandle, bot: AmsBot, page: Any, old: str, new: str, words: str
) -> None:
    """A label of 信息核对 renamed read as a blank value, so every row was held as differing from
    its input: the page changed, a run-stopping error naming the field; nothing is submitted."""
    record = _record("110000000032")

    def handle(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.body().decode("gbk").replace(old, new).encode("gbk"))

    page.context.route("**/ams/acctOpenCheck.do*", handle)
    shown = bot.prepare_filing(record)
    with pytest.raises(PortalChanged) as caught:
        check_page_agrees(record, shown, compared_fields(record), None)
    assert caught.value.code == "check_page_unread" and f"没有{words}一栏" in str(caught.value)
    assert ams.filings() == []


@pytest.mark.browser
def test_a_receipt_naming_another_account_is_held_for_a_person_never_retried(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """成功 for another account: AMS may have filed that one, and a retry would file it again
    (tester M's F5 closed it four times); only a receipt without a number is retried."""
    record = _record("110000000041")

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace("<td>110000000041</td>", "<td>110000000048</td>")
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctOpenSubmit.do*", handle)
    bot.prepare_filing(record)
    with pytest.raises(NeedsPerson) as caught:
        bot.confirm_submission(record)
    assert caught.value.code == "answer_other_account" and caught.value.details["status"] == "held"
    assert "110000000048" not in str(caught.value)


@pytest.mark.browser
def test_a_receipt_naming_another_business_date_is_held_with_its_number(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """Tester BE F6 (2026-12-07): the 信息核对 page's hidden 开户日期 one day before the one it
    showed; AMS filed that day and said so on its 成功 page, and the run recorded 已报备 with the
    row's date, exit 0. The receipt's 业务日期 must be the row's (written as AMS may: 年月日)."""
    record = _record("110000000043", business_date="2026-11-27")
    day = 'name="openDate" value="2026-11-27"'
    page.context.route("**/ams/acctOpenCheck.do*", _replacing(day, day.replace("11-27", "11-26")))
    bot.prepare_filing(record)
    with pytest.raises(NeedsPerson) as caught:
        bot.confirm_submission(record)
    (filed,) = ams.filings()
    assert caught.value.code == "answer_other_date" and caught.value.details["status"] == "held"
    assert caught.value.details["filing_no"] == filed["filing_no"]
    assert "「2026-11-26」，不是输入行的 2026-11-27" in str(caught.value)

    page.context.unroute("**/ams/acctOpenCheck.do*")
    same = _record("110000000044", business_date="2026-11-27", serial=2)  # another depositor
    in_words = _replacing("<td>2026-11-27</td>", "<td>2026年11月27日</td>")
    page.context.route("**/ams/acctOpenSubmit.do*", in_words)
    bot.prepare_filing(same)
    assert bot.confirm_submission(same).filing_no


@pytest.mark.browser
def test_a_change_whose_form_alters_a_field_it_does_not_name_is_held(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """The 变更 names 注册地址 only; the form came prefilled with 经营范围 cut short: confirmed, AMS's
    经营范围 would become 技术开发 (tester M's F1). 信息核对 is compared with AMS's own value."""
    ams.seed([basic_record("110000000051")])
    permit = ams.filings()[0]["record"]["basic_account_permit"]
    change = _record("110000000051", action="change", basic_account_permit=permit, business_date="2026-11-30",
                     change_items="注册地址", registered_address="北京市朝阳区建国路88号",
                     business_scope="餐饮服务")  # the export's master data: not this 变更's to file
    now = ams_now(change, bot.find_filings("110000000051"), bot.filing_detail)

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace("<td>技术开发、技术咨询</td>", "<td>技术开发</td>")
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctChangeCheck.do*", handle)
    shown = bot.prepare_filing(change)
    assert differing_fields(change, shown, (*CHECK_PAGE_KEY, *compared_fields(change))) == []
    with pytest.raises(NeedsPerson) as caught:
        check_page_agrees(change, shown, compared_fields(change), now)
    assert caught.value.code == ALTERS_KEPT and caught.value.details["fields"] == ["business_scope"]


@pytest.mark.browser
@pytest.mark.parametrize(("label", "field"), [
    ("经营范围", "business_scope"), ("注册资金", "registered_capital_yuan")])
def test_a_field_a_change_keeps_shown_under_another_label_stops_the_run(
    ams: AmsHandle, bot: AmsBot, page: Any, label: str, field: str
) -> None:
    """Tester AX of 2026-12-07 (F1): the 变更 form came blank in a field the 变更 does not name and
    信息核对 showed it as 主营业务 (or 注册资本金): not compared, filed, and AMS's 经营范围 was erased. A
    kept field AMS holds a value of must be read on 信息核对, or the page changed."""
    ams.seed([basic_record("110000000052")])
    permit = ams.filings()[0]["record"]["basic_account_permit"]
    change = _record("110000000052", action="change", basic_account_permit=permit, business_date="2026-11-30",
                     change_items="注册地址", registered_address="北京市朝阳区建国路99号")
    now = ams_now(change, bot.find_filings("110000000052"), bot.filing_detail)
    assert now is not None and now.get(field)

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(f">{label}<", f">{label}（新）<")
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctChangeCheck.do*", handle)
    shown = bot.prepare_filing(change)
    assert field not in shown
    with pytest.raises(PortalChanged) as caught:
        check_page_agrees(change, shown, compared_fields(change), now)
    assert caught.value.code == "check_page_unread" and f"没有{label}一栏" in str(caught.value)


@pytest.mark.browser
def test_change_and_close_go_through_their_own_forms(ams: AmsHandle, bot: AmsBot) -> None:
    ams.seed([basic_record("110000000001")])
    permit = ams.filings()[0]["record"]["basic_account_permit"]
    general = basic_record(
        "110000000002", account_kind="general", bank_code=BANK_B, basic_account_permit=permit
    )
    ams.seed([general])
    change = _record(
        "110000000002",
        action="change",
        account_kind="general",
        bank_code=BANK_B,
        basic_account_permit=permit,
        business_date="2026-11-30",
        change_items="注册地址、注册资金",  # the capital named: 未标明 is its new value
        registered_address="北京市朝阳区建国路88号",
        registered_capital_yuan=None,
    )
    close = _record(
        "110000000002",
        action="close",
        account_kind="general",
        bank_code=BANK_B,
        basic_account_permit=permit,
        business_date="2026-12-01",
        close_reason="解散",
    )
    for record in (change, close):
        now = ams_now(record, bot.find_filings(record.account_no), bot.filing_detail)  # form after
        shown = bot.prepare_filing(record)
        assert differing_fields(record, shown, (*CHECK_PAGE_KEY, *compared_fields(record))) == []
        check_page_agrees(record, shown, compared_fields(record), now)  # kept fields are AMS's
        bot.confirm_submission(record)
    history = bot.find_filings("110000000002")
    assert [e.action for e in history.entries] == ["open", "change", "close"]
    stored = {f["action"]: f["record"] for f in ams.filings() if f["account_no"] == "110000000002"}
    assert stored["change"]["registered_address"] == "北京市朝阳区建国路88号"
    assert stored["change"]["registered_capital_yuan"] is None  # 未标明注册资金 ticked
    assert stored["close"]["close_reason"] == "解散"
    assert match_history(close, history, bot.filing_detail).already is not None



@pytest.mark.browser
def test_the_next_records_pages_load_ahead_in_other_tabs_and_are_taken_once(
    ams: AmsHandle, context: Any, tmp_path: Path
) -> None:
    """With a look-up tab and a spare filing tab, the next record's look-up, form and 信息核对
    load while this one is submitted; each is asked of the portal once, and the filing is right."""
    robot = _bot(context.new_page(), ams.url)
    ahead = PipelinedStrategy(robot)
    ahead.open_tabs(lookup=context.new_page(), spare=context.new_page())
    robot.login(*ams.operators[0])
    first, second = _record("110000000011", serial=11), _record("110000000012", serial=12)
    assert robot.find_filings(first.account_no).filed is False  # teaches the look-up's query URL
    robot.prepare_filing(first)

    ahead.load_form_ahead(second)  # as the handler does once this record's turn starts
    ahead.load_look_up_ahead(second)  # as the handler does once this record's look-up is read
    robot.confirm_submission(first)
    assert ahead.check_ahead(second)  # as the handler does once the answer is read
    assert robot.save_receipt(tmp_path / "first.png") is not None
    before = ams.stats()["requests"]
    ahead.take_turn(second)  # as the handler does first: the tab with its pages becomes the filing tab
    assert robot.find_filings(second.account_no).filed is False
    shown = robot.prepare_filing(second)
    answer = robot.confirm_submission(second)
    after = ams.stats()["requests"]

    def asked(path: str) -> int:
        return int(after.get(path, 0)) - int(before.get(path, 0))

    # only 确认提交 was asked after the work done ahead: look-up, form and 信息核对 were taken
    assert asked("/ams/acctQuery.do") == 0 and asked("/ams/acctOpenCheck.do") == 0
    assert asked("/ams/acctOpenSubmit.do") == 1
    assert differing_fields(second, shown, compared_fields(second)) == []
    filed = {f["account_no"]: f for f in ams.filings()}
    assert filed[second.account_no]["filing_no"] == answer.filing_no
    assert all(f["submitted"] == 1 for f in filed.values()) and len(filed) == 2

    # a record whose pages were not loaded ahead is done the ordinary way, in the filing tab
    third = _record("110000000013", serial=13)
    assert ahead.check_ahead(third) is False
    robot.prepare_filing(third)
    robot.confirm_submission(third)
    assert len(ams.filings()) == 3


@pytest.mark.browser
def test_a_tab_left_without_the_main_page_is_a_lost_session_and_a_new_login_mends_it(
    ams: AmsHandle, context: Any
) -> None:
    """An error page in place of a tab's main page (a 500 when it was opened) has no content
    frame: that is SessionLost, for the handler to log in again, not a raw timeout forever."""
    robot = _bot(context.new_page(), ams.url, action_timeout_ms=1_000)
    lookup = context.new_page()
    PipelinedStrategy(robot).open_tabs(lookup=lookup, spare=context.new_page())
    robot.login(*ams.operators[0])
    lookup.goto("about:blank")  # the look-up tab no longer shows the main page

    with pytest.raises(SessionLost):
        robot.find_filings("110000000031")
    robot.login(*ams.operators[0])  # opens the main page in every tab again
    assert robot.find_filings("110000000031").filed is False


@pytest.mark.browser
@pytest.mark.parametrize("strategy", ["pipelined"], indirect=True)  # the plain one has no marks
def test_a_page_mark_stands_for_its_element_only_on_the_page_read_last(ams: AmsHandle, bot: AmsBot) -> None:
    """Once located, an element's CSS/XPath candidate is counted with each page's text; the
    count only speaks for the page whose text it came with."""
    record = _record("110000000021")
    bot.prepare_filing(record)
    bot.confirm_submission(record)
    assert bot.find_filings(record.account_no).filed  # located the history table: now a mark
    history_table = bot.bind("lookup").winning("history_table")
    look_up = bot.content.text()
    assert bot.content.saw(look_up, history_table)

    bot.prepare_filing(_record("110000000022"))  # 信息核对 of another account is shown now
    confirm = bot.bind("check").winning("confirm")
    check = bot.content.text()
    assert bot.content.saw(check, confirm)
    assert not bot.content.saw(check, history_table)  # the look-up's mark is not on 信息核对
    assert not bot.content.saw(look_up, history_table)  # nor does an earlier read count any more
    role_only = bot.bind("check").winning("confirm").model_copy(update={"css": None, "role": "button"})
    assert not bot.content.saw(check, role_only)  # only Playwright resolves roles: locate it


@pytest.mark.browser
def test_a_confirm_nobody_accepts_is_dismissed_and_files_nothing(ams: AmsHandle, bot: AmsBot) -> None:
    record = _record()
    bot.prepare_filing(record)
    bot.bind("check").locate("confirm").click()  # no dialog handler: Playwright dismisses it
    assert ams.filings() == []
    assert bot.bind("check").present("confirm")  # still on 信息核对
    bot.confirm_submission(record)  # the bot accepts the confirm() explicitly
    assert len(ams.filings()) == 1


@pytest.mark.browser
def test_a_confirm_without_its_check_page_submits_nothing_and_says_so_in_chinese(
    ams: AmsHandle, bot: AmsBot
) -> None:
    with pytest.raises(ApplicationError) as caught:
        bot.confirm_submission(_record())
    assert caught.value.code == "not_prepared"
    assert str(caught.value) == "开户 ********5678 的确认提交：这条记录的信息核对页面没有显示"
    assert ams.submissions() == []


@pytest.mark.browser
def test_a_lost_answer_is_an_application_error_and_the_look_up_finds_the_filing(
    ams: AmsHandle, bot: AmsBot
) -> None:
    ams.set_faults(commit_fail_rate=1.0, commit_fail_paths=SUBMITS)
    record = _record()
    bot.prepare_filing(record)
    with pytest.raises(ApplicationError) as lost:
        bot.confirm_submission(record)
    assert lost.value.code == "answer_lost"
    assert "开户 ********5678 的确认提交：没有收到 AMS 的回执（" in str(lost.value), str(lost.value)
    filed = ams.filings()
    assert len(filed) == 1 and filed[0]["submitted"] == 1
    found = match_history(record, bot.find_filings(record.account_no), bot.filing_detail)
    assert found.already is not None and found.already.filing_no == filed[0]["filing_no"]
    assert ams.stats()["faults"]["commit_fail_502"] == 1


@pytest.mark.browser
def test_a_refusal_ends_in_the_portals_own_words(ams: AmsHandle, bot: AmsBot) -> None:
    record = _record(account_kind="general", basic_account_permit="J1000999999901")
    bot.prepare_filing(record)
    with pytest.raises(PortalRefusal) as refused:
        bot.confirm_submission(record)
    assert refused.value.portal_message == "基本存款账户不存在"
    assert refused.value.code == "basic_account_missing"
    assert ams.filings() == []


@pytest.mark.browser
def test_a_lost_session_is_reported_and_a_new_login_goes_on(ams: AmsHandle, bot: AmsBot) -> None:
    code, password = ams.operators[0]
    with_client = ams.admin  # another login of the same operator ends the bot's session
    http_login(with_client, code, password)
    with pytest.raises(SessionLost):
        bot.find_filings("110012345678")
    bot.login(code, password)
    assert bot.find_filings("110012345678").filed is False
    assert ams.stats()["sessions_ended"]["replaced"] >= 1


@pytest.mark.browser
def test_a_500_on_a_step_that_only_reads_is_raised_at_once_not_repeated(ams: AmsHandle, bot: AmsBot) -> None:
    ams.set_faults(error_rate=1.0, error_paths=["/ams/acctQuery.do"])
    with pytest.raises(PortalUnavailable) as down:
        bot.find_filings("110012345678")
    assert not isinstance(down.value, BatchWindow)  # an ordinary system error: a growing backoff
    assert ams.stats()["faults"]["error_500"] == 1  # the bot asked once: the queue retries


@pytest.mark.browser
def test_a_batch_window_is_raised_at_once(ams: AmsHandle, bot: AmsBot) -> None:
    ams.set_faults(batch_now=True, batch_paths=["/ams/acct*"])
    with pytest.raises(BatchWindow) as busy:
        bot.find_filings("110012345678")
    assert busy.value.code == "batch_window" and busy.value.portal_message is not None
    assert "当前系统正在运行后台批处理" in busy.value.portal_message
    assert ams.stats()["faults"]["batch_window"] == 1  # nothing waited out inside the bot


def _queue_worker(tmp_path: Path) -> tuple[WorkQueue, WorkerContext]:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue = WorkQueue(url, max_attempts=4, backoff_base_seconds=0.01, backoff_max_seconds=0.05)
    audit = AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    wctx = WorkerContext(
        run_id="run-ams-retry", flow="account_filing", worker_index=0, owner="w1", settings=Settings(),
        folder=tmp_path, audit=audit, log=logger.bind(), params={}, queue=queue,
    )  # fmt: skip
    return queue, wctx


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_through_the_queue_a_batch_window_and_a_lost_answer_end_in_one_filing(
    ams: AmsHandle, bot: AmsBot, tmp_path: Path
) -> None:
    """The bot raises; the queue's backoff is the only retry, and every attempt starts with the
    look-up: the answer lost after 确认提交 is found there, never submitted a second time."""
    queue, wctx = _queue_worker(tmp_path)
    queue.enqueue("account_filing", wctx.run_id, "row-7", {})
    record = _record("110012345678")
    portal_states = {  # the portal as each attempt meets it
        1: {"batch_now": True, "batch_paths": ["/ams/acct*"]},
        2: {"commit_fail_rate": 1.0, "commit_fail_paths": SUBMITS},  # filed, answer a 502
        3: {},
    }
    steps: list[tuple[int, str]] = []

    def file_once(item: WorkItem) -> dict[str, Any]:
        ams.set_faults(**portal_states[item.attempts])
        steps.append((item.attempts, "look-up"))
        found = match_history(record, bot.find_filings(record.account_no), bot.filing_detail)
        if found.already is not None:
            return {"status": "already_filed", "filing_no": found.already.filing_no}
        bot.prepare_filing(record)
        steps.append((item.attempts, "确认提交"))
        return {"status": "filed", "filing_no": bot.confirm_submission(record).filing_no}

    summary = process_items(queue, wctx, file_once, stop_event=threading.Event())

    (item,) = queue.items(wctx.run_id)
    filed = ams.filings()
    assert item.state == ItemState.DONE and item.attempts == 3 and summary.retried == 2
    assert [(h.outcome, h.error_code) for h in queue.history(item.id)][:2] == [
        (Outcome.SYSTEM_ERROR, "batch_window"),
        (Outcome.SYSTEM_ERROR, "answer_lost"),
    ]
    assert steps == [(1, "look-up"), (2, "look-up"), (2, "确认提交"), (3, "look-up")]
    assert len(filed) == 1 and filed[0]["submitted"] == 1
    assert item.result is not None and item.result["status"] == "already_filed"
    assert item.result["filing_no"] == filed[0]["filing_no"]


@pytest.mark.browser
def test_a_wrong_password_is_tried_once_and_refused(ams: AmsHandle, page: Any, strategy: str) -> None:
    code, _ = ams.operators[0]
    robot = _bot(page, ams.url)
    open_strategy(strategy, robot, page.context.new_page)
    with pytest.raises(LoginRefused) as refused:
        robot.login(code, "wrong123")
    assert refused.value.portal_message == "密码错误"
    assert isinstance(refused.value, RunFatalError)
    stats = ams.stats()
    assert stats["login_failures"] == {"密码错误": 1} and stats["logins"] == 0


@pytest.fixture
def renamed_ams() -> Iterator[str]:
    from fixtures.portals.ams import create_app

    server = serve_in_thread(create_app(markup_variant="renamed"))
    yield server.url
    server.stop()


@pytest.mark.browser
def test_a_portal_with_every_id_and_name_renamed_works_through_the_label_candidates(
    renamed_ams: str, page: Any, strategy: str
) -> None:
    import httpx

    robot = _bot(page, renamed_ams)
    open_strategy(strategy, robot, page.context.new_page)
    robot.login("OP0001", "Ams0001!")
    record = _record("120000000001")
    assert robot.find_filings(record.account_no).filed is False
    robot.prepare_filing(record)
    answer = robot.confirm_submission(record)
    found = match_history(record, robot.find_filings(record.account_no), robot.filing_detail)
    assert found.already is not None and found.already.filing_no == answer.filing_no

    settings = _settings(renamed_ams, ams_operators=[OperatorCredential(code="OP0002", password="Ams0002!")])
    with ThreadPoolExecutor(1) as other_thread:  # probe_ams runs its own Playwright
        report = other_thread.submit(probe_ams, settings).result(timeout=120)
    assert report["login"]["operator_code"] is not None
    assert report["login"]["operator_code"].startswith("xpath=")  # name=operCode is gone
    assert report["open_form"]["depositor_name"].startswith("xpath=")  # type: ignore[union-attr]
    assert report["check"]["confirm"] is not None and "check" not in report.not_visited
    assert "确认提交" in report.not_visited["result"]
    assert report.missing == []
    matched = [v for page in report.values() for v in page.values() if v]
    assert not any("name=" in v and v.startswith("css=input") for v in matched)
    with httpx.Client(base_url=renamed_ams) as admin:
        submitted = admin.get("/_admin/submissions").json()
    assert len(submitted) == 1  # the bot's one filing; the probe submitted nothing


def test_the_message_catalogue_classifies_and_keeps_unknown_words() -> None:
    catalogue: MessageCatalogue = load_message_catalogue(Settings().config_dir)
    assert catalogue.classify("备案失败：基本存款账户不存在").kind == "business"
    assert catalogue.classify("x\n当前系统正在运行后台批处理，请稍等再进行业务\ny").kind == "batch_window"
    assert isinstance(catalogue.error_for("用户被锁定", context="login", at_login=True), LoginRefused)
    assert isinstance(catalogue.error_for("谁也没见过的提示", context="login", at_login=True), LoginRefused)
    unknown = catalogue.error_for("谁也没见过的提示", context="open ****5678")
    assert type(unknown) is ApplicationError and unknown.portal_message == "谁也没见过的提示"
    lines = catalogue.error_for_lines(["统一社会信用代码校验错误", "开户日期不能为空"], context="open")
    assert isinstance(lines, PortalRefusal) and lines.code == "form_check_digit"
    assert "开户日期不能为空" in (lines.portal_message or "")
    mixed = catalogue.error_for_lines(["开户日期不能为空", "新的提示"], context="open")
    assert type(mixed) is ApplicationError


@pytest.mark.browser
def test_a_detail_page_showing_a_field_twice_with_two_values_is_never_compared(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """注册地址 shown twice (another address first): the look-up would have taken the first and
    found the row 此前已报备, or a conflict, from a value AMS may not hold; it stops instead."""
    ams.seed([basic_record("110000000019")])
    history = bot.find_filings("110000000019")
    (entry,) = history.entries

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(
            '<tr><td class="label">注册地址</td>',
            '<tr><td class="label">注册地址</td><td>上海市浦东新区世纪大道1号</td></tr>'
            '<tr><td class="label">注册地址</td>', 1)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/filingDetail.do*", handle)
    with pytest.raises(PortalChanged) as caught:
        bot.filing_detail(entry)
    assert "「注册地址」出现两次" in str(caught.value) and "世纪大道" not in str(caught.value)


@pytest.mark.browser
def test_a_history_row_whose_detail_is_another_accounts_filing_is_never_taken_for_this_ones(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """Tester BB (2026-12-07): another account's 变更 listed in this account's history, its 详情
    naming that other account, was taken as this row's filing (此前已报备, exit 0, nothing filed).
    The 详情 must name the account looked up; one naming no account cannot say whose it is."""
    ams.seed([basic_record("110000000071", serial=1), basic_record("110000000072", serial=2)])
    (own,) = bot.find_filings("110000000071").entries
    (other,) = bot.find_filings("110000000072").entries
    assert own.account_no == "110000000071" and bot.filing_detail(own)["account_no"] == "110000000071"

    def others_detail(route: Any) -> None:
        route.fulfill(response=route.fetch(url=route.request.url.replace(own.filing_no, other.filing_no)))

    page.context.route(f"**/ams/filingDetail.do*{own.filing_no}*", others_detail)
    with pytest.raises(ApplicationError) as caught:
        bot.filing_detail(own)
    assert caught.value.code == "detail_other_account" and "110000000072" not in str(caught.value)
    page.context.unroute(f"**/ams/filingDetail.do*{own.filing_no}*")

    def no_account(route: Any) -> None:
        response = route.fetch()
        body = re.sub(r'<tr><td class="label">账号</td>.*?</tr>', "", response.body().decode("gbk"), count=1)
        assert "账号" not in body.split("备案编号", 1)[-1]
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/filingDetail.do*", no_account)
    with pytest.raises(PortalChanged) as unread:
        bot.filing_detail(own)
    assert unread.value.code == "detail_account_unread"
    page.context.unroute("**/ams/filingDetail.do*")

    # tester BB's F4-F6: a label renamed (住所), a field gone, a number cut in the history: each
    # read as "AMS holds nothing there" or recorded as shown; now the run stops naming it
    for old_words, new_words, code in (('<td class="label">注册地址</td>', '<td class="label">住所</td>',
                                        "detail_field_missing"),
                                       ('<td class="label">开户银行机构代码</td>', "<td></td>",
                                        "detail_field_missing"),
                                       (own.filing_no, own.filing_no[:-1], "detail_filing_no_differs"),
                                       (f"<td>{own.business_date}</td>", "<td>2025-01-02</td>",
                                        "detail_date_differs")):  # tester BE F8
        page.context.route("**/ams/filingDetail.do*", _replacing(old_words, new_words))
        with pytest.raises(PortalChanged) as changed:
            bot.filing_detail(own)
        said = str(changed.value)
        assert changed.value.code == code, (code, said)
        labels = ("「注册地址」", "「开户银行机构代码」")
        assert code != "detail_field_missing" or any(label in said for label in labels), said
        page.context.unroute("**/ams/filingDetail.do*")
    year, month, day = own.business_date.split("-")
    in_words = f"<td>{year}年{int(month)}月{int(day)}日</td>"  # the same day, written otherwise
    page.context.route("**/ams/filingDetail.do*", _replacing(f"<td>{own.business_date}</td>", in_words))
    assert bot.filing_detail(own)["business_date"] == own.business_date
    page.context.unroute("**/ams/filingDetail.do*")


def _replacing(old: str, new: str) -> Any:
    """A route handler serving the page with `old` replaced by `new` (which must be there)."""
    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk")
        assert old in body, old
        route.fulfill(response=response, body=body.replace(old, new).encode("gbk"))
    return handle


@pytest.mark.browser
def test_a_look_up_answered_with_another_account_is_never_read_as_this_one(
    ams: AmsHandle, bot: AmsBot, page: Any
) -> None:
    """AMS answering the query for …061 with …068's page (its filings, its 此前已报备) would skip
    …061's filing unseen (tester M's F4): the account shown must be the one asked for."""
    ams.seed([basic_record("110000000068", serial=2)])
    assert bot.find_filings("110000000068").filed

    def other_account(route: Any) -> None:
        route.fulfill(response=route.fetch(url=route.request.url.replace("110000000061", "110000000068")))

    page.context.route("**/ams/acctQuery.do?*110000000061*", other_account)
    with pytest.raises(ApplicationError) as caught:
        bot.find_filings("110000000061")
    assert caught.value.code == "lookup_other_account" and "110000000068" not in str(caught.value)


@pytest.mark.browser
@pytest.mark.parametrize(("number", "permit", "outcome"), [
    ("{0}-{1}-{2}", "核准号：{0}（请妥善保管）", "filed"),  # grouped, and the permit among words
    ("{0}/{1}/{2}", "{0}", "answer_unreadable"),  # a slash is not a separator of the number
    ("{0}{1}{2}", "{0} 或 J1234567890123", "answer_unreadable"),  # two permits
    # not AMS's 18 digits (selectors/ams.yaml, result.shapes): tester AS of 2026-12-07 saw a
    # number with its last digit cut recorded as filed
    ("{0}{1}{2:.5}", "{0}", "answer_unreadable"),
    ("{0}{1}{2}7", "{0}", "answer_unreadable"),
], ids=["grouped_and_worded", "slashed_number", "two_permits", "digit_cut", "digit_added"])
def test_a_receipt_keeps_the_filing_number_and_permit_as_ams_holds_them(
    ams: AmsHandle, bot: AmsBot, page: Any, number: str, permit: str, outcome: str
) -> None:
    """Tester M's M6: `1000-20261204-000022` and `核准号：J…（请妥善保管）` were recorded as shown;
    the record keeps AMS's number and permit, and a receipt that reads otherwise is not a filing
    number (retried: the look-up finds the submission)."""
    record = _record("110000000043")

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk")
        body = re.sub(r"(?<=<th>备案编号</th><td>)(\d{4})(\d{8})(\d+)",
                      lambda m: number.format(*m.groups()), body)
        body = re.sub(r"(?<=<th>基本存款账户编号</th><td>)J\d{13}", lambda m: permit.format(m[0]), body)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctOpenSubmit.do*", handle)
    bot.prepare_filing(record)
    if outcome == "filed":
        answer, stored = bot.confirm_submission(record), ams.filings()[-1]
        assert answer.filing_no == stored["filing_no"]
        assert answer.permit == stored["record"]["basic_account_permit"]
        return
    with pytest.raises(ApplicationError) as caught:
        bot.confirm_submission(record)
    assert caught.value.code == outcome


@pytest.mark.browser
@pytest.mark.parametrize(("shown", "outcome"), [
    ("1100 0000 0042", "filed"),  # grouped by four: the same account
    ("1100****0042", "answer_unreadable"),  # masked: retried, the look-up first
], ids=["grouped", "masked"])
def test_a_receipt_showing_the_account_grouped_or_masked_is_not_another_account(
    ams: AmsHandle, bot: AmsBot, page: Any, shown: str, outcome: str
) -> None:
    record = _record("110000000042")

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace("<td>110000000042</td>", f"<td>{shown}</td>")
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctOpenSubmit.do*", handle)
    bot.prepare_filing(record)
    if outcome == "filed":
        assert bot.confirm_submission(record).filing_no == ams.filings()[-1]["filing_no"]
        return
    with pytest.raises(ApplicationError) as caught:
        bot.confirm_submission(record)
    assert caught.value.code == outcome


@pytest.mark.browser
@pytest.mark.parametrize(("shown", "changes", "raised", "code"), [
    # a list whose every value is fixed (账户性质, 存款人类别): its option renamed is the page's drift
    (("1-基本存款账户", "1-基本户"), {}, PortalChanged, "option_list_changed"),
    (("01-企业法人<", "01-企业法人（公司）<"), {}, PortalChanged, "option_list_changed"),
    # 证件种类 is AMS's to offer: a type it has not (户口簿) is the row's, as before; but
    # 居民身份证 (code 1 in DOMAIN.md) is always there (tester AV: 1-身份证 ended every row)
    (("", ""), {"id_type": "户口簿"}, InvalidRecord, "no_such_option"),
    (("1-居民身份证<", "1-身份证<"), {}, PortalChanged, "option_list_changed"),
], ids=["kind_renamed", "category_renamed", "id_type_not_offered", "resident_id_renamed"])
def test_a_fixed_option_missing_from_the_form_stops_the_run_and_an_id_type_not_offered_is_the_rows(
    ams: AmsHandle, bot: AmsBot, page: Any, shown: tuple[str, str], changes: dict[str, str],
    raised: type[RpaError], code: str,
) -> None:
    """Tester AS of 2026-12-07 (F3): `1-基本户` for 1-基本存款账户 ended every row 业务错误, the clerk told
    to check the data; nothing was wrong with the rows, the portal's list had changed."""
    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(*shown)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ams/acctOpen.do*", handle)
    with pytest.raises(raised) as caught:
        bot.prepare_filing(_record("110000000071", **changes))
    assert caught.value.code == code
    assert "可选：" in str(caught.value) and "Traceback" not in str(caught.value)
    assert ams.filings() == []
