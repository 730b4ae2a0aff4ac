"""Reading AMS's tables by their visible text: label/value rows and the history list.

The history list is read by its column headers as `selectors/ams.yaml` names them (page
`lookup`, table `history`: header aliases per column, row-count patterns). What cannot be read
is an error naming what is missing, never an empty history: an empty history would be taken
for "never filed" and the filing made again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator

from bots.ams import codes
from bots.ams._days import iso_day
from rpa.browser.bound_page import BoundPage
from rpa.browser.selectors import TableSelectors
from rpa.errors import PortalChanged

# every row of each distinct table the located elements are in (a cell and its table: one table)
_ROWS_JS = """(found) => {
  const tables = [];
  for (const el of found) {
    const table = el.closest('table');
    if (table && !tables.includes(table)) tables.push(table);
  }
  return tables.map(t => Array.from(t.rows).map(r => ({
    cells: Array.from(r.cells).map(c => c.innerText),
    header: Array.from(r.cells).some(c => c.tagName === 'TH') && !r.querySelector('td'),
    links: Array.from(r.querySelectorAll('a[href]')).map(a => a.href),
  })));
}"""
HISTORY_COLUMNS = ("action", "business_date", "filing_no")
_FORM_ERROR_LINE = re.compile(r"^\s*\d+\s*[.．、]\s*(.+?)\s*$")


@dataclass(frozen=True)
class TableRow:
    cells: list[str]
    header: bool
    links: list[str]


def table_rows(found: Locator) -> list[TableRow]:
    """Every row of the table `found` points into (the element itself or any cell in it); its
    elements in two tables are PortalChanged: which one is meant cannot be told."""
    data = found.evaluate_all(_ROWS_JS)
    if len(data) > 1:
        raise PortalChanged(
            f"要找的表格不止一个：有 {len(data)} 个表格匹配", code="table_ambiguous"
        )
    return [TableRow([codes.plain(c) for c in r["cells"]], r["header"], r["links"]) for t in data for r in t]


def read_table(page: BoundPage, element: str) -> list[TableRow]:
    """The rows of a page's table, found and read in one go (the page is loaded and checked)."""
    return page.read_first(element, table_rows)


@dataclass(frozen=True)
class HistoryEntry:
    """One filing in an account's history, as the look-up lists it."""

    action: str
    business_date: str
    filing_no: str
    detail_url: str | None
    account_no: str = ""  # the account whose look-up listed it: its 详情 must show that account


def column_places(rows: list[TableRow], spec: TableSelectors, what: str) -> dict[str, tuple[int, str]]:
    """Each column of `spec` -> (its place in the header row, the header text that named it).
    PortalChanged naming the missing columns, their aliases and the headers shown, if the table
    has no header row or any column's header is not there (or is there twice)."""
    header = next((r.cells for r in rows if r.header), None)
    if header is None:
        raise PortalChanged(f"{what}：表格没有表头行", code="table_header_missing")
    places: dict[str, tuple[int, str]] = {}
    missing: list[str] = []
    for column, aliases in spec.columns.items():
        found = [(i, text) for i, text in enumerate(header) if text in {codes.plain(a) for a in aliases}]
        if len(found) > 1:
            raise PortalChanged(
                f"{what}：列 {column!r} 对应了 {len(found)} 个表头"
                f"（{'、'.join(t for _, t in found)}）",
                code="table_header_ambiguous",
            )
        if found:
            places[column] = found[0]
        else:
            missing.append(f"{column} ({'/'.join(aliases)})")
    if missing:
        raise PortalChanged(
            f"{what}：找不到这些列的表头：{'；'.join(missing)}；表格显示的表头是 "
            f"{' | '.join(header) or '（空）'}：请把新的表头加进 selectors/ams.yaml",
            code="table_header_missing",
            details={"missing": missing, "headers": header},
        )
    return places


def history_entries(
    rows: list[TableRow], spec: TableSelectors, what: str = "备案历史"
) -> list[HistoryEntry]:
    """The history list's data rows, by the columns `action`, `business_date` and `filing_no` of
    `spec`. A missing column, a row shorter than the header, an unknown 业务类型 or a date that
    is not yyyy-MM-dd is PortalChanged: a history read wrong would be taken for "not filed"."""
    where = {name: place for name, (place, _) in column_places(rows, spec, what).items()}
    width = max(where[name] for name in HISTORY_COLUMNS) + 1
    entries = []
    for number, row in enumerate((r for r in rows if not r.header), 1):
        if len(row.cells) <= 1 and not row.links:  # a notice across the table (无记录)
            continue
        if len(row.cells) < width:
            raise PortalChanged(f"{what}：第 {number} 行只有 {len(row.cells)} 个单元格，少于表头的列数",
                                code="history_unreadable")  # fmt: skip
        word, day = row.cells[where["action"]], row.cells[where["business_date"]]
        action = codes.action_of(word)
        if action is None:
            raise PortalChanged(f"{what}：第 {number} 行的业务类型 {word!r} 不认识",
                                code="history_unreadable")  # fmt: skip
        iso = iso_day(day)
        if iso is None:
            raise PortalChanged(f"{what}：第 {number} 行的日期读不出（应如 2026-11-27）：{day!r}",
                                code="history_unreadable")  # fmt: skip
        filing_no = row.cells[where["filing_no"]]
        if not filing_no:
            raise PortalChanged(f"{what}：第 {number} 行没有备案编号", code="history_unreadable")
        entries.append(
            HistoryEntry(
                action=action,
                business_date=iso,
                filing_no=filing_no,
                detail_url=row.links[0] if row.links else None,  # 详情
            )
        )
    return entries


def total_rows(text: str, spec: TableSelectors, what: str = "备案历史") -> int:
    """N of the list's row count (`共N行`, by the patterns of `spec`); PortalChanged if the page
    shows none of them: without it nobody knows whether every page was read."""
    found = spec.count_in(text)
    if found is None:
        raise PortalChanged(
            f"{what}：页面上没有显示总行数（试过的写法：{'、'.join(spec.row_count) or '无'}）",
            code="row_count_missing",
        )
    return found[0]


def form_errors(text: str) -> list[str]:
    """The numbered lines of a form's 提示信息 (`1. 账号不能为空`)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "提示信息" in line), None)
    if start is None:
        return []
    errors = []
    for line in lines[start:]:
        found = _FORM_ERROR_LINE.match(line)
        if found:
            errors.append(codes.plain(found.group(1)))
        elif errors and line.strip():
            break
    return errors

