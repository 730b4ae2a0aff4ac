"""The mock report platform driven by real Chromium: login, the menu, the filtered list, downloads;
and its admin API (expected figures, variants, stats, reset) agreeing with what the pages show."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import openpyxl
import pdfplumber
import pytest

from fixtures.portals.common import serve_in_thread
from fixtures.portals.reports import create_app, load_operators
from fixtures.reports.generate import BRANCHES

DAY = date(2026, 11, 27)
MONTH_END = date(2026, 10, 31)
BRANCH = ("110101", "东城支行")


def login(page: Any, portal: Any, operator: Any = None, *, expect_main: bool = True) -> None:
    operator = operator or portal.operators[0]
    page.goto(portal.url + "/rpt/login.do")
    page.fill("input[name='userCode']", operator.code)
    page.fill("input[name='userPassword']", operator.password)
    page.click("input[value='登 录']")
    if expect_main:
        page.wait_for_url("**/rpt/main.do")


def open_report_query(page: Any) -> Any:
    """Open 报表管理 > 报表查询下载 from the JavaScript menu; returns the content frame."""
    page.locator("div.menuGroup", has_text="报表管理").click()
    page.get_by_text("报表查询下载").click()
    frame = page.frame(name="mainFrame")
    frame.wait_for_url("**/rpt/reportQuery.do*")
    return frame


def query(frame: Any, report: str = "", day: date | None = None, org: str = "") -> None:
    frame.select_option("select[name='queryVO.reportCode']", label=report or "--全部--")
    frame.fill("input[name='queryVO.reportDate']", day.isoformat() if day else "")
    frame.select_option("select[name='queryVO.orgCode']", label=org or "--全部机构--")
    with frame.expect_navigation():
        frame.click("input[value='查 询']")


def result_rows(frame: Any) -> list[list[str]]:
    rows = frame.locator("table.listTable tr").all()[1:]
    return [[" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()] for row in rows]


def workbook_numbers(content: bytes) -> list[Decimal]:
    """Every number the workbook shows, whether stored as a number or as text like (1,234.56)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content), data_only=True).active
    numbers = []
    for row in sheet.iter_rows(values_only=True):
        for value in row:
            text = str(value).replace(",", "").replace("(", "-").replace(")", "").strip()
            try:
                numbers.append(Decimal(text))
            except ArithmeticError:
                continue
    return numbers


@pytest.mark.browser
def test_login_filtered_list_and_xlsx_download_match_the_admin_truth(report_portal: Any, page: Any) -> None:
    login(page, report_portal)
    assert page.locator("text=当前用户").inner_text().count(report_portal.operators[0].code) == 1
    frame = open_report_query(page)
    query(frame, "网点经营日报", DAY, f"{BRANCH[0]}-{BRANCH[1]}")

    assert result_rows(frame) == [["1", "网点经营日报", BRANCH[1], DAY.isoformat(), "EXCEL | PDF"]]
    assert "共1条记录" in frame.locator("body").inner_text()
    with page.expect_download() as info:
        frame.get_by_text("EXCEL").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"网点经营日报_{BRANCH[1]}_{DAY:%Y%m%d}.xlsx"
    content = Path(download.path()).read_bytes()

    savings = report_portal.expected("branch_daily", DAY, BRANCH[0])["储蓄存款余额"]["本日"]
    assert Decimal(savings) / 10000 in workbook_numbers(content)  # the file shows 万元
    stats = report_portal.stats()
    assert stats["logins"] == 1
    assert stats["events"] == {"query": 1, "download_xlsx": 1}


@pytest.mark.browser
def test_pdf_download_is_a_cjk_text_pdf_with_the_true_figures(report_portal: Any, page: Any) -> None:
    login(page, report_portal)
    frame = open_report_query(page)
    query(frame, "分行汇总日报", DAY)
    with page.expect_download() as info:
        frame.get_by_text("PDF").click()
    assert info.value.suggested_filename == f"分行汇总日报_北京分行_{DAY:%Y%m%d}.pdf"
    with pdfplumber.open(info.value.path()) as pdf:
        text = "".join(page_.extract_text() or "" for page_ in pdf.pages).replace(",", "")
    assert "分行汇总日报" in text
    total = Decimal(report_portal.expected("summary_daily", DAY)["合计"]["储蓄存款余额"]["本日"])
    assert f"{total / 10000:.2f}" in text


@pytest.mark.browser
def test_month_end_lists_every_report_and_paging_walks_the_last_week(report_portal: Any, page: Any) -> None:
    login(page, report_portal)
    frame = open_report_query(page)
    query(frame, day=MONTH_END)
    names = [row[1] for row in result_rows(frame)]
    assert names.count("网点经营日报") == 8 and names.count("分行汇总日报") == 1
    assert names.count("中间业务收入月报") == 1

    query(frame, "网点经营日报")  # no date: the last 7 days, 8 branches a day, 10 rows a page
    assert "共56条记录　第1页 共6页" in frame.locator("body").inner_text()
    with frame.expect_navigation():
        frame.get_by_text("下一页").click()
    assert "第2页 共6页" in frame.locator("body").inner_text()
    assert [row[0] for row in result_rows(frame)] == [str(n) for n in range(11, 21)]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("code", "password", "message"),
    [
        ("RP9999", "whatever", "用户不存在"),
        ("RP0002", "wrong123", "密码错误"),
        ("RP0009", "Rpt#2099", "用户被停用"),
    ],
)
def test_refused_logins_say_why(
    report_portal: Any, page: Any, code: str, password: str, message: str
) -> None:
    login(page, report_portal, SimpleNamespace(code=code, password=password), expect_main=False)
    assert message in page.locator("td.loginMsg").inner_text()
    assert sum(report_portal.stats()["login_failures"].values()) == 1


def test_five_wrong_passwords_lock_the_operator_until_reset(report_portal: Any) -> None:
    operator = report_portal.operators[1]
    with httpx.Client(base_url=report_portal.url) as client:
        for _ in range(5):
            client.post("/rpt/loginAction.do", data={"userCode": operator.code, "userPassword": "wrong123"})
        good = {"userCode": operator.code, "userPassword": operator.password}
        assert "用户被锁定" in client.post("/rpt/loginAction.do", data=good).content.decode("gbk")
        report_portal.reset()
        assert client.post("/rpt/loginAction.do", data=good).status_code == 302


@pytest.mark.browser
def test_a_second_login_ends_the_first_session(report_portal: Any, browser: Any, page: Any) -> None:
    login(page, report_portal)
    other = browser.new_context()
    try:
        login(other.new_page(), report_portal)
    finally:
        other.close()
    page.reload()
    assert "用户登录信息失效" in page.locator("body").inner_text()
    assert report_portal.stats()["sessions_ended"] == {"replaced": 1}


def test_variants_are_served_and_the_admin_api_reports_them(report_portal: Any) -> None:
    report_portal.set_variant("branch_daily", DAY, BRANCH[0], "scanned")
    with report_portal.logged_in_client() as client:
        rpt_id = f"D0101-{DAY:%Y%m%d}-{BRANCH[0]}"
        pdf = client.get("/rpt/download.do", params={"rptId": rpt_id, "fileType": "pdf"}).content
        xlsx = client.get("/rpt/download.do", params={"rptId": rpt_id, "fileType": "xlsx"}).content
    with pdfplumber.open(io.BytesIO(pdf)) as scanned:
        assert not (scanned.pages[0].extract_text() or "").strip()  # no text layer
    assert xlsx[:2] == b"PK"  # a pdf-only variant leaves the workbook standard
    listed = report_portal.admin.get("/_admin/variants").json()
    assert [(v["report_id"], v["variant"]) for v in listed] == [(rpt_id, "scanned")]
    refused = report_portal.admin.post(
        "/_admin/variants", json={"report": "branch_daily", "date": "2026-11-27", "branch": "110101",
                                  "variant": "summary_off_by_100"})
    assert refused.status_code == 422
    report_portal.reset()
    assert report_portal.admin.get("/_admin/variants").json() == []


def test_variant_choices_survive_a_restart_through_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "reports-state.json"
    server = serve_in_thread(create_app(state_path=state))
    try:
        choice = {"report": "summary_daily", "date": "2026-11-27", "variant": "summary_off_by_100"}
        httpx.post(server.url + "/_admin/variants", json=choice).raise_for_status()
    finally:
        server.stop()
    saved = json.loads(state.read_text(encoding="utf-8"))["variants"]
    assert saved == {"D0201-20261127-110000": "summary_off_by_100"}
    server = serve_in_thread(create_app(state_path=state, admin=False))
    try:
        assert httpx.get(server.url + "/_admin/stats").status_code == 404  # admin switched off
        assert httpx.get(server.url + "/rpt/login.do").status_code == 200
    finally:
        server.stop()
    reopened = create_app(state_path=state)
    portal = reopened.state.report_portal
    assert [v for v in portal.state.variants().values()] == ["summary_off_by_100"]


def test_expected_refuses_reports_the_platform_does_not_hold(report_portal: Any) -> None:
    monthly_mid_month = {"report": "fee_income_monthly", "date": "2026-11-15"}
    assert report_portal.admin.get("/_admin/expected", params=monthly_mid_month).status_code == 404
    no_branch = {"report": "branch_daily", "date": "2026-11-27"}
    assert report_portal.admin.get("/_admin/expected", params=no_branch).status_code == 422
    monthly = report_portal.expected("M0301", MONTH_END)
    assert set(monthly) == {code for code, _ in BRANCHES} | {"合计"}


def test_a_configured_date_range_limits_what_the_platform_holds() -> None:
    app = create_app(first_date=date(2026, 11, 1), last_date=DAY)
    server = serve_in_thread(app)
    try:
        with httpx.Client(base_url=server.url) as client:
            operator = next(op for op in load_operators() if op.status == "active")
            credentials = {"userCode": operator.code, "userPassword": operator.password}
            client.post("/rpt/loginAction.do", data=credentials)
            listed = {
                day: client.post("/rpt/reportQuery.do", data={"queryVO.reportDate": day}).text
                for day in ("2026-10-31", "2026-11-27", "2026-11-28")
            }
            outside = {"rptId": "D0201-20261128-110000", "fileType": "xlsx"}
            assert "报表文件不存在" in client.get("/rpt/download.do", params=outside).content.decode("gbk")
            past_end = {"report": "summary_daily", "date": "2026-11-28"}
            assert client.get("/_admin/expected", params=past_end).status_code == 404
    finally:
        server.stop()
    assert "共9条记录" in listed["2026-11-27"]
    assert "没有符合条件的记录" in listed["2026-10-31"] and "没有符合条件的记录" in listed["2026-11-28"]
