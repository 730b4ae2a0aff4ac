"""AMS's screens as page objects, one short class each, whose methods are the clerk's steps.

| class | screen | steps |
|---|---|---|
| `LoginPage` | 登录 | `log_in(code, password)` |
| `MenuPage` | the main page and its menu | `read()`, `url(name)`, `query(...)`, `log_out()` |
| `HistoryPage` | 账户查询 and 详情 | `open_history(account)`, `rows()`, `detail(entry)` |
| `FilingFormPage` | 开户/变更/撤销 信息录入 | `open(record)`, `fill(record)`, `submit()` |
| `ReviewPage` | 信息核对 | `reach(record, text)`, `confirm(record)` |
| `ResultPage` | the answer to 确认提交 | `read(record, text)`, `filing_number()` |
| `FilingListPage` | 备案业务清单 | `read(begin, end)` (filing_list.py) |

Each takes the screen (`bots.ams._pages.AmsPages`: the tab worked in, its content frame, the
portal's state) and finds its elements in `selectors/ams.yaml` only. The strategies in
`bots.ams.strategies` compose them.
"""

from bots.ams.pages.form import FilingFormPage
from bots.ams.pages.history import AccountHistory, HistoryPage
from bots.ams.pages.login import LoginPage
from bots.ams.pages.menu import MENU, MenuPage
from bots.ams.pages.result import FilingAnswer, ResultPage
from bots.ams.pages.review import ReviewPage, check_key

__all__ = [
    "MENU",
    "AccountHistory",
    "FilingAnswer",
    "FilingFormPage",
    "HistoryPage",
    "LoginPage",
    "MenuPage",
    "ResultPage",
    "ReviewPage",
    "check_key",
]
