"""A branch daily report (网点经营日报) written by hand, as a workbook or a ruled PDF, the
branch summary (分行汇总日报) and the monthly fee report (中间业务收入月报) as workbooks.

The heading lines, the header 项目|本日|较上日|较年初, nine rows of figures in 万元, then the
lines under the table, each given by the test that writes it; the summary's heading, its header
机构代码|机构名称|<the nine metrics> and the rows given; the fee report's heading, its header
机构|业务类别|本月|较上月|本年累计, a block of eight categories and 小计 for each branch label
given, and the 合计 block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

HEADING = ("网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", "单位：万元")
ROWS: list[tuple[str, float, float, float]] = [
    ("储蓄存款余额", 2345.6, 1.2, 45.6), ("个人金融资产余额", 3456.7, -2.3, 123.4),
    ("个人贷款余额", 456.7, 0.6, 7.8), ("对公贷款余额", 567.8, 0.0, 10.0),
    ("普惠贷款余额", 67.8, 0.1, 5.5), ("客户数", 777, 7, 30), ("新增客户数", 7, 1, 30),
    ("中间业务收入", 2.34, 0.05, 34.5), ("对公账户开户数", 2, 1, 12)]
At = Callable[[int, int], tuple[float, float]]  # (row, column) -> where ruled_pdf starts that cell's text
FIRST_YUAN = 23456000  # 储蓄存款余额 本日 2345.6 万元
METRICS = [label for label, *_ in ROWS]


def daily_workbook(path: Path, heading: tuple[str, ...] = HEADING, below: tuple[str, ...] = ()) -> Path:
    """`heading` in A1.., the table, then `below` one line a row (the first in A14)."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    for row in (*([t] for t in heading), ["项目", "本日", "较上日", "较年初"], *(list(r) for r in ROWS),
                *([t] for t in below)):
        ws.append(row)
    book.save(path)
    return path


def ruled_pdf(path: Path, heading: tuple[str, ...] = HEADING, below: tuple[str, ...] = (), *,
              ruled: bool = True, red: frozenset[str] = frozenset(), first: str | None = None,
              raised: str = "", header: tuple[str, ...] = ("项目", "本日", "较上日", "较年初"),
              drawn: Callable[[Canvas, At], None] | None = None,
              red_rgb: tuple[float, float, float] = (0.9, 0.1, 0.1), raised_size: float = 5) -> Path:
    """The same report as a one-page PDF with ruling lines (none: `ruled` False), `below`
    printed under the table; a figure of ROWS whose text is in `red` printed in red without
    its minus, as 红字 (`red={"-2.3"}` prints 2.3 in red); `first` printed for 储蓄存款余额 本日
    instead of its figure, and `raised` after it in a small raised type (a footnote's mark, 5 pt
    or `raised_size`); a red figure in `red_rgb`;
    `header`: the column titles printed over the figures; `drawn(canvas, at)` then draws more,
    `at(row, column)` giving where a cell's text starts (row 1, column 1: 储蓄存款余额 本日)."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFont("STSong-Light", 10)
    for index, text in enumerate(heading):
        canvas.drawString(60, A4[1] - 60 - 20 * index, text)
    top = A4[1] - 80 - 20 * len(heading)
    columns = [60, 220, 320, 420, 520]
    rows = [header, *((r[0], *(str(v) for v in r[1:])) for r in ROWS)]
    if first is not None:
        rows[1] = (rows[1][0], first, *rows[1][2:])
    for index, row in enumerate(rows):
        for x, text in zip(columns, row, strict=False):
            canvas.setFillColorRGB(*(red_rgb if index and text in red else (0, 0, 0)))
            canvas.drawString(x + 4, top - 20 * index - 14, text.lstrip("-") if text in red else text)
        canvas.setFillColorRGB(0, 0, 0)
    if drawn is not None:
        drawn(canvas, lambda row, column: (columns[column] + 4, top - 20 * row - 14))
        canvas.setFillColorRGB(0, 0, 0)
    if raised:
        canvas.setFont("STSong-Light", raised_size)
        canvas.drawString(columns[1] + 5 + pdfmetrics.stringWidth(rows[1][1], "STSong-Light", 10),
                          top - 20 - 10, raised)
        canvas.setFont("STSong-Light", 10)
    bottom = top - 20 * len(rows)
    for index in range(len(rows) + 1 if ruled else 0):
        canvas.line(columns[0], top - 20 * index, columns[-1], top - 20 * index)
    for x in columns if ruled else []:
        canvas.line(x, top, x, bottom)
    for index, text in enumerate(below):
        canvas.drawString(60, bottom - 25 - 20 * index, text)
    canvas.showPage()
    canvas.save()
    return path


def summary_workbook(path: Path, rows: list[list[object]], *, header: list[list[object]] | None = None,
                     unit_line: str | None = "单位：万元、户、个") -> Path:
    """分行汇总日报 of 2026-12-04 in 万元、户、个: its heading and header, then `rows` (机构代码,
    机构名称, the nine metrics in ROWS' order; a 合计 row too, where the test wants one).
    `header`: header rows of the test's own instead; `unit_line`: None for a heading without it."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "分行汇总日报"
    heading = [["分行汇总日报"], ["汇总机构：110000 北京分行", None, "数据日期：2026-12-04"],
               [unit_line]]
    for row in (*heading, *(header or [["机构代码", "机构名称", *METRICS]]), *rows):
        ws.append(row)
    book.save(path)
    return path


FEE_HEADING = ("中间业务收入月报", "报表期间：2026年11月  单位：元")
FEE_CATEGORIES = ["结算类", "银行卡类", "代理类", "托管类", "担保承诺类", "咨询顾问类", "电子银行类", "其他"]
# 本月, 较上月, 本年累计 in 元, one row a category: 东城支行's, then 西城支行's
FEE_FIGURES = [
    [(100, 10, 1100), (200, -20, 2200), (300, 30, 3300), (400, 0, 4400), (500, 5, 5500),
     (600, 6, 6600), (700, 7, 7700), (800, 8, 8800)],
    [(150, -5, 1650), (250, 5, 2750), (350, 15, 3850), (450, 25, 4950), (550, 0, 6050),
     (650, 0, 7150), (750, 0, 8250), (850, 10, 9350)]]


def fee_workbook(path: Path, heading: tuple[str, ...] = FEE_HEADING,
                 labels: tuple[str, str] = ("110101 东城支行", "110102 西城支行"),
                 figures_of: list[list[tuple[int, int, int]]] | None = None) -> Path:
    """中间业务收入月报: `heading` in A1.., the header, then a block for each of `labels` (机构
    written on its first row) with FEE_FIGURES (or `figures_of`) and their 小计, then the 合计 block."""
    book, ws = titled_sheet("中间业务收入月报", heading)
    ws.append(["机构", "业务类别", "本月", "较上月", "本年累计"])
    branch_figures = figures_of or FEE_FIGURES
    totals = [tuple(sum(pair) for pair in zip(*rows, strict=True))
              for rows in zip(*branch_figures, strict=True)]
    for label, figures in (*zip(labels, branch_figures, strict=True), ("合计", totals)):
        for index, (category, row) in enumerate(zip(FEE_CATEGORIES, figures, strict=True)):
            ws.append([label if index == 0 else None, category, *row])
        ws.append([None, "小计", *(sum(column) for column in zip(*figures, strict=True))])
    book.save(path)
    return path


def edit_cells(path: Path, cells: dict[str, object], formats: dict[str, str] | None = None,
               sheet: str = "网点经营日报") -> Path:
    """The workbook with `cells` written and number `formats` set (by cell reference), saved."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    for ref, value in cells.items():
        ws[ref] = value
    for ref, number_format in (formats or {}).items():
        ws[ref].number_format = number_format
    book.save(path)
    return path


def titled_sheet(title: str, heading: Iterable[str]) -> tuple[Workbook, Worksheet]:
    """A new workbook whose one sheet is named `title`, the `heading` lines in A1, A2, ..."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title
    for text in heading:
        ws.append([text])
    return book, ws
