"""FilingListPage: 备案业务清单, the filings AMS holds for the institution, by business date.

    listing = FilingListPage(screen)
    filings = listing.read(date(2026, 11, 23), date(2026, 11, 27))   # every page, oldest first

The list is read by the headers of selectors/ams.yaml (page `filing_list`, table `filings`): a
header renamed or missing is PortalChanged naming it; a page that is not the list, a row that
cannot be read, or fewer rows than its 共N行 is an error, never "nothing filed".

AMS files for other runs and branches while the list is read, and its pages are cut by position:
a filing added before page 2 is served moves the rows behind it a page on, so page 2 repeats the
last rows of page 1 and the last rows of the list fall off the end unseen. A read counts as one
picture of the list only when every page states the first page's 共N行 and no filing number shows
on two pages; otherwise it is an ApplicationError naming what changed (`filing_list_changing`):
the queue, the one retry loop, reads the whole list again from page 1 after its backoff, and
nothing is classified from a list read short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams._tables import TableRow, column_places, table_rows, total_rows
from rpa.browser.selectors import TableSelectors
from rpa.errors import ApplicationError, PortalChanged

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages

PAGE = "filing_list"
COLUMNS = ("filing_no", "action", "business_date", "account_no", "account_kind", "depositor_name", "uscc",
           "bank_code")  # fmt: skip


@dataclass(frozen=True)
class ListedFiling:
    """One filing as 备案业务清单 shows it (账户性质 as its label, 基本存款账户 ...)."""

    filing_no: str
    action: str
    business_date: str
    account_no: str
    account_kind: str
    depositor_name: str
    uscc: str
    bank_code: str


class FilingListPage:
    """备案业务清单 in the tab worked in."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self.spec: TableSelectors = screen.selectors.table(PAGE, "filings", *COLUMNS)

    def read(self, begin: date, end: date) -> tuple[ListedFiling, ...]:
        """Query the business dates begin..end and read every page through 下一页, as many rows
        as 共N行 says; a list that changed under the reading is an ApplicationError (the module's
        docstring)."""
        what = f"备案业务清单 {begin.isoformat()} 至 {end.isoformat()}"
        listed, change = self._read_once(begin, end, what)
        if change is not None:
            raise ApplicationError(f"{what}：读取时清单有变动（{change}），读不出一致的清单，未据此核对；"
                                   "稍后从第1页重新读取", code="filing_list_changing")  # fmt: skip
        return listed

    def _read_once(self, begin: date, end: date, what: str) -> tuple[tuple[ListedFiling, ...], str | None]:
        """One read of every page: the filings, or nothing and what changed between pages."""
        screen, spec = self.screen, self.spec
        text = screen.content.open(screen.menu_url("list"), what=what)
        form, _ = screen.expect(PAGE, "begin_date", text, what)
        form.locate("begin_date").fill(begin.isoformat())
        form.locate("end_date").fill(end.isoformat())
        text = screen.content.press(form.locate("query"), what=what)
        page, table = screen.expect(PAGE, spec.table, text, what)
        expected = total_rows(text, spec, what)
        listed = self._rows(table_rows(table), what)
        seen = dict.fromkeys((filing.filing_no for filing in listed), 1)  # filing number -> its page
        page_no = 1
        while len(listed) < expected and page.present("next_page"):
            text = screen.content.press(page.locate("next_page"), what=what)
            page, table = screen.expect(PAGE, spec.table, text, what)
            page_no += 1
            stated = total_rows(text, spec, what)
            if stated != expected:
                return (), f"第{page_no}页显示共{stated}行，第1页显示共{expected}行"
            rows = self._rows(table_rows(table), what)
            twice = next((filing.filing_no for filing in rows if filing.filing_no in seen), None)
            if twice is not None:
                return (), f"备案编号 {twice} 在第{seen[twice]}页和第{page_no}页都出现"
            seen.update(dict.fromkeys((filing.filing_no for filing in rows), page_no))
            listed += rows
        if len(listed) != expected:
            raise ApplicationError(f"{what}：读到 {len(listed)} 条备案，页面却显示共{expected}行",
                                   code="filing_list_incomplete")  # fmt: skip
        return tuple(listed), None

    def _rows(self, rows: list[TableRow], what: str) -> list[ListedFiling]:
        """The page's data rows by their columns; a row that cannot be read is PortalChanged."""
        where = {name: place for name, (place, _) in column_places(rows, self.spec, what).items()}
        width = max(where.values()) + 1
        found = []
        for number, row in enumerate((r for r in rows if not r.header), 1):
            if len(row.cells) <= 1:  # a notice across the table (没有符合条件的记录)
                continue
            if len(row.cells) < width:
                raise PortalChanged(f"{what}：第 {number} 行只有 {len(row.cells)} 个单元格，少于表头的列数",
                                    code="filing_list_unreadable")  # fmt: skip
            cell = {name: row.cells[place] for name, place in where.items()}
            if cell["action"] not in codes.ACTION_BY_WORD:
                raise PortalChanged(f"{what}：第 {number} 行的业务类型 {cell['action']!r} 不认识",
                                    code="filing_list_unreadable")  # fmt: skip
            try:
                date.fromisoformat(cell["business_date"])
            except ValueError:
                raise PortalChanged(f"{what}：第 {number} 行的业务日期不是 yyyy-MM-dd 格式",
                                    code="filing_list_unreadable") from None  # fmt: skip
            if not cell["account_no"] or not cell["filing_no"]:
                raise PortalChanged(f"{what}：第 {number} 行没有账号或备案编号",
                                    code="filing_list_unreadable")  # fmt: skip
            found.append(ListedFiling(**{**cell, "action": codes.ACTION_BY_WORD[cell["action"]]}))
        return found
