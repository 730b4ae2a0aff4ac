"""What the AMS bot needs of its configuration, checked before a run queues anything and by
`rpa doctor`: every page, element and table column it uses named in selectors/ams.yaml (for the
forms, every field any record may fill, whatever the rows of this run), and config/ams_messages.yaml
readable. A misspelt element key (tester AB, 2026-12-06: `depositor_nam:`) passed `rpa doctor`, the
probe and a dry run, and was found by the first real run's workers after its rows were queued.

    catalogue = check_setup(load_selectors("ams", selectors_dir), config_dir)   # or ConfigError
    check_ams_setup(settings)   # the same from the settings: a flow's `check_setup`
"""

from __future__ import annotations

from pathlib import Path

from bots.ams._forms import FORM_ELEMENTS, FORM_PAGES
from bots.ams._tables import HISTORY_COLUMNS
from bots.ams.messages import MessageCatalogue, load_message_catalogue
from bots.ams.pages import MENU
from rpa.browser.selectors import PortalSelectors, TableSelectors, load_selectors
from rpa.errors import ConfigError
from rpa.settings import Settings

REQUIRED = {
    "login": ("operator_code", "password", "submit"),
    "main": (*MENU.values(), "logout"),
    "lookup": ("account_no", "query", "next_page"),
    "account_entry": ("account_no", "query"),
    "check": ("check_table", "confirm"),
    "result": ("success", "result_table", "masked_cells"),
    "detail": ("detail_table", "masked_cells"),
    "evidence": ("cells", "inputs"),
    "message": ("message_box",),
}


def required_selectors(selectors: PortalSelectors) -> TableSelectors:
    """Every element the bot uses is in the file (ConfigError naming the page and elements);
    returns the history table's selectors."""
    selectors.require_all(REQUIRED)
    selectors.require_all({form: (*FORM_ELEMENTS[action], "next") for action, form in FORM_PAGES.items()})
    history = selectors.table("lookup", "history", *HISTORY_COLUMNS)
    if not history.row_count:
        raise ConfigError(
            "selectors/ams.yaml：页面 lookup 的表格 history 缺少 row_count（总行数的写法）：请补上"
        )
    return history


def check_setup(selectors: PortalSelectors, config_dir: Path) -> MessageCatalogue:
    """The selectors as `required_selectors` checks them, and the message catalogue, read."""
    required_selectors(selectors)
    return load_message_catalogue(config_dir)


def check_ams_setup(settings: Settings) -> None:
    """`check_setup` of the settings' selectors folder and configuration folder."""
    check_setup(load_selectors("ams", settings.selectors_dir), settings.config_dir)
