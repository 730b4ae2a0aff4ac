"""The registration check bot against the mock 企业信息联网核查系统, real Chromium.

The page objects read each planted registration and `judge` says passed or held and why (name
variants that differ only in full-/half-width forms and spaces pass, one in letter case is held);
a run through the engine's queue meets a session expiring mid-run (one new login, the same
query) and 500 系统繁忙 pages (the item retried by the queue), and still ends every row right.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bots.enterprise_check.pages import LoginPage, QueryPage, ResultPage
from flows.enterprise_check.flow import judge
from rpa.browser.selectors import load_selectors
from rpa.errors import ApplicationError, PortalChanged, PortalUnavailable, SessionLost
from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import EXIT_ITEMS_FAILED, execute_run
from rpa.settings import PROJECT_ROOT, OperatorCredential, Settings
from tests.check_exports import open_row, uscc, write_export

pytestmark = pytest.mark.browser

MATCH = uscc("91110105MA01XK3P7")
VARIANT = uscc("91310115MA1H7G2Q4")
CANCELLED = uscc("92440300MA5F0B1N2")
REVOKED = uscc("91420100MA4K2R8T9")
OTHER_REP = uscc("91330106MA27YW5C3")
UNKNOWN = uscc("91510100MA61X9K8L")
LATIN = uscc("91110108MA01ABC2D")
REGISTRY = [
    {"credit_code": MATCH, "name": "北京星河数据科技有限公司", "legal_rep": "王建国"},
    {"credit_code": VARIANT, "name": "上海浦江（集团）有限公司", "legal_rep": "陈 静"},
    {"credit_code": CANCELLED, "name": "深圳市南山区顺达五金店", "legal_rep": "刘海", "status": "注销"},
    {"credit_code": REVOKED, "name": "武汉楚天物流有限公司", "legal_rep": "周敏", "status": "吊销",
     "authority": "武汉市市场监督管理局"},
    {"credit_code": OTHER_REP, "name": "杭州西溪文化传媒有限公司", "legal_rep": "赵磊"},
    {"credit_code": LATIN, "name": "北京XYZ科技有限公司", "legal_rep": "JOHN SMITH"},
]
# (code, the row's name, the row's legal representative) -> (status, words the note must hold)
CASES = [
    ((MATCH, "北京星河数据科技有限公司", "王建国"), ("passed", "一致")),
    ((VARIANT, "上海浦江(集团)有限公司", "陈静"), ("passed", "一致")),
    ((MATCH, "北京星河科技有限公司", "王建国"),
     ("held", "企业名称不符（登记为「北京星河数据科技有限公司」）")),
    ((CANCELLED, "深圳市南山区顺达五金店", "刘海"), ("held", "企业已注销")),
    ((REVOKED, "武汉楚天物流有限公司", "周敏"), ("held", "企业已吊销")),
    ((OTHER_REP, "杭州西溪文化传媒有限公司", "赵雷"), ("held", "法定代表人与登记的不同")),
    ((LATIN, "北京ＸＹＺ科技有限公司", "ＪＯＨＮ　ＳＭＩＴＨ"), ("passed", "一致")),
    ((LATIN, "北京xyz科技有限公司", "John Smith"), ("held", "仅字母大小写不同；法定代表人与登记的不同，仅")),
    ((UNKNOWN, "成都锦江茶业有限公司", "孙丽"), ("held", "未查询到该统一社会信用代码的登记信息")),
]


@pytest.mark.timeout(90)
def test_each_registration_read_and_judged(check_portal: Any, page: Any) -> None:
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    query, result = QueryPage(page, selectors), ResultPage(page, selectors)
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    for (code, name, rep), (status, words) in CASES:
        query.check(check_portal.url, code, name)
        found = result.registration()
        judged = judge({"name": name, "legal_rep": rep}, found, "" if found else query.message())
        assert (judged["status"], words in judged["note"]) == (status, True), (code, judged)
    assert result.registration() is None  # back on the query page after the unknown code

    check_portal.set_faults(session_idle_seconds=0.2)
    page.wait_for_timeout(400)
    with pytest.raises(SessionLost):
        query.check(check_portal.url, MATCH, "北京星河数据科技有限公司")


@pytest.mark.timeout(90)
def test_logs_out_from_every_page_it_may_end_on(check_portal: Any, page: Any) -> None:
    """A result page and the system's 500 page have no [退出]: the session is still ended."""
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    login, query, url = LoginPage(page, selectors), QueryPage(page, selectors), check_portal.url

    def busy() -> None:
        check_portal.set_faults(error_rate=1.0, error_paths=["/ecis/queryAction.do"])
        with pytest.raises(PortalUnavailable):
            query.check(url, MATCH, "")
        check_portal.set_faults()

    ends = {"result": lambda: query.check(url, MATCH, ""), "query": lambda: query.check(url, UNKNOWN, ""),
            "系统繁忙": busy}
    for logouts, (where, end_on) in enumerate(ends.items(), start=1):
        login.log_in(url, *check_portal.operators[0])
        end_on()
        query.log_out(url)
        stats = check_portal.stats()
        assert (stats["live_sessions"], stats["sessions_ended"]) == (0, {"logout": logouts}), (where, stats)


class ExpireOnce:
    """After the first query, sessions idle out while each query answers slowly; once one has
    expired, the faults go back to what the test set (500 系统繁忙 on some queries)."""

    def __init__(self, portal: Any, faults: dict[str, Any]) -> None:
        self.portal, self.faults, self.stop = portal, faults, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02) and not self.portal.stats()["events"].get("query"):
            pass
        self.portal.set_faults(**self.faults, session_idle_seconds=0.3, latency_ms=500,
                               latency_paths=["/ecis/queryAction.do"])
        while not self.stop.wait(0.02) and not self.portal.stats()["faults"].get("session_expired"):
            pass
        self.portal.set_faults(**self.faults)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_run_through_the_queue_survives_expiry_and_500s(check_portal: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    faults = {"error_rate": 0.4, "error_paths": ["/ecis/queryAction.do"], "seed": 11}
    check_portal.set_faults(**faults)
    rows = [open_row(f"62284800123456{n:05d}", name, code, rep)
            for n, ((code, name, rep), _) in enumerate(CASES)]
    export = write_export(tmp_path / "export.xlsx", rows)
    settings = Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        check_url=check_portal.url,
        check_operators=[OperatorCredential(code=c, password=p) for c, p in check_portal.operators[:1]],
        backoff_base_seconds=0.05, backoff_max_seconds=0.2, max_attempts=8, lease_seconds=30,
        heartbeat_seconds=2,
    )
    director = ExpireOnce(check_portal, faults)
    thread = threading.Thread(target=director.run, daemon=True)
    thread.start()
    try:
        params = {"flow_params": {"input": str(export)}}
        outcome = execute_run(settings, "enterprise-check", params, workers=1)
    finally:
        director.stop.set()
        thread.join(5)
    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome  # six rows are held for a person
    stats = check_portal.stats()
    assert stats["faults"].get("error_500") and stats["faults"].get("session_expired"), stats
    assert stats["logins"] >= 2, stats
    items = WorkQueue.from_settings(settings).items(outcome.run_id)
    assert any(item.attempts > 1 for item in items)  # a 500 retried through the queue
    sheet = load_workbook(outcome.folder / "result.xlsx")["核查结果"]
    got = [(r[0], r[5], r[12]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    expected = {"passed": "通过", "held": "需人工处理"}
    for (line, word, note), (_, (status, words)) in zip(got, CASES, strict=True):
        assert word == expected[status] and words in note, (line, word, note)
    evidence = [r[11] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(e and (outcome.folder / e).is_file() for e in evidence), evidence


def _rewrite_result(page: Any, old: str, new: str) -> None:
    """The result page as a system that changed it would serve it (GBK, as the mock serves it)."""

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.body().decode("gbk").replace(old, new)
        route.fulfill(response=response, body=body.encode("gbk"))

    page.context.route("**/ecis/queryAction.do*", handle)


@pytest.mark.timeout(90)
@pytest.mark.parametrize(("old", "new"), [
    ("<tr><th>登记状态：", "<tr><th>登记状态：</th><td>注销</td></tr><tr><th>登记状态："),  # 注销 above 存续
    ("<tr><th>法定代表人：", "<tr><th>法定代表人：</th><td>李四</td></tr><tr><th>法定代表人："),
    ("<tr><th>登记机关：", "<tr><th>负责人：</th><td>李四</td></tr><tr><th>登记机关："),  # 法定代表人 王建国
    ("</table><p>", '</table><p>该统一社会信用代码对应 2 户企业</p><table class="result"><tr><th>企业名称：'
                    "</th><td>北京星河数据科技有限公司</td></tr><tr><th>法定代表人：</th><td>李四</td></tr>"
                    "<tr><th>登记状态：</th><td>注销</td></tr></table><p>"),  # tester BD F1: a 2nd table
    ("<tr><th>法定代表人：", "<tr><th>负责人：</th><td>李四</td></tr><tr><th>法人代表："),  # tester BD F7
    ("<tr><th>登记机关：", "<tr><th>名称：</th><td>李四商贸有限公司</td></tr><tr><th>登记机关："),  # BG F11
], ids=["status_twice", "rep_twice", "rep_and_head_differ", "second_table", "renamed_beside_head",
        "second_name"])
def test_a_field_shown_twice_with_two_values_is_never_read_as_either(
    check_portal: Any, page: Any, old: str, new: str
) -> None:
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    _rewrite_result(page, old, new)
    QueryPage(page, selectors).check(check_portal.url, MATCH, "北京星河数据科技有限公司")
    with pytest.raises(PortalChanged) as caught:
        ResultPage(page, selectors).registration()
    assert "出现两次，内容不同" in str(caught.value) and "李四" not in str(caught.value)
    assert caught.value.code == "result_unreadable"


@pytest.mark.timeout(90)
def test_a_state_shown_beside_the_registration_status_is_part_of_it(check_portal: Any, page: Any) -> None:
    """Tester BD F2 (2026-12-07): 经营状态 吊销，未注销, a 吊销日期 or a 注销日期 shown beside 登记状态
    存续 was passed over: 通过, then filed. A 经营状态 the same as 登记状态 is no difference."""
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    row = {"name": "北京星河数据科技有限公司", "legal_rep": "王建国"}
    shown_as = [("<th>经营状态：</th><td>吊销，未注销</td>", "held"),
                ("<th>吊销日期：</th><td>2026-10-01</td>", "held"),
                ("<th>注销日期：</th><td>2026-11-30</td>", "held"),
                ("<th>经营状态：</th><td>存续</td>", "passed"),
                ("<th>经营状况：</th><td>停业</td>", "held"),  # tester BG F5, F12, F14
                ("<th>注销日期：</th><td>-</td>", "passed"),
                ("<th>备注：</th><td>该企业已于2026年10月1日注销</td>", "held")]
    for shown, status in shown_as:
        page.context.unroute("**/ecis/queryAction.do*")
        _rewrite_result(page, "<tr><th>登记机关：", f"<tr>{shown}</tr><tr><th>登记机关：")
        QueryPage(page, selectors).check(check_portal.url, MATCH, row["name"])
        judged = judge(row, ResultPage(page, selectors).registration(), "")
        assert judged["status"] == status, (shown, judged)
        if status == "held":
            assert "登记状态为“存续；" in judged["note"] and "（不是存续）" in judged["note"], judged


@pytest.mark.timeout(90)
def test_a_notice_beside_the_result_table_is_part_of_the_status(check_portal: Any, page: Any) -> None:
    """Tester BD F6 (2026-12-07): a red line above the table (该企业已于2026-11-30注销，以下为注销前的
    登记信息) and a table captioned 历史登记信息 were passed over: 通过, then filed."""
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    row = {"name": "北京星河数据科技有限公司", "legal_rep": "王建国"}
    notices = ['<p><font color="red">该企业已于2026-11-30注销，以下为注销前的登记信息</font></p>'
               '<table class="result"',
               '<table class="result"><caption>历史登记信息（截至2019-12-31）</caption',
               '<p>该企业已于2026-11-30解散</p><table class="result"']  # tester BG F5
    for notice in notices:
        page.context.unroute("**/ecis/queryAction.do*")
        _rewrite_result(page, '<table class="result"', notice)
        QueryPage(page, selectors).check(check_portal.url, MATCH, row["name"])
        judged = judge(row, ResultPage(page, selectors).registration(), "")
        assert judged["status"] == "held" and "；页面另有「" in judged["note"], (notice, judged)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("said", ["会话已超时，请重新登录", "", "今日查询次数已达上限"])
def test_a_query_page_without_the_systems_not_found_words_is_no_answer(
    check_portal: Any, page: Any, said: str
) -> None:
    """Tester BD F3: any words on the query page (a timeout, a quota, none) were read as "the system
    has no such enterprise"; only its not-found words say so, anything else is no answer (retried)."""
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    query = QueryPage(page, selectors)
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    _rewrite_result(page, "未查询到该统一社会信用代码的登记信息", said)
    query.check(check_portal.url, UNKNOWN, "成都锦江茶业有限公司")
    assert ResultPage(page, selectors).registration() is None
    with pytest.raises(ApplicationError) as caught:
        judge({"name": "成都锦江茶业有限公司", "legal_rep": "孙丽"}, None, query.message())
    assert caught.value.code == "check_unanswered" and f"查询页提示「{said}」" in str(caught.value)


@pytest.mark.timeout(90)
def test_a_branch_s_head_is_read_as_its_legal_representative(check_portal: Any, page: Any) -> None:
    check_portal.plant(REGISTRY)
    selectors = load_selectors("enterprise_check", PROJECT_ROOT / "selectors")
    LoginPage(page, selectors).log_in(check_portal.url, *check_portal.operators[0])
    _rewrite_result(page, "<th>法定代表人：", "<th>负责人：")
    QueryPage(page, selectors).check(check_portal.url, MATCH, "北京星河数据科技有限公司")
    found = ResultPage(page, selectors).registration()
    assert found is not None and found.legal_rep == "王建国" and found.status == "存续"
    _rewrite_result(page, "<th>登记机关：", "<th>发证机关：")  # a caption gone: said in Chinese
    QueryPage(page, selectors).check(check_portal.url, MATCH, "北京星河数据科技有限公司")
    with pytest.raises(PortalChanged, match="企业信息联网核查系统的结果页没有「登记机关」一行"):
        ResultPage(page, selectors).registration()


@pytest.mark.timeout(120)
def test_a_row_the_system_never_answered_says_why_in_result_xlsx(check_portal: Any, tmp_path: Path) -> None:
    check_portal.plant(REGISTRY)
    check_portal.set_faults(error_rate=1.0, error_paths=["/ecis/queryAction.do"])  # 500 系统繁忙 always
    row = open_row("6228480012345600001", "北京星河数据科技有限公司", MATCH, "王建国")
    export = write_export(tmp_path / "export.xlsx", [row])
    settings = Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
        check_url=check_portal.url, backoff_base_seconds=0.05, backoff_max_seconds=0.1, max_attempts=2,
        check_operators=[OperatorCredential(code=c, password=p) for c, p in check_portal.operators[:1]],
    )
    outcome = execute_run(settings, "enterprise-check", {"flow_params": {"input": str(export)}}, workers=1)
    assert outcome.exit_code == EXIT_ITEMS_FAILED, outcome
    (row,) = load_workbook(outcome.folder / "result.xlsx")["核查结果"].iter_rows(min_row=2, values_only=True)
    assert row[5] == "失败" and row[12] == "无法打开企业信息联网核查系统页面", row
