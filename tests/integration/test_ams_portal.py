"""The AMS mock driven by real Chromium: login, filing with 信息核对 and confirm(), change, close,
look-up with history, paged list; and what the admin API says matches what the pages show."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.integration.ams_helpers import (
    BANK_B,
    basic_record,
    browser_login,
    gbk_post,
    http_login,
    open_form_data,
    open_menu,
    text,
)
from tests.plugins.portals import AmsHandle


def _fill_open_form(frame: Any, record: dict[str, Any]) -> None:
    for name, value in open_form_data(record).items():
        field = frame.locator(f"[name={name}]")
        tag = field.evaluate("el => el.tagName")
        if tag == "SELECT":
            field.select_option(value)
        elif name == "noRegCapital":
            field.check()
        else:
            field.fill(value)


@pytest.mark.browser
def test_login_refusals_are_in_the_portals_words(ams: AmsHandle, page: Any) -> None:
    attempts = [
        ("OP9999", "Ams0001!", "用户不存在"),
        ("OP0007", "Ams0007!", "用户被停用"),
        ("OP0008", "Ams0008!", "密码已过期"),
        ("OP0002", "wrong123", "密码错误"),
        ("OP0002", "wrong123", "密码错误"),
        ("OP0002", "wrong123", "用户被锁定"),
        ("OP0002", "Ams0002!", "用户被锁定"),
    ]
    for code, password, words in attempts:
        page.goto(ams.login_url)
        page.fill("input[name=operCode]", code)
        page.fill("input[name=operPwd]", password)
        page.click("input[type=submit]")
        expect(page.locator("form[name=loginForm]")).to_contain_text(words)
    stats = ams.stats()
    assert stats["login_failures"] == {
        "用户不存在": 1,
        "用户被停用": 1,
        "密码已过期": 1,
        "密码错误": 2,
        "用户被锁定": 2,
    }
    assert stats["logins"] == 0
    locked = {op["code"]: op["locked"] for op in ams.admin.get("/_admin/operators").json()}
    assert locked["OP0002"] == 1 and locked["OP0001"] == 0


@pytest.mark.browser
def test_open_filing_goes_through_check_page_and_confirm(ams: AmsHandle, page: Any) -> None:
    code, password = ams.operators[0]
    browser_login(page, ams.login_url, code, password)
    frame = open_menu(page, "开户备案", "单位银行结算账户开户")
    record = basic_record()
    _fill_open_form(frame, record)
    frame.locator("input[value=下一步]").click()
    expect(frame.locator("body")).to_contain_text("信息核对")
    expect(frame.locator("table.formtable")).to_contain_text("北京星辰科技有限公司")
    expect(frame.locator("table.formtable")).to_contain_text("5000000.00 元")
    frame.locator("input[value=返回修改]").click()  # back to the form, values kept
    expect(frame.locator("[name=depositorName]")).to_have_value(record["depositor_name"])
    expect(frame.locator("[name=depositorType]")).to_have_value("01")
    frame.locator("input[value=下一步]").click()
    expect(frame.locator("body")).to_contain_text("信息核对")

    dialogs: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    frame.locator("input[value=确认提交]").click()
    expect(frame.locator("body")).to_contain_text("信息核对")  # dismissed: still on the check page
    assert ams.filings() == []

    page.once("dialog", answer(True))
    frame.locator("input[value=确认提交]").click()
    expect(frame.locator("body")).to_contain_text("成功")
    assert all("确认提交" in message for message in dialogs) and len(dialogs) == 2
    shown = frame.locator("table.listtable").inner_text()
    filings = ams.filings()
    assert len(filings) == 1
    filed = filings[0]
    assert filed["filing_no"] in shown and re.fullmatch(r"\d{18}", filed["filing_no"])
    assert filed["submitted"] == 1 and filed["operator"] == code
    assert filed["record"]["depositor_name"] == record["depositor_name"]
    assert filed["record"]["uscc"] == record["uscc"]
    assert filed["record"]["basic_account_permit"] in shown  # J + 13 digits, assigned by AMS
    assert ams.stats()["events"]["filed_open"] == 1


@pytest.mark.browser
def test_validation_answers_in_the_portals_words(ams: AmsHandle, page: Any) -> None:
    code, password = ams.operators[0]
    browser_login(page, ams.login_url, code, password)
    frame = open_menu(page, "开户备案", "单位银行结算账户开户")
    record = basic_record(
        business_date="2026/11/27",
        uscc="91110000600037341A",
        registered_capital_yuan=None,
        account_kind="general",
    )
    _fill_open_form(frame, {**record, "registered_capital_yuan": "12.345"})
    frame.locator("input[value=下一步]").click()
    errors = frame.locator("div.errors")
    expect(errors).to_contain_text("开户日期格式不正确")
    expect(errors).to_contain_text("统一社会信用代码校验错误")
    expect(errors).to_contain_text("注册资金格式不正确")
    expect(errors).to_contain_text("基本存款账户编号不能为空")
    assert frame.locator("[name=depositorName]").input_value() == record["depositor_name"]
    assert ams.filings() == []


@pytest.mark.browser
def test_change_and_close_are_kept_as_history_on_the_lookup_page(ams: AmsHandle, page: Any) -> None:
    basic, general = basic_record("110000000001"), None
    ams.seed([basic])
    permit = ams.filings()[0]["record"]["basic_account_permit"]
    general = basic_record(
        "110000000002", account_kind="general", bank_code=BANK_B, basic_account_permit=permit
    )
    ams.seed([general])
    code, password = ams.operators[1]
    browser_login(page, ams.login_url, code, password)

    frame = open_menu(page, "变更备案", "单位银行结算账户变更")
    frame.locator("[name=acctNo]").fill("110000000002")
    frame.locator("input[value='查 询']").click()
    expect(frame.locator("[name=depositorName]")).to_have_value("北京星辰科技有限公司")
    frame.locator("[name=changeDate]").fill("2026-12-01")
    frame.locator("[name=changeItems]").fill("注册地址")
    frame.locator("[name=regAddress]").fill("北京市朝阳区建国路88号")
    frame.locator("input[value=下一步]").click()
    page.once("dialog", lambda dialog: dialog.accept())
    frame.locator("input[value=确认提交]").click()
    expect(frame.locator("body")).to_contain_text("成功")

    frame = open_menu(page, "撤销备案", "单位银行结算账户撤销")
    frame.locator("[name=acctNo]").fill("110000000002")
    frame.locator("input[value='查 询']").click()
    frame.locator("[name=basicAcctNo]").fill(permit)
    frame.locator("[name=closeDate]").fill("2026-12-05")
    frame.locator("[name=closeReason]").select_option(label="02-解散")
    frame.locator("input[value=下一步]").click()
    expect(frame.locator("table.formtable")).to_contain_text("解散")
    page.once("dialog", lambda dialog: dialog.accept())
    frame.locator("input[value=确认提交]").click()
    expect(frame.locator("body")).to_contain_text("成功")

    frame = open_menu(page, "备案查询", "账户信息查询")
    frame.locator("[name=acctNo]").fill("110000000002")
    frame.locator("input[value='查 询']").click()
    expect(frame.locator("table.formtable").last).to_contain_text("已撤销")
    rows = frame.locator("table.listtable tr")
    expect(rows).to_have_count(4)  # header + open, change, close
    history = [rows.nth(i).locator("td").all_inner_texts() for i in range(1, 4)]
    admin = [f for f in ams.filings() if f["account_no"] == "110000000002"]
    assert [(h[1], h[2], h[3]) for h in history] == [
        ("开户", "2026-11-27", admin[0]["filing_no"]),
        ("变更", "2026-12-01", admin[1]["filing_no"]),
        ("撤销", "2026-12-05", admin[2]["filing_no"]),
    ]
    assert history[1][5] == "注册地址" and history[2][5] == "解散"
    assert admin[1]["record"]["registered_address"] == "北京市朝阳区建国路88号"
    assert [f["submitted"] for f in admin] == [0, 1, 1]  # the seeded open was never submitted
    assert all(f["operator"] == code for f in admin[1:])


@pytest.mark.browser
def test_paged_list_by_date_matches_the_admin_api(ams: AmsHandle, page: Any) -> None:
    records = [
        basic_record(f"2200000000{i:02d}", serial=100 + i, business_date=f"2026-10-{1 + i:02d}")
        for i in range(23)
    ]
    ams.seed(records)
    code, password = ams.operators[2]
    browser_login(page, ams.login_url, code, password)
    frame = open_menu(page, "备案查询", "备案业务清单")
    frame.locator("[name=beginDate]").fill("2026-10-01")
    frame.locator("[name=endDate]").fill("2026-10-31")
    frame.locator("input[value='查 询']").click()
    pager = frame.locator("div.pager")
    expect(pager).to_contain_text("共23行")
    expect(pager).to_contain_text("第1页 共3页")
    seen: list[str] = []
    for page_no in (1, 2, 3):
        expect(pager).to_contain_text(f"第{page_no}页 共3页")
        cells = frame.locator("table.listtable tr td:nth-child(2)")
        seen += cells.all_inner_texts()
        if page_no < 3:
            pager.get_by_text("下一页").click()
    assert len(seen) == 23
    assert seen == [f["filing_no"] for f in ams.filings()]
    pager.get_by_text("上一页").click()
    expect(pager).to_contain_text("第2页 共3页")


@pytest.mark.browser
def test_session_idle_lifetime_ends_in_login_lost(ams: AmsHandle, page: Any) -> None:
    ams.set_faults(session_idle_seconds=0.5)
    code, password = ams.operators[0]
    browser_login(page, ams.login_url, code, password)
    page.wait_for_timeout(800)  # idle longer than the lifetime
    frame = open_menu(page, "备案查询", "账户信息查询")
    expect(frame.locator("body")).to_contain_text("用户登录信息失效")
    stats = ams.stats()
    assert stats["faults"]["session_expired"] >= 1
    assert stats["sessions_ended"]["expired"] >= 1


@pytest.mark.browser
def test_a_second_login_ends_the_first_session(ams: AmsHandle, browser: Any) -> None:
    code, password = ams.operators[0]
    first, second = browser.new_context(), browser.new_context()
    try:
        page_one, page_two = first.new_page(), second.new_page()
        browser_login(page_one, ams.login_url, code, password)
        browser_login(page_two, ams.login_url, code, password)
        page_one.reload()
        expect(page_one.locator("body")).to_contain_text("用户登录信息失效")
        page_two.reload()
        expect(page_two.locator("td.menu").first).to_be_visible()
    finally:
        first.close()
        second.close()
    assert ams.stats()["sessions_ended"] == {"replaced": 1}


@pytest.mark.browser
def test_pages_and_form_posts_are_gbk(ams: AmsHandle, page: Any) -> None:
    code, password = ams.operators[0]
    browser_login(page, ams.login_url, code, password)
    response = page.request.get(ams.url + "/ams/acctOpen.do")
    assert response.headers["content-type"].lower() == "text/html; charset=gbk"
    assert "开户日期".encode("gbk") in response.body()
    frame = open_menu(page, "开户备案", "单位银行结算账户开户")
    rare = basic_record(depositor_name="北京\U00020000科技有限公司")  # 𠀀 is outside GBK
    _fill_open_form(frame, rare)
    frame.locator("input[value=下一步]").click()
    expect(frame.locator("div.errors")).to_contain_text("存款人名称含有系统不支持的字符")
    frame.locator("[name=depositorName]").fill("北京鑫垚燚科技有限公司")
    frame.locator("input[value=下一步]").click()
    page.once("dialog", lambda dialog: dialog.accept())
    frame.locator("input[value=确认提交]").click()
    expect(frame.locator("body")).to_contain_text("成功")
    assert ams.filings()[0]["record"]["depositor_name"] == "北京鑫垚燚科技有限公司"


# -- business answers and duplicates, over plain HTTP (the pages are the same) -------------------


def _submit(client: httpx.Client, data: dict[str, str], step: str = "acctOpenSubmit.do") -> str:
    body = text(gbk_post(client, f"/ams/{step}", data))
    refused = re.search(r"备案失败：(.*?)<", body)
    return refused.group(1) if refused else ("成功" if "成功" in body else body)


def test_business_refusals_and_duplicate_counts(ams: AmsHandle) -> None:
    with httpx.Client(base_url=ams.url, follow_redirects=True) as client:
        http_login(client, *ams.operators[0])
        basic = basic_record("330000000001", serial=7)
        assert _submit(client, open_form_data(basic)) == "成功"
        assert _submit(client, open_form_data(basic)) == "该账户已备案"
        permit = ams.filings()[0]["record"]["basic_account_permit"]
        general = basic_record("330000000002", account_kind="general", basic_account_permit="J9999000000101")
        assert _submit(client, open_form_data(general)) == "基本存款账户不存在"
        general["basic_account_permit"] = permit
        assert _submit(client, open_form_data(general)) == "基本存款账户与一般存款账户不得开立在同一银行机构"
        second_basic = basic_record("330000000003", serial=7)
        assert _submit(client, open_form_data(second_basic)) == "该存款人已开立基本存款账户"
        organ = basic_record("330000000004", serial=8, depositor_category="机关")
        assert "须经人民银行核准" in _submit(client, open_form_data(organ))

        change = {
            "acctNo": "330000000001",
            "changeDate": "2026-11-30",
            "changeItems": "经营范围",
            **{k: v for k, v in open_form_data(basic).items() if k not in ("acctNo", "acctType", "openDate")},
            "bizScope": "技术开发、技术咨询、技术服务",
            "basicAcctNo": permit,
        }
        assert _submit(client, change, "acctChangeSubmit.do") == "成功"
        assert _submit(client, change, "acctChangeSubmit.do") == "成功"  # the incident a bot must avoid
    filings = ams.filings()
    opened = [f for f in filings if f["action"] == "open"]
    changes = [f for f in filings if f["action"] == "change"]
    assert [(f["submitted"], f["refused"]) for f in opened] == [(2, 1)]
    assert len(changes) == 2 and [f["submitted"] for f in changes] == [2, 2]
    assert changes[0]["filing_no"] != changes[1]["filing_no"]
    events = ams.stats()["events"]
    assert events["refused:该账户已备案"] == 1 and events["submit_open"] == 6 and events["filed_change"] == 2
    assert len(ams.submissions()) == 8
