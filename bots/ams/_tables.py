"""Reading AMS's tables by their visible text: label/value rows and the history list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator

from bots.ams import codes
from rpa.bound_page import BoundPage

_ROWS_JS = """(tables) => tables.map(t => Array.from(t.rows).map(r => ({
    cells: Array.from(r.cells).map(c => c.innerText),
    header: Array.from(r.cells).some(c => c.tagName === 'TH') && !r.querySelector('td'),
    links: Array.from(r.querySelectorAll('a[href]')).map(a => a.href),
})))"""
_TOTAL_ROWS = re.compile(r"共\s*(\d+)\s*行")
_FORM_ERROR_LINE = re.compile(r"^\s*\d+\s*[.．、]\s*(.+?)\s*$")


@dataclass(frozen=True)
class TableRow:
    cells: list[str]
    header: bool
    links: list[str]


def table_rows(found: Locator) -> list[TableRow]:
    """Every row of the table(s) `found` points into (the element itself or any cell in it)."""
    tables = found.locator("xpath=ancestor-or-self::table[1]")
    data = tables.evaluate_all(_ROWS_JS)
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


def history_entries(rows: list[TableRow]) -> list[HistoryEntry]:
    """The history list's data rows, by its column headers 业务类型, 业务日期, 备案编号."""
    header = next((r.cells for r in rows if r.header), None)
    if header is None:
        return []
    where = {name: header.index(name) for name in ("业务类型", "业务日期", "备案编号") if name in header}
    if len(where) < 3:
        return []
    entries = []
    for row in rows:
        if row.header or len(row.cells) < len(header):
            continue
        word = row.cells[where["业务类型"]]
        entries.append(
            HistoryEntry(
                action=codes.ACTION_BY_WORD.get(word, word),
                business_date=row.cells[where["业务日期"]],
                filing_no=row.cells[where["备案编号"]],
                detail_url=row.links[0] if row.links else None,  # 详情
            )
        )
    return entries


def total_rows(text: str) -> int | None:
    """N of a list's 共N行, if the page shows one."""
    found = _TOTAL_ROWS.search(text)
    return int(found.group(1)) if found else None


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
