"""HistoryPage: the 账户查询 look-up, an account's filing history and one filing's 详情 page.

    history = HistoryPage(screen)
    history.open_history(account_no)   # the query sent; False: AMS does not know the account
    entries = history.rows()           # every filing listed, every page of the list, oldest first
    content = history.detail(entries[0])   # one filing's content, canonical fields, of that account

The list is read by the headers of selectors/ams.yaml (page `lookup`, table `history`); a page
that shows neither 该账户未备案 nor a history read that way is an error, never "not filed".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams._tables import HistoryEntry, history_entries, table_rows, total_rows
from bots.ams.content import missing_labels, page_content, pairs_from_rows
from rpa.errors import ApplicationError, PortalChanged
from rpa.masking import FieldClass, mask

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages


@dataclass(frozen=True)
class AccountHistory:
    """An account as the look-up shows it: whether AMS knows it, and its filings, oldest first."""

    account_no: str
    filed: bool
    entries: tuple[HistoryEntry, ...] = ()


class HistoryPage:
    """The look-up's result page in the tab worked in."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self._text = ""
        self._what, self._account = "查询", ""

    def open_history(self, account_no: str) -> bool:
        """Look the account up; False if AMS says it does not know it (该账户未备案)."""
        self._what, self._account = f"查询 {mask(account_no, FieldClass.ACCOUNT_NO)}", account_no
        self._text = self.screen.menu.query("lookup", "lookup", account_no, self._what)
        if codes.NOT_FILED_WORDS in self._text:
            return False
        _, cell = self.screen.expect("lookup", "shown_account_no", self._text, self._what)
        shown = codes.account_shown(cell.inner_text())
        if not shown.isdigit():  # masked, or the label's own cell: which account cannot be told
            raise PortalChanged(f"{self._what}：账户基本信息中的账号读不出，无法确认 AMS 显示的是所查账户",
                                code="lookup_account_unread")
        if shown != account_no:  # AMS answered with another account
            raise ApplicationError(f"{self._what}：AMS 显示的是另一个账户的信息，不是所查的账户",
                                   code="lookup_other_account")
        return True

    def rows(self) -> tuple[HistoryEntry, ...]:
        """Every filing the list shows, through its 下一页 pager; as many as its 共N行 says."""
        screen, what, spec = self.screen, self._what, self.screen.history_spec
        lookup, table = screen.expect("lookup", spec.table, self._text, what)
        entries = history_entries(table_rows(table), spec, what)
        expected = total_rows(self._text, spec, what)
        while len(entries) < expected and lookup.present("next_page"):
            self._text = screen.content.press(lookup.locate("next_page"), what=what)
            lookup, table = screen.expect("lookup", spec.table, self._text, what)
            entries += history_entries(table_rows(table), spec, what)
        if expected != len(entries):
            raise ApplicationError(
                f"{what}：读到 {len(entries)} 条备案，页面却显示共{expected}行",
                code="history_incomplete",
            )
        if len({e.filing_no for e in entries}) != len(entries):  # a pager showing a page again
            raise ApplicationError(f"{what}：同一备案编号在备案历史中出现了两次，历史未能读全",
                                   code="history_incomplete")
        return tuple(replace(entry, account_no=self._account) for entry in entries)

    def read(self, account_no: str) -> AccountHistory:
        """The account's history: `open_history`, then `rows` when AMS knows it."""
        if not self.open_history(account_no):
            return AccountHistory(account_no, False)
        return AccountHistory(account_no, True, self.rows())

    def detail(self, entry: HistoryEntry) -> dict[str, str]:
        """Open the filing's 详情 page; its content (canonical fields, `content.py`)."""
        what = f"备案 {mask(entry.filing_no, FieldClass.ACCOUNT_NO)} 的详情"
        if entry.detail_url is None:
            raise ApplicationError(f"{what}：备案历史中这一行没有“详情”链接", code="detail_missing")
        text = self.screen.content.open(entry.detail_url, what=what)
        _, table = self.screen.expect("detail", "detail_table", text, what)
        content = page_content(pairs_from_rows(r.cells for r in table_rows(table)))
        shown = codes.account_shown(content.get("account_no"))
        if entry.account_no and not shown.isdigit():  # the filing's own account, or no saying whose
            raise PortalChanged(f"{what}：详情中的账号读不出，无法确认是所查账户的备案",
                                code="detail_account_unread")
        if entry.account_no and shown != entry.account_no:  # tester BB: another account's row listed
            raise ApplicationError(f"{what}：详情显示的是另一个账户的备案，不是所查账户的，备案历史不可信",
                                   code="detail_other_account")
        if missing := missing_labels(content):  # read as blank, a 变更 that changes nothing was filed
            raise PortalChanged(f"{what}：详情中没有「{'」「'.join(missing)}」，页面改版或标签改名："
                                "请用 rpa portal probe 核对后更新", code="detail_field_missing")
        number = codes.filing_number(content.get("filing_no"))  # tester BB: a history's number cut
        if number is None or number != codes.filing_number(entry.filing_no):
            raise PortalChanged(f"{what}：备案历史中的备案编号与详情中的不同，无法确定 AMS 所记的编号",
                                code="detail_filing_no_differs")
        if content.get("business_date") not in (None, entry.business_date):  # tester BE F8: 日期相同 said
            raise PortalChanged(f"{what}：详情中的业务日期与备案历史中的不同，无法确定 AMS 所记的日期",
                                code="detail_date_differs")
        return content
