"""Multi-page PDFs of a branch summary (分行汇总日报), drawn here with reportlab's canvas, so the
PDF reader is tested on layouts it was not written from (the mock platform's writer in
fixtures/reports is another program).

    table = random_summary(seed=7, branches=23)
    pdf = summary_pdf(table, PdfStyle(ruled=False, repeat_header=False, totals_first=True))
    table.truth()     # {(branch or 合计, metric, 本日): value in 元 or a count}

One table of branches as rows, one 本日 column per metric, a totals row (合计 / 总计 / 全行合计,
first or last), continued over pages: with ruling lines or without, header repeated on each
page or only on the first, a title 分行汇总日报（续） and a page footer on the continuation pages
or not; the unit line on page 1 and the footnote on the last page as given. Money is printed in
万元 with two decimals and thousands separators, counts in 户 / 个.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
WAN = Decimal(10000)
# the metric columns as a branch summary prints them; counts carry their unit in the header
COLUMNS: list[tuple[str, str, str | None]] = [  # (metric, header text, count unit or None for 万元)
    ("储蓄存款余额", "储蓄存款余额", None),
    ("个人金融资产余额", "个人金融资产", None),
    ("个人贷款余额", "个人贷款余额", None),
    ("对公贷款余额", "对公贷款", None),
    ("普惠贷款余额", "普惠贷款余额", None),
    ("客户数", "客户数（户）", "户"),
    ("新增客户数", "新增客户数（户）", "户"),
    ("中间业务收入", "中间业务收入", None),
    ("对公账户开户数", "对公开户数（个）", "个"),
]
CODE_WIDTH, METRIC_WIDTH, MARGIN, ROW_HEIGHT = 56.0, 82.0, 24.0, 16.0


@dataclass(frozen=True)
class SummaryTable:
    """Branch rows {code: {metric: printed value}}, money in 万元 (two decimals), counts whole."""

    date: str
    rows: dict[str, dict[str, Decimal]]
    totals_off_by: Decimal = Decimal(0)  # 万元 added to the printed 储蓄存款余额 total (a wrong total)

    def totals(self) -> dict[str, Decimal]:
        sums = {metric: sum((row[metric] for row in self.rows.values()), Decimal(0))
                for metric, _, _ in COLUMNS}
        sums["储蓄存款余额"] += self.totals_off_by
        return sums

    def truth(self, total_key: str = "合计") -> dict[tuple[str, str, str], Decimal]:
        """Every figure as the extraction keys it: money in 元, counts as counts."""
        rows = {**self.rows, total_key: self.totals()}
        return {(who, metric, "本日"): values[metric] if unit else values[metric] * WAN
                for who, values in rows.items() for metric, _, unit in COLUMNS}


def random_summary(*, seed: int, branches: int, day: str = "2026-11-27") -> SummaryTable:
    """A summary of `branches` branches with codes like a city bank's (3101xx, 3102xx...)."""
    rng = random.Random(seed)
    codes = sorted(rng.sample([f"31{d:02d}{n:02d}" for d in range(1, 20) for n in range(1, 40)], branches))
    rows: dict[str, dict[str, Decimal]] = {}
    for code in codes:
        values: dict[str, Decimal] = {}
        for metric, _, unit in COLUMNS:
            if unit:
                low, high = (-30, 300) if metric == "新增客户数" else (0, 40000)
                values[metric] = Decimal(rng.randint(low, high))
            else:
                low, high = (-50_000, 9_000_000) if metric == "中间业务收入" else (0, 900_000_000)
                values[metric] = Decimal(rng.randint(low, high)) / 100
        rows[code] = values
    return SummaryTable(day, rows)


@dataclass(frozen=True)
class PdfStyle:
    """How the table is drawn and cut over pages."""

    ruled: bool = True
    repeat_header: bool = True
    totals_first: bool = False
    totals_label: str = "合计"
    rows_per_page: int = 12
    continuation_title: bool = True  # 分行汇总日报（续） atop pages 2...
    footer: bool = True  # 第 N 页 共 M 页
    shift: float = 0.0  # points the continuation pages' table is drawn right of the first page's
    stray: str | None = None  # a text printed right of the table on the second page's first row
    unit_line: str = "单位：万元"  # after the date on page 1 ('' for none)
    note: str = "注：合计为各网点之和。"  # below the table on the last page
    heading_alone: bool = False  # title, date and unit on a page of their own, the table from the next
    stamp: str = ""  # printed at the foot of every page, under the table (内部资料 注意保密)

    def name(self) -> str:
        return "-".join([
            "ruled" if self.ruled else "borderless", "header" if self.repeat_header else "noheader",
            "totalsfirst" if self.totals_first else "totalslast", self.totals_label,
            f"{self.rows_per_page}rows", "title" if self.continuation_title else "notitle",
            "footer" if self.footer else "nofooter", *([f"shift{self.shift:g}"] if self.shift else []),
            *(["stray"] if self.stray else []),
            *([f"unit{self.unit_line}"] if self.unit_line != "单位：万元" else []),
            *(["note"] if self.note != PdfStyle.note else []),
            *(["headingalone"] if self.heading_alone else []),
        ])


def _printed(value: Decimal, unit: str | None) -> str:
    text = f"{abs(value):,.0f}" if unit else f"{abs(value):,.2f}"
    return f"-{text}" if value < 0 else text


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def summary_pdf(table: SummaryTable, style: PdfStyle, *, encrypt: object = None, font: str = FONT) -> bytes:
    """The PDF's bytes; `encrypt` is reportlab's (a user password, or a StandardEncryption), `font`
    a registered font name (reportlab leaves the strings of its CID fonts' dictionaries plain in an
    encrypted PDF, which a reader then deciphers into garbage: encrypted PDFs need a TrueType font)."""
    _register()
    width, height = landscape(A4)
    lines = [[code, *(_printed(v[m], u) for m, _, u in COLUMNS)] for code, v in table.rows.items()]
    totals = [style.totals_label, *(_printed(table.totals()[m], u) for m, _, u in COLUMNS)]
    lines = [totals, *lines] if style.totals_first else [*lines, totals]
    pages = [lines[i:i + style.rows_per_page] for i in range(0, len(lines), style.rows_per_page)]
    edges = [MARGIN, *(MARGIN + CODE_WIDTH + METRIC_WIDTH * i for i in range(len(COLUMNS) + 1))]
    header = ["机构代码", *(text for _, text, _ in COLUMNS)]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True, encrypt=encrypt)
    first_edges = edges
    if style.heading_alone:  # a long heading pushed the whole table onto the next page
        canvas.setFont(font, 15)
        canvas.drawCentredString(width / 2, height - MARGIN - 14, "分行汇总日报")
        canvas.setFont(font, 9)
        info = f"报表日期：{table.date}    {style.unit_line}".rstrip()
        canvas.drawString(MARGIN, height - MARGIN - 36, info)
        canvas.showPage()
    for number, body in enumerate(pages, 1):
        edges = first_edges if number == 1 else [x + style.shift for x in first_edges]
        y = height - MARGIN - 14
        if style.heading_alone and number == 1:
            pass
        elif number == 1 or style.continuation_title:
            canvas.setFont(font, 15)
            canvas.drawCentredString(width / 2, y, "分行汇总日报" if number == 1 else "分行汇总日报（续）")
            y -= 22
        if number == 1 and not style.heading_alone:
            canvas.setFont(font, 9)
            canvas.drawString(MARGIN, y, f"报表日期：{table.date}    {style.unit_line}".rstrip())
            y -= 14
        rows = [header, *body] if number == 1 or style.repeat_header else body
        top = y
        for index, cells in enumerate(rows):
            baseline = top - ROW_HEIGHT * (index + 1) + 5
            is_header = rows is not body and index == 0
            canvas.setFont(font, 8)
            for col, text in enumerate(cells):
                x0, x1 = edges[col], edges[col + 1]
                if is_header:
                    canvas.drawCentredString((x0 + x1) / 2, baseline, text)
                elif col == 0:
                    canvas.drawString(x0 + 4, baseline, text)
                else:
                    canvas.drawRightString(x1 - 4, baseline, text)
        bottom = top - ROW_HEIGHT * len(rows)
        if number == 2 and style.stray:
            canvas.drawString(edges[-1] + 6, top - ROW_HEIGHT * (len(rows) - len(body) + 1) + 5, style.stray)
        if style.ruled:
            canvas.setLineWidth(0.6)
            for index in range(len(rows) + 1):
                canvas.line(edges[0], top - ROW_HEIGHT * index, edges[-1], top - ROW_HEIGHT * index)
            for x in edges:
                canvas.line(x, top, x, bottom)
        if number == len(pages):
            canvas.setFont(font, 8)
            canvas.drawString(MARGIN, bottom - 16, style.note)
        if style.footer:
            canvas.setFont(font, 8)
            canvas.drawCentredString(width / 2, MARGIN, f"第 {number} 页 共 {len(pages)} 页")
        if style.stamp:
            canvas.setFont(font, 8)
            canvas.drawString(MARGIN, MARGIN - 12, style.stamp)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
