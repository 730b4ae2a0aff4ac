"""Every fault knob of the common layer, shown on the AMS mock: the effect is seen and
/_admin/stats says the fault fired. Also the admin API's guard, reset, seeding and switches."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from pydantic import ValidationError

from fixtures.portals.ams import create_app
from fixtures.portals.common import FaultConfig, PortalRuntime, load_fault_file, serve_in_thread
from tests.integration.ams_helpers import (
    basic_record,
    browser_login,
    gbk_post,
    http_login,
    open_form_data,
    open_menu,
    text,
)
from tests.plugins.portals import AmsHandle

SUBMIT = "/ams/acctOpenSubmit.do"


@contextmanager
def _client(ams: AmsHandle) -> Iterator[httpx.Client]:
    """An HTTP client logged in as the first operator."""
    with httpx.Client(base_url=ams.url, follow_redirects=True) as client:
        http_login(client, *ams.operators[0])
        yield client


def _file_through_browser(ams: AmsHandle, page: Any, record: dict[str, Any]) -> Any:
    """Log in, fill the open form, pass the check page and accept the confirm(); returns the frame."""
    browser_login(page, ams.login_url, *ams.operators[0])
    frame = open_menu(page, "开户备案", "单位银行结算账户开户")
    for name, value in open_form_data(record).items():
        field = frame.locator(f"[name={name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    frame.locator("input[value=下一步]").click()
    expect(frame.locator("body")).to_contain_text("信息核对")
    page.once("dialog", lambda dialog: dialog.accept())
    frame.locator("input[value=确认提交]").click()
    return frame


def test_latency_is_fixed_plus_jitter_on_the_chosen_paths(ams: AmsHandle) -> None:
    ams.set_faults(latency_ms=200, latency_jitter_ms=100, latency_paths=["/ams/login.do"])
    with httpx.Client(base_url=ams.url) as client:
        for _ in range(3):
            started = time.monotonic()
            assert client.get("/ams/login.do").status_code == 200
            assert 0.2 <= time.monotonic() - started < 1.5
        started = time.monotonic()
        client.get("/")
        assert time.monotonic() - started < 0.2
    assert ams.stats()["faults"]["latency"] == 3


def test_error_rate_answers_500_and_repeats_with_the_same_seed(ams: AmsHandle) -> None:
    def statuses() -> list[int]:
        ams.set_faults(error_rate=0.5, error_paths=["/ams/login.do"], seed=11)
        with httpx.Client(base_url=ams.url) as client:
            answers = [client.get("/ams/login.do") for _ in range(20)]
        busy = [a for a in answers if a.status_code == 500]
        assert busy and all("500 系统繁忙" in text(a) for a in busy)
        return [a.status_code for a in answers]

    first = statuses()
    assert set(first) == {200, 500}
    assert ams.stats()["faults"]["error_500"] == first.count(500)
    assert statuses() == first


@pytest.mark.browser
def test_error_on_submit_stores_nothing(ams: AmsHandle, page: Any) -> None:
    ams.set_faults(error_rate=1.0, error_paths=[SUBMIT])
    frame = _file_through_browser(ams, page, basic_record())
    expect(frame.locator("body")).to_contain_text("500 系统繁忙")
    assert ams.filings() == []
    assert ams.stats()["faults"]["error_500"] == 1


@pytest.mark.browser
def test_batch_window_on_demand_and_by_clock_time(ams: AmsHandle, page: Any) -> None:
    browser_login(page, ams.login_url, *ams.operators[0])
    ams.set_faults(batch_now=True, batch_paths=["/ams/acct*"])
    frame = open_menu(page, "备案查询", "账户信息查询")
    expect(frame.locator("body")).to_contain_text("当前系统正在运行后台批处理，请稍等再进行业务")

    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    around_now = f"{now - timedelta(minutes=1):%H:%M}-{now + timedelta(minutes=2):%H:%M}"
    later = f"{now + timedelta(hours=3):%H:%M}-{now + timedelta(hours=4):%H:%M}"
    with httpx.Client(base_url=ams.url, follow_redirects=True) as client:
        http_login(client, *ams.operators[1])
        ams.set_faults(batch_windows=[later])
        assert "账户信息查询" in text(client.get("/ams/acctQuery.do"))
        ams.set_faults(batch_windows=[later, around_now])
        assert "后台批处理" in text(client.get("/ams/acctQuery.do"))
    assert ams.stats()["faults"]["batch_window"] >= 2


@pytest.mark.browser
def test_commit_then_502_keeps_the_filing(ams: AmsHandle, page: Any) -> None:
    ams.set_faults(commit_fail_rate=1.0, commit_fail_paths=[SUBMIT])
    frame = _file_through_browser(ams, page, basic_record())
    expect(frame.locator("body")).to_contain_text("502 Bad Gateway")
    filings = ams.filings()
    assert len(filings) == 1 and filings[0]["submitted"] == 1
    frame = open_menu(page, "备案查询", "账户信息查询")
    frame.locator("[name=acctNo]").fill("110012345678")
    frame.locator("input[value='查 询']").click()
    expect(frame.locator("table.listtable")).to_contain_text(filings[0]["filing_no"])
    assert ams.stats()["faults"]["commit_fail_502"] == 1


def test_commit_then_hang_never_answers(ams: AmsHandle) -> None:
    ams.set_faults(commit_fail_rate=1.0, commit_fail_mode="hang", commit_fail_hang_seconds=20)
    with _client(ams) as client, pytest.raises(httpx.ReadTimeout):
        gbk_post(client, SUBMIT, open_form_data(basic_record()), timeout=0.5)
    held = ams.wait_for_held()
    assert [h["kind"] for h in held] == ["hang"]
    assert held[0]["detail"]["filing_no"] == ams.filings()[0]["filing_no"]
    assert ams.release() == 1
    assert ams.stats()["faults"]["commit_fail_hang"] == 1


@pytest.mark.browser
def test_commit_then_hold_until_released(ams: AmsHandle, browser: Any) -> None:
    ams.set_faults(hold_rate=1.0, hold_paths=[SUBMIT])
    context = browser.new_context()
    try:
        page = context.new_page()
        frame = _file_through_browser(ams, page, basic_record())
        held = ams.wait_for_held()
        assert len(held) == 1 and held[0]["kind"] == "hold"
        filing_no = held[0]["detail"]["filing_no"]
        assert [f["filing_no"] for f in ams.filings()] == [filing_no]  # stored before the answer
        expect(frame.locator("body")).not_to_contain_text("成功")
        ams.release(held[0]["id"])
        expect(frame.locator("body")).to_contain_text(filing_no)
        # and once more, the bot killed at exactly that moment: the filing stays, stored once
        frame = open_menu(page, "开户备案", "单位银行结算账户开户")
        second = basic_record("110012345699", serial=2)
        for name, value in open_form_data(second).items():
            field = frame.locator(f"[name={name}]")
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        frame.locator("input[value=下一步]").click()
        page.once("dialog", lambda dialog: dialog.accept())
        frame.locator("input[value=确认提交]").click()
        assert len(ams.wait_for_held()) == 1
    finally:
        context.close()
    assert ams.release() == 1
    assert [f["submitted"] for f in ams.filings()] == [1, 1]
    assert ams.stats()["faults"]["commit_hold"] == 2


def _seed_many(ams: AmsHandle, count: int) -> None:
    ams.seed(
        [basic_record(f"4400000000{i:02d}", serial=300 + i, business_date="2026-09-10") for i in range(count)]
    )


def test_slow_download_arrives_whole_but_late(ams: AmsHandle) -> None:
    _seed_many(ams, 20)
    ams.set_faults(download_bytes_per_second=8000)
    with _client(ams) as client:
        started = time.monotonic()
        response = client.get(
            "/ams/filingExport.do", params={"beginDate": "2026-09-01", "endDate": "2026-09-30"}
        )
        elapsed = time.monotonic() - started
    body = response.content
    assert len(body) == int(response.headers["content-length"]) > 2000
    assert body.decode("gbk").count("\r\n") == 21
    assert elapsed >= 0.8 * len(body) / 8000
    assert ams.stats()["faults"]["download_slow"] == 1


@pytest.mark.browser
def test_truncated_download_stops_short_of_its_content_length(ams: AmsHandle, page: Any) -> None:
    _seed_many(ams, 5)
    ams.set_faults(download_truncate_rate=1.0, download_truncate_fraction=0.4)
    with (
        _client(ams) as client,
        pytest.raises(httpx.RemoteProtocolError, match="without sending complete message body"),
    ):
        client.get("/ams/filingExport.do", params={"beginDate": "2026-09-01", "endDate": "2026-09-30"})
    browser_login(page, ams.login_url, *ams.operators[1])
    frame = open_menu(page, "备案查询", "备案业务清单")
    frame.locator("[name=beginDate]").fill("2026-09-01")
    frame.locator("[name=endDate]").fill("2026-09-30")
    with page.expect_download() as info:
        frame.locator("input[value='导 出']").click()
    assert info.value.failure() is not None
    assert ams.stats()["faults"]["download_truncated"] >= 2  # Chromium retries a broken download


def test_admin_api_is_loopback_only_and_can_be_turned_off() -> None:
    async def status(app: Any, host: str, path: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://ams") as client:
            return (await client.get(path)).status_code

    def run(app: Any, host: str, path: str) -> int:
        # Playwright's sync API may own this thread's event loop: run the ASGI client in another.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, status(app, host, path)).result()

    with_admin, without_admin = create_app(), create_app(admin=False)
    assert run(with_admin, "10.20.30.40", "/_admin/filings") == 403
    assert run(with_admin, "127.0.0.1", "/_admin/filings") == 200
    assert run(with_admin, "::1", "/_admin/stats") == 200
    assert run(without_admin, "127.0.0.1", "/_admin/filings") == 404
    assert run(without_admin, "127.0.0.1", "/_admin/reset") == 404


def test_one_session_per_operator_can_be_switched_off(tmp_path: Path) -> None:
    server = serve_in_thread(create_app(single_session=False, state_path=tmp_path / "ams.sqlite3"))
    try:
        with (
            httpx.Client(base_url=server.url, follow_redirects=True) as one,
            httpx.Client(base_url=server.url, follow_redirects=True) as two,
        ):
            http_login(one, "OP0001", "Ams0001!")
            http_login(two, "OP0001", "Ams0001!")
            assert "退出系统" in text(one.get("/ams/main.do"))
            assert "退出系统" in text(two.get("/ams/main.do"))
            stats = one.get("/_admin/stats").json()
        assert stats["sessions_ended"] == {} and stats["live_sessions"] == 2
    finally:
        server.stop()
    assert (tmp_path / "ams.sqlite3").stat().st_size > 0


def test_seed_file_and_reset(tmp_path: Path) -> None:
    seed = tmp_path / "filings.json"
    seed.write_text(
        json.dumps([basic_record("550000000001", filing_no="10002026112799990001")], ensure_ascii=False),
        encoding="utf-8",
    )
    server = serve_in_thread(create_app(seed_file=seed))
    try:
        with httpx.Client(base_url=server.url, follow_redirects=True) as client:
            http_login(client, "OP0003", "Ams0003!")
            page = text(client.get("/ams/acctQuery.do", params={"acctNo": "550000000001"}))
            assert "10002026112799990001" in page and "北京星辰科技有限公司" in page
            client.post("/_admin/seed", json=[basic_record("550000000002", serial=2)]).raise_for_status()
            client.post("/_admin/faults", json={"error_rate": 0.3}).raise_for_status()
            assert client.post("/_admin/seed", json=[basic_record("550000000002")]).status_code == 422
            client.post("/_admin/reset").raise_for_status()
            assert [f["account_no"] for f in client.get("/_admin/filings").json()] == ["550000000001"]
            assert client.get("/_admin/faults").json()["error_rate"] == 0
            assert client.get("/_admin/stats").json()["requests_total"] == 0
    finally:
        server.stop()


def test_fault_file_sections_and_overrides(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "default: {latency_ms: 50}\nams: {error_rate: 0.25, error_paths: [/ams/acctOpenSubmit.do]}\n",
        encoding="utf-8",
    )
    ams_config = load_fault_file(faults, "ams")
    assert (ams_config.latency_ms, ams_config.error_rate) == (50, 0.25)
    assert load_fault_file(faults, "reports").error_rate == 0
    assert ams_config.with_overrides(["batch_now=true", "batch_windows=[23:30-00:30]"]).batch_windows == [
        "23:30-00:30"
    ]
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"hold_rate": 1}), encoding="utf-8")
    assert load_fault_file(flat, "ams").hold_rate == 1
    with pytest.raises(ValidationError):
        FaultConfig.model_validate({"error_rate": 2})
    with pytest.raises(ValidationError):
        FaultConfig.model_validate({"batch_windows": ["25:00-26:00"]})
    with pytest.raises(ValidationError):
        FaultConfig.model_validate({"no_such_knob": 1})


def test_serve_portals_runs_both_with_their_own_faults(tmp_path: Path) -> None:
    from fixtures.portals.serve import serve_portals

    faults = tmp_path / "faults.yaml"
    faults.write_text("default: {seed: 5}\nams: {batch_now: true}\n", encoding="utf-8")
    started: list[dict[str, str]] = []
    stop = threading.Event()
    runner = threading.Thread(
        target=serve_portals,
        kwargs={
            "ams_port": 0,
            "reports_port": 0,
            "faults_file": faults,
            "on_started": started.append,
            "stop": stop,
            "fault_overrides": ["latency_ms=1"],
        },
    )
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not started and runner.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started and set(started[0]) == {"ams", "reports"}
        ams_faults = httpx.get(started[0]["ams"] + "/_admin/faults").json()
        reports_faults = httpx.get(started[0]["reports"] + "/_admin/faults").json()
        assert (ams_faults["batch_now"], ams_faults["seed"], ams_faults["latency_ms"]) == (True, 5, 1)
        assert (reports_faults["batch_now"], reports_faults["seed"], reports_faults["latency_ms"]) == (
            False,
            5,
            1,
        )
        assert "后台批处理" in text(httpx.get(started[0]["ams"] + "/ams/login.do"))
    finally:
        stop.set()
        runner.join(30)
    assert not runner.is_alive()


def test_a_state_file_outlives_the_portal(tmp_path: Path) -> None:
    state = tmp_path / "ams.sqlite3"
    first = serve_in_thread(create_app(state_path=state))
    try:
        httpx.post(first.url + "/_admin/seed", json=[basic_record("660000000001")]).raise_for_status()
    finally:
        first.stop()
    second = serve_in_thread(create_app(state_path=state))
    try:
        assert [f["account_no"] for f in httpx.get(second.url + "/_admin/filings").json()] == ["660000000001"]
    finally:
        second.stop()


def test_mixed_commit_failures_roll_both_ways_and_repeat() -> None:
    def outcomes() -> list[str | None]:
        runtime = PortalRuntime(
            "ams", faults=FaultConfig(commit_fail_rate=1.0, commit_fail_mode="mixed", seed=3)
        )
        return [runtime.commit_fault("/ams/acctOpenSubmit.do") for _ in range(20)]

    first = outcomes()
    assert set(first) == {"502", "hang"}
    assert outcomes() == first
