"""The report platform's result list (报表查询下载): its rows, download links and pager.

Each row offers an EXCEL and a PDF link calling `downloadRpt('D0101-20261127-110101','xlsx')`;
the id names the report code, the date and the institution, and the link's title the file name.
Rows are read from the links, so the list's columns may move without harm.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from playwright.sync_api import Frame, FrameLocator, Locator

from bots.report_files import REPORT_FORMATS
from rpa.browser.bound_page import BoundPage
from rpa.errors import ApplicationError, PortalChanged, PortalRefusal

_DOWNLOAD_CALL = re.compile(r"downloadRpt\(\s*'([^']+)'\s*,\s*'(\w+)'\s*\)")
_PAGER = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")
_RECORDS = re.compile(r"共\s*(\d+)\s*条")
_READ_LINKS = "links => links.map(a => [a.getAttribute('href') || '', a.getAttribute('title') || ''])"


@dataclass(frozen=True)
class ReportRow:
    """One report in the result list: its platform id and the files offered (format -> name)."""

    report_id: str  # e.g. D0101-20261127-110101
    report_code: str
    report_date: date
    org_code: str
    files: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_report_id(cls, report_id: str) -> ReportRow:
        """Parse the id the platform puts in its download links; PortalChanged if it is not one."""
        parts = report_id.split("-")
        if len(parts) != 3 or not (len(parts[1]) == 8 and parts[1].isdigit()):
            raise PortalChanged(
                f"报表列表链接到 {report_id!r}，不是 D0101-20261127-110101 这样的报表编号"
            )
        day = parts[1]
        return cls(report_id, parts[0], date(int(day[:4]), int(day[4:6]), int(day[6:])), parts[2])

    @property
    def title(self) -> str:
        """The report's name as the platform files it (网点经营日报), when a file name says it."""
        return next((name.split("_")[0] for name in self.files.values()), "")

    def merged(self, other: ReportRow) -> ReportRow:
        return replace(self, files={**self.files, **other.files})

    def is_report(self, report_code: str, report_date: date, org_code: str) -> bool:
        """Whether this row is that report: its type, date and institution."""
        return (self.report_code, self.report_date, self.org_code) == (report_code, report_date, org_code)


def link_target(href: str) -> tuple[str, str]:
    """(report id, format) a download link's href asks for."""
    call = _DOWNLOAD_CALL.search(href)
    if call is None:
        raise PortalChanged(f"报表列表中的下载链接没有调用 downloadRpt：{href[:80]!r}")
    return call.group(1), call.group(2)


@dataclass(frozen=True)
class ListedPage:
    """One page of the result list as read: its rows, and the locator of each format's links."""

    rows: list[ReportRow]
    links: dict[str, Locator]  # format -> every download link of that format on the page
    twice: frozenset[str] = frozenset()  # reports the page links twice in one format

    def row(self, report_id: str) -> ReportRow | None:
        return next((row for row in self.rows if row.report_id == report_id), None)

    def link(self, scope: Frame | FrameLocator, row: ReportRow, fmt: str) -> Locator | None:
        """The link downloading `row` in `fmt`, if this page lists it: the format's links narrowed
        to the one whose href names the report (so the click acts on that link or on none)."""
        listed = self.row(row.report_id)
        if listed is None or fmt not in listed.files or fmt not in self.links:
            return None
        if row.report_id in self.twice:
            raise PortalRefusal(f"报表平台的列表把 {row.report_id} 列了两次：无法确定下载哪一个，"
                                "请在平台核实后重试")
        quoted = _css_string(f"'{row.report_id}'")
        return self.links[fmt].and_(scope.locator(f"css=a[href*={quoted}]"))


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def read_list(form: BoundPage) -> ListedPage:
    """The rows the list shows right now (no waiting; none when no list is shown). One script
    call per format reads every link's href and title at once, instead of two calls per link."""
    rows: dict[str, ReportRow] = {}
    links: dict[str, Locator] = {}
    twice: set[str] = set()
    for fmt in REPORT_FORMATS:
        if not form.present(f"{fmt}_link"):
            continue
        links[fmt] = form.locate(f"{fmt}_link")
        for href, title in links[fmt].evaluate_all(_READ_LINKS):
            report_id, link_fmt = link_target(href)
            name = title or f"{report_id}.{link_fmt}"
            row = replace(ReportRow.from_report_id(report_id), files={link_fmt: name})
            if report_id in rows and link_fmt in rows[report_id].files:
                twice.add(report_id)
            rows[report_id] = rows[report_id].merged(row) if report_id in rows else row
    return ListedPage(list(rows.values()), links, frozenset(twice))


def result_list(form: BoundPage) -> ListedPage:
    """The list just shown after a query: no rows for 没有符合条件的记录, PortalRefusal for a
    refused filter, and a selector error when the page shows neither rows nor either message.
    The rows are read first: a page that lists reports refused nothing (two lookups fewer)."""
    listed = read_list(form)
    if listed.rows:
        return listed
    if form.present("query_error"):
        words = " ".join(form.locate("query_error").first.inner_text().split())
        raise PortalRefusal(f"报表查询被拒绝：{words}", portal_message=words)
    pager = read_pager(form) if form.present("pager") else None  # what the empty list's footer says
    if form.present("no_records"):
        if pager is not None and pager.page == 1 and pager.records:  # tester BC: 共1条 and 没有…记录
            raise ApplicationError(f"报表列表写着没有符合条件的记录，页脚却显示共 {pager.records} 条记录："
                                   "列表未能读全，稍后重试", code="report_list_unread")
        return listed
    if pager is not None and pager.records == 0:
        return listed  # 共0条记录 with no words in the table (tester AZ: read as a selector miss)
    form.locate("xlsx_link")  # raises SelectorNotFound or PortalChanged, naming the candidates
    return listed


@dataclass(frozen=True)
class Pager:
    """What the pager says (共N条记录 第N页 共N页): this page, the pages, the records (None unsaid)."""

    page: int
    pages: int
    records: int | None

    @property
    def more(self) -> bool:
        return self.page < self.pages


def read_pager(form: BoundPage) -> Pager | None:
    """The pager under the list; None when it shows no 第N页 共N页."""
    pager = " ".join(form.locate("pager").first.inner_text().split())
    position, records = _PAGER.search(pager), _RECORDS.search(pager)
    if position is None:
        return None
    return Pager(int(position.group(1)), int(position.group(2)), int(records.group(1)) if records else None)


@dataclass(frozen=True)
class Listing:
    """Every report a query listed over its pages, the last page read, and why the list was
    not read whole (None when it was)."""

    rows: list[ReportRow]
    last: ListedPage
    unread: str | None


def read_pages(form: BoundPage, first: ListedPage, turn: Callable[[], ListedPage], limit: int) -> Listing:
    """The rows of `first` and of each page `turn` goes on to while the pager says more follow.
    A page showing only reports already read (a pager stuck on a page), a page turned to showing
    none, more pages than `limit`, or a count of rows other than the pager's 共N条记录, is a list
    not read whole: said in `unread`, never "not listed"."""
    rows: dict[str, ReportRow] = {}
    listed = first
    unread: str | None = f"翻过 {limit} 页仍未到末页"
    for _ in range(limit):
        pager = read_pager(form) if listed.rows else None
        if rows and not listed.rows:
            unread = "翻页后的一页没有报表"
            break
        if rows and all(row.report_id in rows for row in listed.rows):
            unread = f"翻到第 {pager.page if pager else '下一'} 页仍是已读过的报表"
            break
        for row in listed.rows:
            rows[row.report_id] = rows[row.report_id].merged(row) if row.report_id in rows else row
        if pager is None or not pager.more:
            unread = None
            if pager is not None and pager.records not in (None, len(rows)):
                unread = f"列表显示共 {pager.records} 条记录，读到 {len(rows)} 条"
            break
        listed = turn()
    return Listing(list(rows.values()), listed, unread)


def found_in(
    rows: list[ReportRow], unread: str | None, wanted: Callable[[ReportRow], bool]
) -> ReportRow | None:
    """The report `wanted` picks among `rows`; None when they do not hold it and the list was read
    whole. A list not read whole (`unread`) cannot say a report is not there: ApplicationError,
    retried."""
    found = next((row for row in rows if wanted(row)), None)
    if found is None and unread:
        raise ApplicationError(f"报表列表没有读全（{unread}），无法确定平台上有没有该报表：稍后重试",
                               code="report_list_unread")
    return found


def one_version(row: ReportRow, rows: Iterable[ReportRow]) -> ReportRow:
    """`row`, when no other row of `rows` lists its report again under another id: the same type
    and date, the institution written as `row`'s with a suffix that is no code of its own
    (110101R, 110101_2: not 1101011). Tester AZ (2026-12-07) saw a platform list a regenerated
    report beside the first one, and the first (stale) one filed with exit 0: PortalRefusal."""
    again = sorted({r.report_id for r in rows if r.report_id != row.report_id
                    and (r.report_code, r.report_date) == (row.report_code, row.report_date)
                    and _suffixed(r.org_code, row.org_code)})
    if again:
        raise PortalRefusal(f"报表平台的列表中报表 {row.report_id} 另有 {'、'.join(again)}（同一报表和日期，"
                            "机构编号多了后缀，可能是重新生成的版本）：无法确定哪一个是现行的，请在平台核实后重试")
    return row


def _suffixed(one: str, other: str) -> bool:
    """Whether one institution code is the other's with a suffix that is not digits."""
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    return len(one) != len(other) and longer.startswith(shorter) and not longer[len(shorter):].isdigit()
