"""`rpa portal probe ams`: log in read-only, visit every page the bot uses, report what matched.

    report = probe_ams(settings, account="110012345678")   # look this account up
    report["open_form"]["depositor_name"]   # 'css=input[name=depositorName]', or None
    report.not_visited["result"]            # why a page was not shown (never 确认提交)
    report.missing                          # [(page, element)] that matched nothing (or two) when shown

Nothing is filed (see `bots.ams._probe`). The login uses the first AMS operator not refused
before, once, inside the browser's login window: a refused login raises LoginRefused and is kept
(`rpa.run.operators`), so no probe or run tries that operator again until `rpa operators clear`.
The operator is leased while the probe is logged in (`rpa.run.operator_leases`): a run's worker
never loses its session to it, and it waits for an operator while runs hold them all. The probe
logs out at the end.

`read_system_code(settings)` uses the same short read-only login to read the system code AMS
shows (`portal_identity`): the code, or None when it shows none.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rpa.errors import ConfigError, LoginRefused
from rpa.settings import Settings

if TYPE_CHECKING:
    from bots.ams import AmsBot
    from bots.ams._prober import ProbeReport


def probe_ams(settings: Settings, account: str | None = None) -> ProbeReport:
    """Each page of selectors/ams.yaml -> each element -> the candidate that matched (None: none
    did, or the page was not shown); a dict with `.seen`, `.missing` and `.not_visited` besides.
    `account`: the account to look up (a known one: its history is read); else the first one
    备案业务清单 lists."""
    from bots.ams._probe import probe_pages

    with _ams_browser(settings, run_id=None) as (bot, login):
        return probe_pages(bot, login, account)


def read_system_code(settings: Settings, *, run_id: str | None) -> str | None:
    """Log in once, read the system code AMS shows (None: none), log out. In a thread of its
    own: the caller's thread may be running an event loop already (an asyncio server, or a
    sync Playwright of its own), where Playwright's sync API cannot start."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ams-identity") as pool:
        return pool.submit(_read_system_code, settings, run_id).result()


def _read_system_code(settings: Settings, run_id: str | None) -> str | None:
    with _ams_browser(settings, run_id=run_id) as (bot, login):
        login()
        return bot.system_code


@contextmanager
def _ams_browser(settings: Settings, *, run_id: str | None) -> Iterator[tuple[AmsBot, Callable[[], None]]]:
    """A browser on AMS for the first operator not refused before, and its login (a refusal is
    kept, `rpa.run.operators`); logs out at the end if it logged in."""
    from bots.ams import AmsBot, load_message_catalogue
    from rpa.browser.selectors import load_selectors
    from rpa.browser.session import BrowserSession
    from rpa.masking import register_secret
    from rpa.run.operator_leases import hold_operator
    from rpa.run.operators import remember_refusal, usable_operators

    operators = usable_operators(settings, "ams")  # never one AMS refused before
    if not operators:
        raise ConfigError("没有可用的 AMS 操作员：请设置 RPA_AMS_OPERATORS"
                          "（被 AMS 拒绝过的操作员用 rpa operators 查看和解除）")
    selectors = load_selectors("ams", settings.selectors_dir)
    catalogue = load_message_catalogue(settings.config_dir)
    # leased like a worker's: a run's worker logged in as the same operator would be logged out
    with hold_operator(settings, "ams", operators, purpose="ams-probe", run_id=run_id) as operator, \
            tempfile.TemporaryDirectory(prefix="rpa-probe-") as scratch:
        register_secret(operator.password.get_secret_value())
        folder = Path(scratch)
        with BrowserSession(
            settings, evidence_dir=folder / "evidence", trace_dir=folder / "traces", record_traces=False
        ) as session:
            bot = AmsBot(session.new_page(), selectors, settings, catalogue)

            def login() -> None:
                try:
                    with session.login_window():
                        bot.login(operator.code, operator.password.get_secret_value())
                except LoginRefused as exc:
                    remember_refusal(settings, "ams", operator.code, exc, run_id=run_id)
                    raise

            try:
                yield bot, login
            finally:
                bot.logout()  # the operator's one session is free again
