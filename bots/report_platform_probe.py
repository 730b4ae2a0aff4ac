"""`rpa portal probe report_platform`: which selector candidate matches each element, read-only.

    report = probe_report_platform(settings)
    for page, elements in report.pages.items():
        for element, matched in elements.items():
            print(page, element, matched or "NOTHING MATCHES")

The probe logs in with the first configured operator, visits every page the bot uses (login,
the main page and its menu, the report query with a list of the last week's reports) and logs
out. It downloads nothing and changes nothing on the platform.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page

from bots.report_platform import LOGIN_PATH, PORTAL, ReportPlatform
from rpa.browser.selectors import PortalSelectors, load_selectors
from rpa.errors import ConfigError
from rpa.masking import mask_tail
from rpa.settings import OperatorCredential, Settings

Matches = dict[str, str | None]  # element -> the candidate that matched (describe()), None: nothing
# elements the platform shows only in states a read-only visit does not bring about
STATE_ONLY: dict[str, frozenset[str]] = {
    "login": frozenset({"message"}),  # a refused login: never provoked, it counts towards a lock-out
    "query": frozenset({"no_records", "query_error"}),
}


class ProbeReport(dict[str, Matches]):
    """{page: {element: the first matching candidate, or None}}, with what was probed and how;
    `missing` lists what matched nothing, `not_shown` the state-only elements not seen."""

    def __init__(self, portal: str, url: str, operator: str, selectors_sha256: str,
                 pages: dict[str, Matches] | None = None) -> None:
        super().__init__(pages or {})
        self.portal = portal
        self.url = url
        self.operator = operator  # masked
        self.selectors_sha256 = selectors_sha256

    @property
    def pages(self) -> dict[str, Matches]:
        return dict(self)

    def _unmatched(self) -> list[tuple[str, str]]:
        return [(page, element) for page, found in self.items()
                for element, hit in found.items() if hit is None]

    @property
    def missing(self) -> list[tuple[str, str]]:
        """(page, element) pairs no candidate matched, leaving out the state-only elements."""
        return [(p, e) for p, e in self._unmatched() if e not in STATE_ONLY.get(p, frozenset())]

    @property
    def not_shown(self) -> list[tuple[str, str]]:
        """State-only elements the visit did not see (a refusal, an empty list): not a failure."""
        return [(p, e) for p, e in self._unmatched() if e in STATE_ONLY.get(p, frozenset())]

    @property
    def ok(self) -> bool:
        return not self.missing


def _merge(into: Matches, found: Matches) -> None:
    for element, hit in found.items():
        if into.get(element) is None:
            into[element] = hit


def probe(page: Page, selectors: PortalSelectors, base_url: str, operator: OperatorCredential,
          *, timeout_ms: float = 5_000) -> dict[str, Matches]:
    """Visit each page the bot uses and report, per element, which candidate matched.

    A refused login raises LoginRefused (once; never retried). Elements that only show in some
    states are probed in each: the query page before and after a search for the last 7 days.
    """
    platform = ReportPlatform(page, selectors, base_url, timeout_ms=timeout_ms)
    pages: dict[str, Matches] = {
        name: dict.fromkeys(selectors.page(name).elements) for name in selectors.pages
    }
    page.goto(platform.base_url + LOGIN_PATH)
    platform.check_page_state(page, login_page_ok=True)
    _merge(pages["login"], platform.bind("login").probe())
    platform.login(operator.code, operator.password.get_secret_value())
    _merge(pages["main"], platform.bind("main").probe())
    platform.open_report_query()
    _merge(pages["query"], platform.bind("query").probe())
    platform.submit_query(None, None, None)  # the last 7 days: rows, links and a pager with 下一页
    _merge(pages["query"], platform.bind("query").probe())
    platform.logout()
    _merge(pages["login"], platform.bind("login").probe())
    return pages


def probe_report_platform(settings: Settings, *, browser: Browser | None = None) -> ProbeReport:
    """Launch a browser of its own (or use `browser`, as tests do), log in with the first report
    operator and probe every page."""
    from rpa.browser.session import BrowserSession
    from rpa.run.operator_leases import hold_operator

    operators = settings.operators_for(PORTAL)
    if not operators:
        raise ConfigError("no operator credentials for the report platform: set RPA_REPORTS_OPERATORS")
    selectors = load_selectors(PORTAL, settings.selectors_dir)
    # leased like a worker's: a run's worker logged in as the same operator would be logged out
    with hold_operator(settings, PORTAL, operators, purpose="reports-probe") as operator, \
            tempfile.TemporaryDirectory(prefix="rpa-probe-") as scratch:
        report = ProbeReport(PORTAL, settings.reports_url, mask_tail(operator.code), selectors.sha256)
        folder = Path(scratch)
        with BrowserSession(settings, evidence_dir=folder / "evidence", trace_dir=folder / "traces",
                            record_traces=False, browser=browser) as session:
            page = session.new_page()
            with session.login_window():
                report.update(probe(page, selectors, settings.reports_url, operator,
                                    timeout_ms=settings.action_timeout_ms))
    return report
