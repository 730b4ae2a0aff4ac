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

A list narrower than the query is never taken for the whole: every other filter of the query
form (a 业务类型 the portal remembers from the last search) is set to its 全部 option before the
query, and each page must show the query asked for, the dates as given and every other filter
blank or 全部; otherwise (a portal that cuts the date range) it is PortalChanged, and so is a row
dated outside the range or an account number shown masked (6222****0001): nothing to match by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bots.ams import codes
from bots.ams._days import iso_day
from bots.ams._tables import TableRow, column_places, table_rows, total_rows
from rpa.browser.selectors import TableSelectors
from rpa.errors import ApplicationError, PortalChanged
from rpa.masking import mask_tail

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages
    from rpa.browser.bound_page import BoundPage

PAGE = "filing_list"
COLUMNS = ("filing_no", "action", "business_date", "account_no", "account_kind", "depositor_name", "uscc",
           "bank_code")  # fmt: skip
ACCOUNT_DIGITS = re.compile(r"\d{8,32}")  # DOMAIN.md: an account number is 8-32 digits
# the query form's other filters, as (label or name, shown value) of those not at 全部; with `reset`
# true each select is first set to its 全部 option (value "" or a label holding 全部) where it has one
_FILTERS = """(begin, [end, reset]) => {
  const all = (o) => o.value === "" || o.text.includes("全部");
  const TYPED = ["text", "search", "date", "number", ""];
  const shown = [];
  for (const e of Array.from(begin.form ? begin.form.elements : [])) {
    if (e === begin || e === end || e.disabled) continue;
    const label = (e.closest("td")?.previousElementSibling?.innerText || e.name || "").trim();
    const own = ((e.labels && e.labels[0]?.innerText) || e.nextSibling?.textContent || e.value || "").trim();
    if (e.tagName === "SELECT") {
      const option = Array.from(e.options).find(all);
      if (reset && option && !all(e.options[e.selectedIndex] || option)) {
        e.value = option.value;
        e.dispatchEvent(new Event("change", {bubbles: true}));
      }
      const chosen = e.options[e.selectedIndex];
      if (chosen && !all(chosen)) shown.push([label, chosen.text.trim()]);
    } else if (e.tagName === "INPUT" && TYPED.includes(e.type) && e.value.trim()) {
      shown.push([label, e.value.trim()]);
    } else if (e.tagName === "INPUT" && e.type === "checkbox" && e.checked) {
      shown.push([own || label, "已勾选"]);  // what a ticked box keeps out cannot be known: refused
    } else if (e.tagName === "INPUT" && e.type === "radio" && e.checked && e.value !== "") {
      if (!own.includes("全部")) shown.push([label, own]);
    }
  }
  return shown;
}"""


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
        _filters(form, reset=True)
        text = screen.content.press(form.locate("query"), what=what)
        page, table = screen.expect(PAGE, spec.table, text, what)
        _check_query(page, begin, end, what, 1)
        expected = total_rows(text, spec, what)
        listed = self._rows(table_rows(table), what, begin, end)
        seen = dict.fromkeys((filing.filing_no for filing in listed), 1)  # filing number -> its page
        page_no = 1
        while len(listed) < expected and page.present("next_page"):
            text = screen.content.press(page.locate("next_page"), what=what)
            page, table = screen.expect(PAGE, spec.table, text, what)
            page_no += 1
            _check_query(page, begin, end, what, page_no)
            stated = total_rows(text, spec, what)
            if stated != expected:
                return (), f"第{page_no}页显示共{stated}行，第1页显示共{expected}行"
            rows = self._rows(table_rows(table), what, begin, end)
            twice = next((filing.filing_no for filing in rows if filing.filing_no in seen), None)
            if twice is not None:
                return (), f"备案编号 {twice} 在第{seen[twice]}页和第{page_no}页都出现"
            seen.update(dict.fromkeys((filing.filing_no for filing in rows), page_no))
            listed += rows
        if len(listed) != expected:
            raise ApplicationError(f"{what}：读到 {len(listed)} 条备案，页面却显示共{expected}行",
                                   code="filing_list_incomplete")  # fmt: skip
        return tuple(listed), None

    def _rows(self, rows: list[TableRow], what: str, begin: date, end: date) -> list[ListedFiling]:
        """The page's data rows by their columns; a row that cannot be read, dated outside the
        query or with an account number shown masked is PortalChanged."""
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
            cell["account_no"] = "".join(cell["account_no"].split())  # shown in groups: 6222 0000 7770 0001
            action = codes.action_of(cell["action"])
            if action is None:
                raise PortalChanged(f"{what}：第 {number} 行的业务类型 {cell['action']!r} 不认识",
                                    code="filing_list_unreadable")  # fmt: skip
            shown_day = iso_day(cell["business_date"])  # 2026/10/09 too, as the README says (tester V)
            if shown_day is None:
                raise PortalChanged(f"{what}：第 {number} 行的业务日期 {cell['business_date']!r} 读不出日期",
                                    code="filing_list_unreadable")  # fmt: skip
            day = date.fromisoformat(shown_day)
            cell["business_date"] = shown_day  # matched against the export's and our runs' days
            if not begin <= day <= end:
                raise PortalChanged(f"{what}：第 {number} 行的业务日期 {day.isoformat()} 不在查询范围内",
                                    code="filing_list_unreadable")  # fmt: skip
            if not cell["account_no"] or not cell["filing_no"]:
                raise PortalChanged(f"{what}：第 {number} 行没有账号或备案编号",
                                    code="filing_list_unreadable")  # fmt: skip
            if not ACCOUNT_DIGITS.fullmatch(cell["account_no"]):
                raise PortalChanged(f"{what}：第 {number} 行的账号显示为 {mask_tail(cell['account_no'])}，"
                                    "不是完整的数字账号（清单遮盖了账号？），未据此核对",
                                    code="filing_list_unreadable")  # fmt: skip
            found.append(ListedFiling(**{**cell, "action": action}))
        return found


def _filters(form: BoundPage, *, reset: bool) -> list[tuple[str, str]]:
    """The query form's filters besides the dates that are not at 全部 (after setting each select
    to 全部 first, with `reset`)."""
    end = form.locate("end_date").element_handle()
    shown: list[list[str]] = form.locate("begin_date").evaluate(_FILTERS, [end, reset])
    return [(label, value) for label, value in shown]


def _as_iso(text: str) -> str:
    """A date as the form shows it (2026-09-21, 2026/09/21, 2026年9月21日) in ISO form; the text
    itself when it is no date."""
    return iso_day(text) or text


def _check_query(page: BoundPage, begin: date, end: date, what: str, page_no: int) -> None:
    """The page shows the list for the query asked: the dates as given, no other filter set;
    otherwise the list is narrower than asked and nothing may be read from it."""
    shown = (page.locate("begin_date").input_value().strip(), page.locate("end_date").input_value().strip())
    asked = (begin.isoformat(), end.isoformat())
    if tuple(_as_iso(text) for text in shown) != asked:
        raise PortalChanged(f"{what}：第{page_no}页按 {shown[0]} 至 {shown[1]} 查询，不是要求的 "
                            f"{asked[0]} 至 {asked[1]}（门户缩小了日期范围？），清单不全，未据此核对；"
                            "请缩短 --from 至 --to 的期间后重新运行",
                            code="filing_list_narrowed")  # fmt: skip
    narrowed = _filters(page, reset=False)
    if narrowed:
        said = "、".join(f"{label}={value}" for label, value in narrowed)
        raise PortalChanged(f"{what}：第{page_no}页的查询条件还有 {said}，不是全部备案，清单不全，"
                            "未据此核对", code="filing_list_narrowed")  # fmt: skip
