"""The report platform's page objects (bots/report_platform.py) driven in real Chromium against
the in-process mock platform: log in (refusals tried once), search, download, and every way a
download or a page can go wrong; and the read-only probe."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bots.report_list import found_in
from bots.report_platform import REPORT_CODES, ReportPlatform
from bots.report_platform_probe import probe_report_platform
from fixtures.reports.generate import BRANCHES, build_report
from rpa.browser.selectors import PortalSelectors, load_selectors
from rpa.errors import (
    ApplicationError,
    DownloadFailed,
    LoginRefused,
    PortalChanged,
    PortalRefusal,
    PortalUnavailable,
    SessionLost,
)
from rpa.settings import OperatorCredential, Settings

pytestmark = pytest.mark.browser

DAY = date(2026, 11, 27)
MONTH_END = date(2026, 10, 31)
BRANCH = "110101"


@pytest.fixture(scope="module")
def selectors() -> PortalSelectors:
    return load_selectors("report_platform", Settings().selectors_dir)


@pytest.fixture
def platform(page: Any, selectors: PortalSelectors, report_portal: Any) -> ReportPlatform:
    return ReportPlatform(page, selectors, report_portal.url, timeout_ms=5_000, download_timeout_ms=15_000)


@pytest.fixture
def logged_in(platform: ReportPlatform, report_portal: Any) -> ReportPlatform:
    operator = report_portal.operators[0]
    platform.login(operator.code, operator.password)
    return platform


def _cells(data: bytes) -> list[list[tuple[object, ...]]]:
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]


def test_search_and_download_both_formats_as_generated(logged_in: ReportPlatform, tmp_path: Path) -> None:
    (row,) = logged_in.search(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert row.report_id == f"D0101-{DAY:%Y%m%d}-{BRANCH}"
    assert row.files == {fmt: f"网点经营日报_东城支行_20261127.{fmt}" for fmt in ("xlsx", "pdf")}

    for fmt in ("xlsx", "pdf"):
        path = logged_in.download(row, fmt, tmp_path)
        assert path == tmp_path / row.files[fmt]
        expected = build_report("branch_daily", DAY, BRANCH, fmt)
        if fmt == "xlsx":  # the same workbook, cell for cell (zip-level bytes are not the point)
            assert _cells(path.read_bytes()) == _cells(expected)
        else:
            assert path.read_bytes() == expected
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_month_end_lists_every_report_and_paging_collects_all_pages(
    logged_in: ReportPlatform, report_portal: Any
) -> None:
    rows = logged_in.search(None, MONTH_END, None)
    assert {r.report_code for r in rows} == {"D0101", "D0201", "M0301"}
    assert sorted(r.org_code for r in rows if r.report_code == "D0101") == sorted(c for c, _ in BRANCHES)
    assert all(set(r.files) == {"xlsx", "pdf"} for r in rows)

    summary = logged_in.search(REPORT_CODES["summary_daily"], DAY, "110000")
    assert [r.report_id for r in summary] == [f"D0201-{DAY:%Y%m%d}-110000"]

    queries = report_portal.stats()["events"]["query"]
    every_day = logged_in.search(REPORT_CODES["branch_daily"], None, None)  # the last 7 days, 6 pages
    assert len(every_day) == 7 * len(BRANCHES) == len({r.report_id for r in every_day})
    assert report_portal.stats()["events"]["query"] - queries == 6


def test_a_list_not_read_whole_is_never_a_report_not_there(logged_in: ReportPlatform, page: Any) -> None:
    """Tester R's R2: a list saying 共8条记录 over seven rows made the missing branch's report
    报表平台上没有 (a refusal, as if it did not exist): a list not read whole is a system error."""
    import re

    def handle(route: Any) -> None:
        response = route.fetch()
        text = re.sub(r"<tr [^>]*>(?:(?!</tr>).)*D0101-\d{8}-110105(?:(?!</tr>).)*</tr>", "",
                      response.body().decode("gbk"), flags=re.S)
        route.fulfill(response=response, body=text.encode("gbk"))

    page.context.route("**/rpt/reportQuery.do*", handle)
    assert logged_in.find_report(REPORT_CODES["branch_daily"], DAY, "110101") is not None
    with pytest.raises(ApplicationError) as caught:
        logged_in.find_report(REPORT_CODES["branch_daily"], DAY, "110105")
    said = str(caught.value)
    assert caught.value.code == "report_list_unread" and "列表显示共 8 条记录，读到 7 条" in said, said


def test_a_report_linked_twice_is_refused_in_words_never_a_strict_mode_error(
    logged_in: ReportPlatform, page: Any, tmp_path: Path
) -> None:
    """Tester R's R4 (and N's M3): two rows linking one report ended in Playwright's English
    `strict mode violation`, retried four times as a system error."""
    import re

    def handle(route: Any) -> None:
        response = route.fetch()
        text = re.sub(r"(<tr [^>]*>(?:(?!</tr>).)*D0101-\d{8}-110101(?:(?!</tr>).)*</tr>)", r"\1\1",
                      response.body().decode("gbk"), flags=re.S)
        route.fulfill(response=response, body=text.encode("gbk"))

    page.context.route("**/rpt/reportQuery.do*", handle)
    row = logged_in.find_report(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert row is not None
    with pytest.raises(PortalRefusal, match=f"列表把 D0101-{DAY:%Y%m%d}-110101 列了两次"):
        logged_in.download(row, "xlsx", tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("suffix", "before"), [("R", False), ("R", True), ("_2", False)])
def test_a_report_listed_again_as_a_regenerated_version_is_refused_never_one_picked(
    logged_in: ReportPlatform, page: Any, suffix: str, before: bool
) -> None:
    """Tester AZ (2026-12-07): the platform listed a regenerated report (重新生成) beside the first
    one under the id D0101-…-110101R, 共N条记录 counting both; the bot took the first (stale) one
    by its id and said nothing, exit 0. Either order; a code that only grows by digits (1101011)
    is another institution, no version."""
    import re

    def handle(route: Any) -> None:
        response = route.fetch()

        def again(found: re.Match[str]) -> str:
            twin = re.sub(r"-110101(?=['_.])", f"-110101{suffix}", found.group(1))
            twin = twin.replace("网点经营日报", "网点经营日报（重新生成）")
            other = found.group(1).replace("-110101", "-1101011")
            return twin + found.group(1) + other if before else found.group(1) + twin + other

        text = re.sub(r"(<tr [^>]*>(?:(?!</tr>).)*D0101-\d{8}-110101(?:(?!</tr>).)*</tr>)", again,
                      response.body().decode("gbk"), flags=re.S)
        text = re.sub(r"共\s*(\d+)\s*条", lambda m: f"共{int(m.group(1)) + 2}条", text)
        route.fulfill(response=response, body=text.encode("gbk"))

    page.context.route("**/rpt/reportQuery.do*", handle)
    with pytest.raises(PortalRefusal) as caught:
        logged_in.find_report(REPORT_CODES["branch_daily"], DAY, BRANCH)
    said = str(caught.value)
    assert f"D0101-{DAY:%Y%m%d}-110101 另有 D0101-{DAY:%Y%m%d}-110101{suffix}（" in said, said
    assert "1101011" not in said and "重新生成的版本" in said
    assert logged_in.find_report(REPORT_CODES["branch_daily"], DAY, "110105") is not None  # the others stand


def test_an_empty_list_saying_none_only_in_its_pager_is_no_report_not_a_changed_page(
    logged_in: ReportPlatform, page: Any
) -> None:
    """Tester AZ (2026-12-07): a list with no row and 共0条记录 (no 没有符合条件的记录 row) was read as
    a selector miss, the portal changed, retried and failed; it is a report not on the platform."""
    import re

    def handle(route: Any) -> None:
        response = route.fetch()
        text = re.sub(r"<tr [^>]*>(?:(?!</tr>).)*downloadRpt(?:(?!</tr>).)*</tr>", "",
                      response.body().decode("gbk"), flags=re.S)
        text = re.sub(r"共\s*\d+\s*条", "共0条", text)
        route.fulfill(response=response, body=text.encode("gbk"))

    page.context.route("**/rpt/reportQuery.do*", handle)
    assert logged_in.find_report(REPORT_CODES["branch_daily"], DAY, BRANCH) is None


def test_a_list_saying_no_records_over_a_count_of_records_is_not_read_whole(
    logged_in: ReportPlatform, page: Any
) -> None:
    """Tester BC (2026-12-07): a list showing 没有符合条件的记录 over a pager saying 共1条记录 was read
    as no report (平台上没有); the two contradict each other: a list not read, retried."""
    import re

    def handle(route: Any) -> None:
        response = route.fetch()
        text = re.sub(r"<tr [^>]*>(?:(?!</tr>).)*downloadRpt(?:(?!</tr>).)*</tr>",
                      "", response.body().decode("gbk"), count=0, flags=re.S)
        text = text.replace("</table>", '<tr><td colspan="5">没有符合条件的记录！</td></tr></table>', 1)
        text = re.sub(r"共\s*\d+\s*条", "共1条", text)
        route.fulfill(response=response, body=text.encode("gbk"))

    page.context.route("**/rpt/reportQuery.do*", handle)
    with pytest.raises(ApplicationError) as caught:
        logged_in.find_report(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert caught.value.code == "report_list_unread" and "共 1 条记录" in str(caught.value)


def test_a_pager_stuck_on_a_page_is_a_list_not_read_whole(logged_in: ReportPlatform, page: Any) -> None:
    """Tester R's R2: page 2 asked, page 1 shown again: the bot turned pages 50 times and then
    called the reports past page 1 not there."""
    turned: list[str] = []

    def handle(route: Any) -> None:
        body = route.request.post_data or ""
        turned.append(body)
        route.fulfill(response=route.fetch(post_data=body.replace("pageNo=2", "pageNo=1")))

    page.context.route("**/rpt/reportQuery.do*", handle)
    rows = logged_in.search(None, None, None)  # the last 7 days: pages of ten
    assert logged_in.unread is not None and "仍是已读过的报表" in logged_in.unread, turned
    assert len(rows) == 10 and len([t for t in turned if "pageNo" in t]) == 2  # one turn, never 50
    with pytest.raises(ApplicationError, match="报表列表没有读全"):
        found_in(rows, logged_in.unread, lambda row: row.report_id == "none-such")


def test_a_report_type_or_branch_the_query_does_not_offer_is_refused_by_name(
    logged_in: ReportPlatform,
) -> None:
    with pytest.raises(PortalRefusal, match="报表查询页的 report_type 没有可选的 'D9999'"):
        logged_in.search("D9999", DAY, None)
    with pytest.raises(PortalRefusal, match="org 没有可选的 '999999'"):
        logged_in.search(REPORT_CODES["branch_daily"], DAY, "999999")
    assert len(logged_in.search(REPORT_CODES["branch_daily"], DAY, BRANCH)) == 1  # the form still works

    fix_org = "() => { const org = document.querySelector('select[name=\"queryVO.orgCode\"]');" \
              " if (org) { org.value = ''; org.disabled = true; } }"
    for frame in logged_in.page.frames:  # an operator whose branch the platform fixes: 全部 only
        frame.evaluate(fix_org)
    with pytest.raises(PortalRefusal, match="把 org 固定为 ''，不是 '110101'"):
        logged_in.search(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert len(logged_in.search(REPORT_CODES["summary_daily"], DAY, None)) == 1  # what it fixes is asked


@pytest.mark.parametrize(
    ("code", "password", "words"),
    [
        ("RP9999", "whatever", "用户不存在"),
        ("RP0002", "wrong123", "密码错误"),
        ("RP0009", "Rpt#2099", "用户被停用"),
    ],
)
def test_refused_login_raises_in_the_portals_words_after_one_attempt(
    platform: ReportPlatform, report_portal: Any, code: str, password: str, words: str
) -> None:
    with pytest.raises(LoginRefused) as refused:
        platform.login(code, password)
    assert words in (refused.value.portal_message or "")
    assert password not in str(refused.value)
    stats = report_portal.stats()
    assert sum(stats["login_failures"].values()) == 1 and stats["logins"] == 0


def test_a_locked_operator_is_refused_once_with_the_lock_message(
    platform: ReportPlatform, report_portal: Any
) -> None:
    operator = report_portal.operators[1]
    for _ in range(5):
        with pytest.raises(LoginRefused):
            platform.login(operator.code, "wrong123")
    with pytest.raises(LoginRefused) as refused:
        platform.login(operator.code, operator.password)
    assert "用户被锁定" in (refused.value.portal_message or "")
    assert report_portal.stats()["login_failures"] == {"wrong_password": 5, "locked": 1}


def test_a_download_named_for_another_report_is_saved_under_its_own_report_s_name(
    logged_in: ReportPlatform, page: Any, tmp_path: Path
) -> None:
    """Tester R's R7: 110105's download sent as 网点经营日报_丰台支行_20261203.xlsx (110106's name)
    was saved there and then overwritten by 110106's: the file a figure came from was lost."""
    other = "attachment; filename*=UTF-8''%E7%BD%91%E7%82%B9%E7%BB%8F%E8%90%A5%E6%97%A5%E6%8A%A5.xlsx"

    def handle(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-disposition": other})

    row = logged_in.find_report(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert row is not None
    page.context.route("**/rpt/download.do*", handle)
    path = logged_in.download(row, "xlsx", tmp_path)
    assert path.name == f"{row.report_id}.xlsx" and path.stat().st_size > 0  # not 网点经营日报.xlsx


def test_a_query_the_page_s_own_script_refuses_stops_in_its_words_not_as_a_slow_platform(
    platform: ReportPlatform, report_portal: Any, page: Any
) -> None:
    """Tester R's R3: the date field now wants yyyy/MM/dd and the page's alert() stopped the
    query; the bot waited, called the platform slow, retried every item and opened the circuit
    breaker (exit 3 after about two minutes), the alert's words nowhere in run.log."""

    def handle(route: Any) -> None:
        response = route.fetch()
        script = response.body().decode("utf-8", errors="replace")
        script = script.replace("/^\\d{4}-\\d{2}-\\d{2}$/", "/^\\d{4}\\/\\d{2}\\/\\d{2}$/")
        route.fulfill(response=response, body=script.replace("yyyy-MM-dd！", "yyyy/MM/dd！").encode("utf-8"))

    page.context.route("**/common.js*", handle)
    operator = report_portal.operators[0]
    platform.login(operator.code, operator.password)
    with pytest.raises(PortalChanged) as caught:
        platform.search(REPORT_CODES["branch_daily"], DAY, BRANCH)
    assert "报表日期格式不正确，应为yyyy/MM/dd！" in str(caught.value)
    assert caught.value.portal_message == "报表日期格式不正确，应为yyyy/MM/dd！"


def test_truncated_download_is_a_download_failure_and_leaves_no_file(
    logged_in: ReportPlatform, report_portal: Any, tmp_path: Path
) -> None:
    (row,) = logged_in.search(REPORT_CODES["summary_daily"], DAY, "110000")
    report_portal.set_faults(download_truncate_rate=1.0, download_truncate_fraction=0.6)
    with pytest.raises(DownloadFailed) as failed:
        logged_in.download(row, "xlsx", tmp_path)
    assert failed.value.code == "download_failed"
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    report_portal.set_faults()
    assert logged_in.download(row, "xlsx", tmp_path).stat().st_size > 0  # the retry ends right


def test_html_error_page_under_an_xlsx_name_is_a_download_failure(
    logged_in: ReportPlatform, report_portal: Any, tmp_path: Path
) -> None:
    report_portal.set_variant("branch_daily", DAY, BRANCH, "wrong_type")
    (row,) = logged_in.search(REPORT_CODES["branch_daily"], DAY, BRANCH)
    with pytest.raises(DownloadFailed) as failed:
        logged_in.download(row, "xlsx", tmp_path)
    assert "发来的是一个网页（HTML），不是 xlsx 文件" in failed.value.message
    assert "报表文件生成异常" in (failed.value.portal_message or "")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_second_login_elsewhere_is_a_lost_session_not_a_changed_portal(
    logged_in: ReportPlatform, report_portal: Any
) -> None:
    logged_in.search(REPORT_CODES["summary_daily"], DAY, None)
    with report_portal.logged_in_client():  # the same operator logs in elsewhere: ours ends
        pass
    with pytest.raises(SessionLost) as lost:
        logged_in.search(REPORT_CODES["summary_daily"], DAY, None)
    assert "用户登录信息失效" in (lost.value.portal_message or "")
    operator = report_portal.operators[0]
    logged_in.login(operator.code, operator.password)
    assert len(logged_in.search(REPORT_CODES["summary_daily"], DAY, None)) == 1


def test_batch_window_and_busy_pages_are_portal_unavailable(
    logged_in: ReportPlatform, report_portal: Any
) -> None:
    report_portal.set_faults(batch_now=True)
    with pytest.raises(PortalUnavailable) as batch:
        logged_in.search(REPORT_CODES["summary_daily"], DAY, None)
    assert batch.value.code == "batch_window" and "后台批处理" in (batch.value.portal_message or "")
    report_portal.set_faults(error_rate=1.0, error_paths=["/rpt/reportQuery.do"])
    with pytest.raises(PortalUnavailable) as busy:
        logged_in.search(REPORT_CODES["summary_daily"], DAY, None)
    assert "系统繁忙" in (busy.value.portal_message or "")
    report_portal.set_faults()
    assert len(logged_in.search(REPORT_CODES["summary_daily"], DAY, None)) == 1  # stale pages don't stick


def test_probe_reports_the_matching_candidate_of_every_element_read_only(
    report_portal: Any, browser: Any, tmp_path: Path
) -> None:
    operator = report_portal.operators[0]
    settings = Settings(
        runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "audit.key", reports_url=report_portal.url,
        reports_operators=[OperatorCredential(code=operator.code, password=operator.password)],
    )
    report = probe_report_platform(settings, browser=browser)
    assert report.ok, report.missing
    assert report.pages["login"]["operator_code"] == "css=input[name=userCode]"
    assert report.pages["query"]["next_page"] is not None  # the 7-day list has a second page
    assert ("login", "message") in report.not_shown
    stats = report_portal.stats()
    assert stats["logins"] == 1 and stats["sessions_ended"] == {"logout": 1}
    assert not any(name.startswith("download") for name in stats["events"])
