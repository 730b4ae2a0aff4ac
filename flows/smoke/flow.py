"""The smoke flow: see the package docstring."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from flows.smoke.site import SmokeSite
from rpa.errors import LoginRefused, PortalRefusal, PortalUnavailable
from rpa.masking import FieldClass, item_ref, mask
from rpa.queue.work_queue import WorkItem
from rpa.run.flow import Flow, ItemHandler, Prepared, WorkerContext
from rpa.run.runs import RunContext

MODES = ("ok", "business", "system_once", "system_always", "fatal", "slow", "crash")
# planted personal data: the smoke flow's pages show it, so every diagnostic can be checked
SAMPLE_ACCOUNT = "6222020200112233445"
SAMPLE_ID_NUMBER = "11010519491231002X"


class SmokeFlow(Flow):
    """Visit `items` local pages with the engine's workers; `modes` sets each item's behaviour."""

    # whether "fatal" items find the operator locked is the site's state, not the run's: the
    # documented resume after a locked operator is `--resume RUN --unlocked`
    resume_may_change: ClassVar[frozenset[str]] = frozenset({"locked"})

    name = "smoke"
    portal = None
    selectors = "smoke_site"

    def __init__(
        self,
        items: int = 12,
        modes: list[str] | None = None,
        slow_seconds: float = 2.0,
        locked: bool = True,
    ) -> None:
        self.items = items
        self.locked = locked  # whether "fatal" items find the operator locked (a resume may unlock)
        self.modes = modes or ["ok"]
        unknown = sorted(set(self.modes) - set(MODES))
        if unknown:
            from rpa.errors import UsageError

            raise UsageError(f"冒烟测试没有模式 {'、'.join(unknown)}；可用的模式：{'、'.join(MODES)}")
        self.slow_seconds = slow_seconds
        self.site: SmokeSite | None = None

    def prepare(self, ctx: RunContext) -> Prepared:
        # a fresh password per run; tests plant a known one to search every diagnostic for it
        password = os.environ.get("RPA_SMOKE_PASSWORD") or secrets.token_urlsafe(9)
        self.site = SmokeSite(password, slow_seconds=self.slow_seconds).start()
        ctx.worker_secrets["smoke_password"] = password
        ctx.params["site_url"] = self.site.url
        ctx.params["locked"] = self.locked
        count = max(self.items, len(self.modes))
        entries = []
        for n in range(count):
            mode = self.modes[n % len(self.modes)]
            payload = {"n": n, "mode": mode, "account_no": SAMPLE_ACCOUNT, "id_number": SAMPLE_ID_NUMBER}
            entries.append((f"smoke:{ctx.run_id}:{n}", payload))
        results = ctx.queue.enqueue_many(self.name, ctx.run_id, entries)
        return Prepared.of(results)

    @contextmanager
    def open_worker(self, wctx: WorkerContext) -> Iterator[ItemHandler]:
        from rpa.browser.evidence import item_evidence, take_screenshot
        from rpa.browser.selectors import load_selectors
        from rpa.browser.session import BrowserSession

        site_url = wctx.params["site_url"]
        password = wctx.extras["secrets"]["smoke_password"]
        selectors = load_selectors(self.selectors or "smoke_site", wctx.settings.selectors_dir)
        with BrowserSession(
            wctx.settings, evidence_dir=wctx.evidence_dir, trace_dir=wctx.trace_dir
        ) as session:
            page = session.new_page()
            with session.login_window():  # no trace may record the password
                page.goto(f"{site_url}/login")
                login = selectors.bind(page, "login")
                login.locate("operator_code").fill(f"SMOKE{wctx.worker_index}")
                login.locate("password").fill(password)
                login.locate("submit").click()
                if "登录成功" not in login.locate("message").inner_text():
                    raise LoginRefused("冒烟测试网站拒绝登录", portal_message="密码错误")
            wctx.record("login", None, operator=f"SMOKE{wctx.worker_index}")

            def handle(item: WorkItem) -> dict[str, Any]:
                ref = item_ref(item.key, wctx.settings.audit_key_bytes())
                payload = item.payload
                with item_evidence(session, page, ref, attempt=item.attempts, mask=[page.locator(".acct")]):
                    response = page.goto(
                        f"{site_url}/item/{payload['n']}?mode={payload['mode']}&acct={payload['account_no']}"
                        f"&locked={int(wctx.params.get('locked', True))}"
                    )
                    view = selectors.bind(page, "item")
                    message = view.locate("message").inner_text()
                    if response is not None and response.status >= 500:
                        raise PortalUnavailable(
                            f"网站对账户 {payload['account_no']} 的页面回应了 {response.status}",
                            portal_message=message,
                        )
                    if message.startswith("业务拒绝"):
                        raise PortalRefusal(
                            f"账户 {payload['account_no']}（证件 {payload['id_number']}）被拒绝",
                            portal_message=message,
                        )
                    if "用户被锁定" in message:
                        raise LoginRefused("操作员被锁定", portal_message=message)
                    if payload["mode"] == "crash":
                        # a careless bot's bug: the message carries personal data unmasked
                        raise ValueError(
                            f"cannot parse page for {payload['account_no']} {payload['id_number']}"
                        )
                    shot = take_screenshot(
                        page, wctx.evidence_dir / f"{ref}.png", mask=[page.locator(".acct")]
                    )
                return {
                    "status": "done",
                    "note": message,
                    "evidence": str(Path(shot).relative_to(wctx.folder)),
                    "account": mask(payload["account_no"], FieldClass.ACCOUNT_NO),
                }

            yield handle

    def finish(self, ctx: RunContext) -> list[Path]:
        if self.site is not None:
            self.site.stop()
            self.site = None
        return []
