"""What a worksheet prints beyond its cells' values, for `xlsx_reader`.

    centred_across(sheet, merged)   # {(row, col): width} of each text centred across empty cells
    printed_around(sheet, spec)     # [(where, text)]: the page header and footer, the tab's name

A heading centred across cells (Excel's 跨列居中) prints as a merged one; the page header and
footer print on every page, and the tab names the sheet a person picks: another branch or day
there is as much a contradiction as one in a title row (tester BO F7/F8/F13, 2026-12-08).
"""

from __future__ import annotations

import re

from openpyxl.worksheet.worksheet import Worksheet

from flows.report_extraction.numbers import normalise
from flows.report_extraction.specs import ExtractionSpec


def centred_across(sheet: Worksheet, merged: set[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Each text centred across the empty cells after it (Excel's 跨列居中, `centerContinuous`),
    by (row, column), with the number of columns it spans: it prints as a merged heading does
    (tester BO F13, 2026-12-08: its 万元 over two columns was "no unit stated")."""
    found: dict[tuple[int, int], int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or cell.alignment.horizontal != "centerContinuous":
                continue
            assert cell.row is not None and cell.column is not None
            width = 1
            while (cell.row, cell.column + width) not in merged and (
                    nxt := sheet.cell(cell.row, cell.column + width)).value is None \
                    and nxt.alignment.horizontal == "centerContinuous":
                width += 1
            if width > 1 and (cell.row, cell.column) not in merged:
                found[(cell.row, cell.column)] = width
    return found


def printed_around(sheet: Worksheet, spec: ExtractionSpec) -> list[tuple[str, str]]:
    """The page header's and footer's text (its &-codes dropped: &D prints the day it is printed,
    &P the page) and the tab's name when it is more than the report's name."""
    found = []
    parts = (("页眉", "oddHeader"), ("页脚", "oddFooter"), ("首页页眉", "firstHeader"),
             ("首页页脚", "firstFooter"), ("偶数页页眉", "evenHeader"), ("偶数页页脚", "evenFooter"))
    for where, part in parts:
        item = getattr(sheet, part, None)
        for side in ("left", "center", "right"):
            text = getattr(getattr(item, side, None), "text", None) or ""
            text = re.sub(r'&(?:"[^"]*"|\d+|[A-Za-z]|&)', " ", text).strip()
            if text:
                found.append((where, text))
    names = {normalise(n) for n in (spec.locate.sheet, spec.locate.title, spec.title) if n}
    if normalise(sheet.title) not in names and not re.fullmatch(r"(?i)sheet\s*\d*", sheet.title.strip()):
        found.append((f"工作表名“{sheet.title}”", sheet.title))
    return found
