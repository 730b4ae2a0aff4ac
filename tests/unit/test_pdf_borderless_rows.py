"""Borderless PDF rows as a person reads them: a minus printed at the cell's left edge with the
digits right-aligned (Excel's accounting format) belongs to the figure, and a row label wrapped
over two lines keeps the figures printed beside either line. Where the page does not say which
figure a mark or a line belongs to, the file is refused naming the page and the label.

The PDFs are drawn here with reportlab's canvas, cell by cell, without ruling lines (a ruled copy
of the same page for comparison), and read by the real pdfplumber."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError
from rpa.settings import PROJECT_ROOT

SPEC = load_spec("branch_daily", PROJECT_ROOT / "config" / "specs")
FONT = "STSong-Light"
EDGES = [60, 200, 250, 350, 450, 550]  # 项目 | 单位 | 本日 | 较上日 | 较年初
HEADER = ["项目", "单位", "本日", "较上日", "较年初"]
# label, unit, 本日, 较上日, 较年初 as the paper shows them
ROWS = [
    ("储蓄存款余额", "万元", "12,345.67", "12.30", "456.70"),
    ("个人金融资产余额", "万元", "23,456.78", "-23.40", "1,234.50"),
    ("个人贷款余额", "万元", "3,456.78", "5.60", "78.90"),
    ("对公贷款余额", "万元", "4,567.89", "-0.50", "-100.00"),
    ("普惠贷款余额", "万元", "567.89", "1.10", "50.50"),
    ("客户数", "户", "8,888", "-8", "300"),
    ("新增客户数", "户", "8", "1", "300"),
    ("中间业务收入", "万元", "12.34", "0.50", "345.67"),
    ("对公账户开户数", "个", "3", "1", "120"),
]
FACTOR = {"万元": Decimal(10000), "户": Decimal(1), "个": Decimal(1)}

Figure = Callable[[Canvas, int, float, str], None]


def _truth() -> dict[tuple[str, str], Decimal]:
    return {(label, column): Decimal(text.replace(",", "")) * FACTOR[unit]
            for label, unit, *figures in ROWS for column, text in zip(HEADER[2:], figures, strict=True)}


def _accounting(c: Canvas, col: int, y: float, text: str) -> None:
    """A figure as Excel's accounting format prints it: the sign at the cell's left edge."""
    if text.startswith("-"):
        c.drawString(EDGES[col] + 4, y, "-")
        text = text[1:]
    c.drawRightString(EDGES[col + 1] - 4, y, text)


def _glued(c: Canvas, col: int, y: float, text: str) -> None:
    """A figure right-aligned, its minus next to the digits."""
    c.drawRightString(EDGES[col + 1] - 4, y, text)


def _page(path: Path, *, ruled: bool = False, figure: Figure = _accounting,
          wrap: dict[str, tuple[str, str, float]] | None = None) -> Path:
    """The daily report; `wrap` maps a label to its two printed lines and how far below the first
    line its figures stand (0: beside the first line)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = Canvas(str(path))
    c.setFont(FONT, 11)
    c.drawString(60, 800, "网点经营日报")
    c.drawString(60, 780, "机构：110101 东城支行  数据日期：2026-12-04")
    c.drawString(60, 760, "单位：万元")
    y = 730.0
    for col, title in enumerate(HEADER):
        c.drawCentredString((EDGES[col] + EDGES[col + 1]) / 2, y, title)
    tops = [y + 14, y - 6]
    for label, unit, *figures in ROWS:
        y -= 20
        first, second, below = (wrap or {}).get(label, (label, "", 0.0))
        c.drawString(EDGES[0] + 4, y, first)
        if second:
            c.drawString(EDGES[0] + 4, y - 13, second)
        c.drawString(EDGES[1] + 4, y - below, unit)
        for col, text in enumerate(figures, start=2):
            figure(c, col, y - below, text)
        y -= 13 if second else below
        tops.append(y - 6)
    if ruled:
        for top in tops:
            c.line(EDGES[0], top, EDGES[-1], top)
        for x in EDGES:
            c.line(x, tops[0], x, tops[-1])
    c.save()
    return path


def _figures(path: Path) -> dict[tuple[str, str], Decimal]:
    extraction = extract_file(path, SPEC)
    return {(f.metric, f.column): f.value_yuan for f in extraction.figures}


@pytest.mark.parametrize("ruled", [False, True], ids=["borderless", "ruled"])
def test_a_minus_at_the_cells_left_edge_is_the_figures_sign(tmp_path: Path, ruled: bool) -> None:
    assert _figures(_page(tmp_path / "accounting.pdf", ruled=ruled)) == _truth()


def test_parentheses_split_over_the_cell_are_read_as_a_negative(tmp_path: Path) -> None:
    def parentheses(c: Canvas, col: int, y: float, text: str) -> None:
        if text.startswith("-"):
            c.drawString(EDGES[col] + 4, y, "(")
            text = text[1:] + ")"
        c.drawRightString(EDGES[col + 1] - 4, y, text)

    assert _figures(_page(tmp_path / "parentheses.pdf", figure=parentheses)) == _truth()


def test_a_lone_minus_with_no_figure_beside_it_refuses_the_file(tmp_path: Path) -> None:
    def lone(c: Canvas, col: int, y: float, text: str) -> None:
        if text == "-8":  # 客户数 较上日: the minus printed, the digits not
            c.drawString(EDGES[col] + 4, y, "-")
            return
        _accounting(c, col, y, text)

    with pytest.raises(ExtractionError) as refused:
        extract_file(_page(tmp_path / "lone.pdf", figure=lone), SPEC)
    assert "第1页" in str(refused.value) and "客户数" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("below", [0.0, 6.5, 13.0], ids=["first-line", "between", "second-line"])
def test_a_wrapped_label_keeps_its_figures(tmp_path: Path, below: float) -> None:
    wrap = {"个人金融资产余额": ("个人金融资产", "余额", below)}
    extraction = extract_file(_page(tmp_path / "wrapped.pdf", figure=_glued, wrap=wrap), SPEC)
    assert {(f.metric, f.column): f.value_yuan for f in extraction.figures} == _truth()
    assert not [n for n in extraction.notes if "报表为空" in n or "略过的行" in n]


def test_figures_beside_no_label_refuse_the_file(tmp_path: Path) -> None:
    """Figures standing a full row below a one-line label, with no label of their own: which
    row they belong to is not on the page."""
    wrap = {"个人金融资产余额": ("个人金融资产余额", "", 20.0)}
    with pytest.raises(ExtractionError) as refused:
        extract_file(_page(tmp_path / "orphan.pdf", figure=_glued, wrap=wrap), SPEC)
    assert "第1页" in str(refused.value) and "个人金融资产余额" in str(refused.value)
