"""The engine's logged-in portal page (`rpa.run.portal_worker`) against the mock 企业信息联网核查系统,
real Chromium: the login is in the audit, a session that idled out is met by one new login and
the same step, a step that keeps losing the session goes up after that one retry, the end logs
out (the portal holds no live session), and a failed logout is a Chinese warning, not an error.
An evidence screenshot masks the elements the selectors mark personal (法定代表人), not the rest.
`Flow.workers_need_open_items`: no worker for a run with nothing open.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from loguru import logger
from PIL import Image

from bots.enterprise_check.pages import LoginPage, QueryPage, ResultPage
from rpa.audit.log import AuditLog
from rpa.browser.selectors import load_selectors
from rpa.errors import ConfigError, PortalUnavailable, SessionLost
from rpa.queue.work_queue import WorkItem, WorkQueue
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.portal_worker import portal_worker
from rpa.settings import PROJECT_ROOT, OperatorCredential, Settings
from tests.check_exports import uscc
from tests.integration.pixels import share_masked

RUN = "run-portal-worker"
SYSTEM = "企业信息联网核查系统"
CODE = uscc("91110108MA00GH6K2")
ENTERPRISE = {"credit_code": CODE, "name": "北京海淀青禾软件有限公司", "legal_rep": "林晓东"}


def _worker(
    tmp_path: Path, portal: Any, operator: OperatorCredential | None
) -> tuple[WorkerContext, AuditLog]:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        check_url=portal.url, action_timeout_ms=5_000)
    wctx = WorkerContext(
        run_id=RUN, flow="enterprise-check", worker_index=0, owner="w1", settings=settings,
        folder=tmp_path / "run", audit=audit, log=logger.bind(), params={}, operator=operator, queue=queue,
    )  # fmt: skip
    return wctx, audit


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_login_relogin_once_and_logout_on_a_real_portal(
    check_portal: Any, tmp_path: Path, browser: Any
) -> None:
    check_portal.plant([ENTERPRISE])
    code, password = check_portal.operators[0]
    wctx, audit = _worker(tmp_path, check_portal, OperatorCredential(code=code, password=password))
    queue = wctx.queue
    assert queue is not None
    queue.enqueue("enterprise-check", RUN, "row-7", {})
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert isinstance(item, WorkItem)
    selectors, url = load_selectors("enterprise_check", PROJECT_ROOT / "selectors"), check_portal.url
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(m.record["message"]), level="WARNING")
    try:
        with portal_worker(wctx, "enterprise_check", SYSTEM, audit_prefix="check.", browser=browser) as work:
            login, query, result = (LoginPage(work.page, selectors), QueryPage(work.page, selectors),
                                    ResultPage(work.page, selectors))
            work.log_in(lambda c, p: login.log_in(url, c, p), log_out=lambda: query.log_out(url))
            assert check_portal.stats()["live_sessions"] == 1

            def query_once_expired() -> None:
                try:
                    query.check(url, CODE, ENTERPRISE["name"])
                finally:  # the portal's sessions last again once one has idled out
                    check_portal.set_faults(session_idle_seconds=3600)

            check_portal.set_faults(session_idle_seconds=0.2)
            work.page.wait_for_timeout(400)  # the session idles out on the portal
            with pytest.raises(SessionLost):  # logged in again; the item goes back to the queue
                work.with_relogin(query_once_expired, item)
            assert check_portal.stats()["live_sessions"] == 1
            with work.evidence(item) as ref:  # the queue's next attempt finds the worker logged in
                work.with_relogin(lambda: query.check(url, CODE, ENTERPRISE["name"]), item)
                found = result.registration()
                shot = work.screenshot(ref)  # 法定代表人: marked personal in the selectors
            assert found is not None and found.name == "北京海淀青禾软件有限公司"
            assert (wctx.folder / shot).is_file() and shot.startswith("evidence/")
            with Image.open(wctx.folder / shot) as image:
                shown = image.convert("RGB")
            cell = "xpath=//th[contains(., '{}')]/following-sibling::td[1]"
            assert share_masked(shown, work.page.locator(cell.format("法定代表人"))) > 0.9
            assert share_masked(shown, work.page.locator(cell.format("企业名称"))) < 0.05  # an enterprise's
            stats = check_portal.stats()
            assert stats["faults"].get("session_expired") and stats["logins"] == 2, stats

            tries: list[int] = []

            def always_lost() -> None:
                tries.append(1)
                raise SessionLost("用户登录信息失效", code="session_lost")

            with pytest.raises(SessionLost):
                work.with_relogin(always_lost, item)
            assert len(tries) == 1  # one new login, no retry here: the queue retries the item
        assert check_portal.stats()["live_sessions"] == 0  # logged out at the end

        events = [(e.event, e.item_ref is not None) for e in audit.events(RUN)]  # relogin: the item's
        assert events == [("check.login", False), ("check.login", False), ("check.relogin", True),
                          ("check.login", False), ("check.relogin", True)]

        def refused_logout() -> None:
            raise PortalUnavailable("系统繁忙，请稍后再试", code="busy")

        with portal_worker(wctx, "enterprise_check", SYSTEM, browser=browser) as work:
            login = LoginPage(work.page, selectors)
            work.log_in(lambda c, p: login.log_in(url, c, p), log_out=refused_logout)
    finally:
        logger.remove(sink)
    assert [w for w in warnings if w.startswith(f"退出{SYSTEM}失败")], warnings


def test_a_worker_without_an_operator_is_a_setting_to_fix(check_portal: Any, tmp_path: Path) -> None:
    wctx, _ = _worker(tmp_path, check_portal, None)
    opening = portal_worker(wctx, "enterprise_check", SYSTEM)
    with pytest.raises(ConfigError, match="RPA_CHECK_OPERATORS"), opening:
        pass


class _CheckNothing(Flow):
    name = "enterprise-check"
    portal = "enterprise_check"
    workers_need_open_items = True

    def prepare(self, ctx: Any) -> Prepared:
        return Prepared(enqueued=0)

    def open_worker(self, wctx: WorkerContext) -> AbstractContextManager[ItemHandler]:
        return nullcontext(lambda item: {})


def test_no_worker_starts_when_nothing_is_open(tmp_path: Path) -> None:
    queue = WorkQueue(f"sqlite:///{tmp_path / 'queue.db'}")
    queue.create_schema()
    settings = Settings(check_operators=[OperatorCredential(code="HZ0001", password="x")])
    ctx: Any = SimpleNamespace(queue=queue, run_id=RUN, settings=settings, log=logger)
    flow = _CheckNothing()
    assert flow.worker_count(ctx, 2) == 0  # nothing enqueued: no browser, no login
    queue.enqueue("enterprise-check", RUN, "row-7", {})
    assert flow.worker_count(ctx, 2) == 1  # one operator configured: one worker
