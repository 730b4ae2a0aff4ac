"""A filing worker's AMS session: its own Chromium, the operator's login (a refusal remembered so
no run tries that operator again; the AMS identity checked against the one the run was prepared
for), the `RPA_AMS_STRATEGY` strategy, the filing handler, and the logout when the worker ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bots.ams import AmsBot, load_message_catalogue
from bots.ams.strategies import open_strategy
from flows.account_filing.filing import FilingHandler, LookingAheadFilingHandler
from flows.account_filing.portal_identity import check_worker_identity
from rpa.browser.selectors import load_selectors
from rpa.browser.session import BrowserSession
from rpa.errors import ApplicationError, ConfigError, LoginRefused
from rpa.masking import FieldClass, mask
from rpa.run.flow import ItemHandler, WorkerContext
from rpa.run.operators import remember_refusal


@contextmanager
def open_filing_worker(
    wctx: WorkerContext, *, dry_run: bool, portal_identity: str | None
) -> Iterator[ItemHandler]:
    """The worker's item handler, logged in (or to log in at its first item when AMS is down)."""
    operator = wctx.operator
    if operator is None:
        raise ConfigError("这个工作进程没有可用的 AMS 操作员：请设置 RPA_AMS_OPERATORS")
    settings = wctx.settings
    selectors = load_selectors("ams", settings.selectors_dir)
    catalogue = load_message_catalogue(settings.config_dir)
    with BrowserSession(settings, evidence_dir=wctx.evidence_dir, trace_dir=wctx.trace_dir) as session:
        bot = AmsBot(session.new_page(), selectors, settings, catalogue)
        strategy = open_strategy(settings.ams_strategy, bot, session.new_page, dry_run=dry_run)

        def login() -> None:
            try:
                with session.login_window():  # no trace may hold the password
                    bot.login(operator.code, operator.password.get_secret_value())
            except LoginRefused as exc:  # kept: no run tries this operator again
                remember_refusal(settings, "ams", operator.code, exc, run_id=wctx.run_id)
                wctx.record("operator.refused", None, operator=mask(operator.code, FieldClass.ACCOUNT_NO),
                            code=exc.code, message=exc.portal_message or "")
                raise
            wctx.record("ams.login", None, operator=mask(operator.code, FieldClass.ACCOUNT_NO),
                        strategy=strategy.name)
            if not dry_run:  # the URL still reaches the AMS the run was prepared for
                check_worker_identity(settings, portal_identity, bot.system_code)

        logged_in = True
        try:
            login()
        except ApplicationError as exc:
            # AMS down or in its batch window: no retry here; the first item logs in, and
            # the queue's backoff tries it again like any other system error
            logged_in = False
            wctx.log.warning(f"AMS 暂时无法登录（{exc.code}）：{exc}；由下一个事项登录，按队列退避重试")
        try:
            handler = LookingAheadFilingHandler if strategy.looks_ahead else FilingHandler
            yield handler(bot, session, wctx, login=login, strategy=strategy, dry_run=dry_run,
                          logged_in=logged_in)
        finally:  # at the end, on a stop request and after a run-fatal error alike
            if bot.logout():
                wctx.record("ams.logout", None, operator=mask(operator.code, FieldClass.ACCOUNT_NO))
