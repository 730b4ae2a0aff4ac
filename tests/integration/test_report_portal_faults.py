"""Each fault knob of the report platform, shown to work: the test sees the effect, and
GET /_admin/stats counts the fault at least as often as it was seen."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from fixtures.portals.common import load_fault_file, serve_in_thread
from fixtures.portals.reports import create_app
from tests.integration.test_report_portal import login, open_report_query, query

DAY = date(2026, 11, 27)
RPT_ID = f"D0101-{DAY:%Y%m%d}-110101"
XLSX = {"rptId": RPT_ID, "fileType": "xlsx"}
BATCH_TEXT = "当前系统正在运行后台批处理，请稍等再进行业务"


def download_in_browser(page: Any, portal: Any) -> Any:
    login(page, portal)
    frame = open_report_query(page)
    query(frame, "网点经营日报", DAY, "110101-东城支行")
    with page.expect_download() as info:
        frame.get_by_text("EXCEL").click()
    return info.value


@pytest.mark.browser
def test_truncated_download_fails_in_chromium(report_portal: Any, page: Any) -> None:
    report_portal.set_faults(download_truncate_rate=1.0, download_truncate_fraction=0.4)
    download = download_in_browser(page, report_portal)
    assert download.failure() is not None
    # Chromium resumes an interrupted download a few times (Range requests) before it gives up
    assert report_portal.stats()["faults"]["download_truncated"] >= 1


def test_truncated_download_announces_more_than_it_sends(report_portal: Any) -> None:
    report_portal.set_faults(download_truncate_rate=1.0, download_truncate_fraction=0.4)
    received = bytearray()
    with (
        report_portal.logged_in_client() as client,
        client.stream("GET", "/rpt/download.do", params=XLSX) as resp,
    ):
        announced = int(resp.headers["content-length"])
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in resp.iter_raw():
                received += chunk
    assert 0 < len(received) < announced
    assert report_portal.stats()["faults"]["download_truncated"] == 1


@pytest.mark.browser
def test_wrong_type_download_is_an_html_page_under_an_xlsx_name(report_portal: Any, page: Any) -> None:
    report_portal.set_variant("branch_daily", DAY, "110101", "wrong_type")
    download = download_in_browser(page, report_portal)
    assert download.suggested_filename.endswith(".xlsx")
    content = Path(download.path()).read_bytes()
    assert content.lstrip().startswith(b"<!DOCTYPE html") and not content.startswith(b"PK")
    assert "报表文件生成异常" in content.decode("gbk")
    assert report_portal.stats()["faults"]["download_wrong_type"] == 1


def test_slow_download_arrives_whole_but_late(report_portal: Any) -> None:
    with report_portal.logged_in_client() as client:
        size = len(client.get("/rpt/download.do", params=XLSX).content)
        report_portal.set_faults(download_bytes_per_second=size * 2)  # about half a second
        started = time.monotonic()
        slow = client.get("/rpt/download.do", params=XLSX)
        elapsed = time.monotonic() - started
    assert len(slow.content) == int(slow.headers["content-length"]) == size
    assert elapsed >= 0.4
    assert report_portal.stats()["faults"]["download_slow"] == 1


def test_latency_is_fixed_plus_jitter(report_portal: Any) -> None:
    report_portal.set_faults(latency_ms=150, latency_jitter_ms=100, latency_paths=["/rpt/login.do"])
    with httpx.Client(base_url=report_portal.url) as client:
        timings = []
        for _ in range(4):
            started = time.monotonic()
            client.get("/rpt/login.do").raise_for_status()
            timings.append(time.monotonic() - started)
        client.get("/static/rpt/css/common.css").raise_for_status()  # static files are never slowed
    assert min(timings) >= 0.15
    assert report_portal.stats()["faults"]["latency"] == 4


def test_error_rate_answers_500_as_often_as_stats_say(report_portal: Any) -> None:
    report_portal.set_faults(error_rate=0.5, error_paths=["/rpt/reportQuery.do"], seed=11)
    with report_portal.logged_in_client() as client:
        answers = [client.post("/rpt/reportQuery.do", data={"queryVO.reportDate": DAY.isoformat()})
                   for _ in range(20)]
    busy = [a for a in answers if a.status_code == 500]
    assert 0 < len(busy) < 20
    assert all("系统繁忙" in a.content.decode("gbk") for a in busy)
    stats = report_portal.stats()
    assert stats["faults"]["error_500"] == len(busy)
    assert stats["events"]["query"] == 20 - len(busy)  # a 500 is answered before the query runs


@pytest.mark.browser
def test_error_page_in_the_browser(report_portal: Any, page: Any) -> None:
    login(page, report_portal)
    frame = open_report_query(page)
    report_portal.set_faults(error_rate=1.0, error_paths=["/rpt/reportQuery.do"])
    with frame.expect_navigation() as navigation:
        frame.click("input[value='查 询']")
    assert navigation.value.status == 500
    assert "系统繁忙" in frame.locator("body").inner_text()
    assert report_portal.stats()["faults"]["error_500"] == 1


@pytest.mark.browser
def test_batch_window_on_demand(report_portal: Any, page: Any) -> None:
    login(page, report_portal)
    report_portal.set_faults(batch_now=True)
    page.reload()
    assert BATCH_TEXT in page.locator("body").inner_text()
    report_portal.set_faults(batch_now=False)
    page.reload()
    assert "当前用户" in page.locator("body").inner_text()
    assert report_portal.stats()["faults"]["batch_window"] == 1


def test_batch_window_by_clock_time(report_portal: Any) -> None:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    window = f"{now - timedelta(minutes=5):%H:%M}-{now + timedelta(minutes=5):%H:%M}"
    elsewhere = f"{now + timedelta(hours=2):%H:%M}-{now + timedelta(hours=3):%H:%M}"
    with httpx.Client(base_url=report_portal.url) as client:
        report_portal.set_faults(batch_windows=[elsewhere])
        assert BATCH_TEXT not in client.get("/rpt/login.do").content.decode("gbk")
        report_portal.set_faults(batch_windows=[elsewhere, window])
        assert BATCH_TEXT in client.get("/rpt/login.do").content.decode("gbk")
    assert report_portal.stats()["faults"]["batch_window"] == 1


@pytest.mark.browser
def test_session_lifetime_knob_ends_idle_sessions(report_portal: Any, page: Any) -> None:
    report_portal.set_faults(session_idle_seconds=1)
    login(page, report_portal)
    frame = open_report_query(page)
    page.wait_for_timeout(1500)  # stay idle past the lifetime
    with frame.expect_navigation():
        frame.click("input[value='查 询']")
    assert "用户登录信息失效" in frame.locator("body").inner_text()
    stats = report_portal.stats()
    assert stats["faults"]["session_expired"] == 1
    assert stats["sessions_ended"] == {"expired": 1}


def test_faults_from_a_file_and_cli_style_overrides(tmp_path: Path) -> None:
    fault_file = tmp_path / "faults.yaml"
    fault_file.write_text("default:\n  latency_ms: 0\nreports:\n  batch_now: true\n", encoding="utf-8")
    faults = load_fault_file(fault_file, "reports").with_overrides(["error_paths=[/nowhere]"])
    server = serve_in_thread(create_app(faults=faults))
    try:
        assert BATCH_TEXT in httpx.get(server.url + "/rpt/login.do").content.decode("gbk")
        assert httpx.get(server.url + "/_admin/stats").json()["faults"] == {"batch_window": 1}
    finally:
        server.stop()
