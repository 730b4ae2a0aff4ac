"""What the report platform bot needs of selectors/report_platform.yaml: every page and element
it uses, checked before a run queues anything and by `rpa doctor` (tester AC, 2026-12-06: a
misspelt `pasword:` passed doctor, and the run queued its reports before its worker refused).

    required_selectors(load_selectors("report_platform", selectors_dir))   # or ConfigError
"""

from __future__ import annotations

from rpa.browser.selectors import PortalSelectors, load_selectors
from rpa.settings import Settings

REQUIRED = {
    "login": ("operator_code", "password", "submit", "message"),
    "main": ("user_info", "report_menu", "report_query_item", "logout"),
    "query": ("report_type", "report_date", "org", "search", "xlsx_link", "pdf_link", "no_records",
              "query_error", "pager", "next_page"),
}


def required_selectors(selectors: PortalSelectors) -> None:
    """Every element the bot uses is in the file (ConfigError naming the page and elements)."""
    selectors.require_all(REQUIRED)


def check_report_setup(settings: Settings) -> None:
    """`required_selectors` of the settings' selectors folder."""
    required_selectors(load_selectors("report_platform", settings.selectors_dir))
