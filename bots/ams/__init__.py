"""The AMS bot (人民币银行结算账户管理系统): page objects for login, the menu, the look-up with
its history, the 开户/变更/撤销 forms, the 信息核对 page and the result page (`pages/`), the
bot that composes them (`bot.py`), the two strategies that drive it (`strategies/`: plain and
pipelined, `RPA_AMS_STRATEGY`); the message catalogue.

    catalogue = load_message_catalogue(settings.config_dir)
    bot = AmsBot(page, load_selectors("ams", settings.selectors_dir), settings, catalogue)
    strategy = open_strategy(settings.ams_strategy, bot, session.new_page)  # before login
"""

from bots.ams._tables import HistoryEntry
from bots.ams.bot import AccountHistory, AmsBot, FilingAnswer, ListedFiling
from bots.ams.content import CanonicalFiling, differing_fields, page_content, record_content
from bots.ams.messages import Classified, MessageCatalogue, load_message_catalogue

__all__ = [
    "AccountHistory",
    "AmsBot",
    "CanonicalFiling",
    "Classified",
    "FilingAnswer",
    "HistoryEntry",
    "ListedFiling",
    "MessageCatalogue",
    "differing_fields",
    "load_message_catalogue",
    "page_content",
    "record_content",
]
