"""Characters drawn as shapes (a glyph's outline filled as a path, a picture, a bar for a minus)
in a PDF report's table or beside its heading's text: the paper shows them, the text layer does not
(tester BL, 2026-12-07: a leading 8 drawn as a path read 83,655.26 as 3,655.26, a minus drawn as a
bar read -83.04 as 83.04, a figure drawn wholly as paths read as a blank cell, the month's 1 drawn
as a path read 2026-12-04 as 2026-02-04; each exit 0). Each shape is drawn here by hand and each
claim about what prints is checked with pdfium before the bot is judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
At = Callable[[int, int], tuple[float, float]]
FONT = "STSong-Light"


def _darkest(path: Path, x0: float, y0: float, x1: float, y1: float) -> int:
    """The darkest grey pdfium paints in the box (PDF points from the bottom left; 0 black)."""
    image = pdfium.PdfDocument(str(path))[0].render(scale=2).to_pil().convert("L")
    box = image.crop((int(x0 * 2), int((A4[1] - y1) * 2), int(x1 * 2), int((A4[1] - y0) * 2)))
    return int(min(box.tobytes()))


def _two(canvas: Canvas, x: float, y: float, size: float = 10) -> None:
    """A `2` drawn as a filled outline (curves), `size` points high, its foot at (x, y)."""
    unit = size / 10
    path = canvas.beginPath()
    path.moveTo(x, y)
    path.lineTo(x + 5 * unit, y)
    path.lineTo(x + 5 * unit, y + 1 * unit)
    path.lineTo(x + 1.6 * unit, y + 1 * unit)
    path.curveTo(x + 5 * unit, y + 4 * unit, x + 5.2 * unit, y + 6 * unit, x + 4.6 * unit, y + 7 * unit)
    path.curveTo(x + 3.6 * unit, y + 8.2 * unit, x + 0.8 * unit, y + 7.6 * unit, x + 0.2 * unit, y + 6 * unit)
    path.lineTo(x + 1.2 * unit, y + 5.8 * unit)
    path.curveTo(x + 1.6 * unit, y + 6.8 * unit, x + 3.6 * unit, y + 7 * unit, x + 3.8 * unit, y + 5.6 * unit)
    path.curveTo(x + 4 * unit, y + 4.4 * unit, x + 1 * unit, y + 2 * unit, x, y + 1 * unit)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _value(path: Path, column: str = "本日") -> Decimal | None:
    return extract_file(path, load_spec("branch_daily", SPECS)).value("储蓄存款余额", column, "110101")


def test_a_figure_s_leading_digit_drawn_as_a_path_refuses_the_file(tmp_path: Path) -> None:
    """2345.6 with its 2 drawn as an outline: the text layer holds 345.6."""
    def drawn(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        _two(canvas, x, y)
        canvas.setFont(FONT, 10)
        canvas.drawString(x + pdfmetrics.stringWidth("2", FONT, 10), y, "345.6")
    path = ruled_pdf(tmp_path / "two.pdf", first="", drawn=drawn)
    x, y = 224, A4[1] - 180 - 14 + 20  # ruled_pdf's row 1, column 1
    assert _darkest(path, x, y, x + 5, y + 7) < 80  # the 2 prints
    with pytest.raises(UnreadableFigure, match=re.escape("“345.6”所在格中有画出来的图形")):
        _value(path)


def test_a_figure_drawn_wholly_as_paths_is_no_blank_cell(tmp_path: Path) -> None:
    def drawn(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        for step in range(4):
            _two(canvas, x + 6 * step, y)
    path = ruled_pdf(tmp_path / "paths.pdf", first="", drawn=drawn)
    with pytest.raises(UnreadableFigure, match="空着的格中有画出来的图形"):
        _value(path)


@pytest.mark.parametrize(("lift", "stroked", "refused"), [
    (3.5, False, True), (3.5, True, True),  # a bar, or a stroked line (tester BL F18's S06)
    (-2.0, False, False), (-2.0, True, False),
])
def test_a_bar_at_a_minus_sign_s_height_refuses_an_underline_does_not(tmp_path: Path, lift: float,
                                                                       stroked: bool, refused: bool) -> None:
    """较上日's 1.2 with a 3-point bar or stroked line before it at the digits' middle height (a
    minus drawn as a shape: -1.2 on paper), or under it (an underline)."""
    def drawn(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        if stroked:
            canvas.setLineWidth(0.8)
            canvas.line(x - 4, y + lift + 0.4, x - 1, y + lift + 0.4)
            canvas.setLineWidth(1)
        else:
            canvas.rect(x - 4, y + lift, 3, 0.8, stroke=0, fill=1)
    path = ruled_pdf(tmp_path / "bar.pdf", drawn=drawn)
    x, y = 324, A4[1] - 180 - 14 + 20  # ruled_pdf's row 1, column 2
    assert _darkest(path, x - 4, y + lift, x - 1, y + lift + 0.8) < 80  # the bar prints
    if refused:
        with pytest.raises(UnreadableFigure, match=re.escape("“1.2”所在格中有画出来的图形")):
            _value(path, "较上日")
    else:
        assert _value(path, "较上日") == Decimal(12000)


@pytest.mark.parametrize(("after", "line", "size", "refused"), [
    ("机构：11010", 1, 10, True),  # right after the code: its last digit
    ("机构：11010", 1, 13, True),  # drawn 1.3 times the text's size (tester BL F18's S04)
    ("网点经营日报" + "　" * 10, 0, 10, False),  # far along the title's line, set apart
    ("网点经营日报", 0, 30, False),  # beside the title, three times its size: a logo
])
def test_a_digit_drawn_beside_the_heading_s_text_refuses_the_file(tmp_path: Path, after: str, line: int,
                                                                    size: float, refused: bool) -> None:
    """机构：11010 and the code's last digit drawn as a path right after it; a shape set apart from
    the text, or three times its size, is not judged."""
    heading = ("网点经营日报", "机构：11010 东城支行  数据日期：2026-12-04", "单位：万元")

    def drawn(canvas: Canvas, at: At) -> None:
        _two(canvas, 60 + pdfmetrics.stringWidth(after, FONT, 10) + 0.5, A4[1] - 60 - 20 * line - 1, size)
    path = ruled_pdf(tmp_path / "code.pdf", heading, drawn=drawn)
    if refused:
        with pytest.raises(UnreadableFigure, match="旁有画出来的图形"):
            _value(path)
    else:
        with pytest.raises(Exception, match="11010"):  # the code as the text layer has it: not a branch
            _value(path)


def test_a_report_without_drawn_shapes_reads(tmp_path: Path) -> None:
    assert _value(ruled_pdf(tmp_path / "plain.pdf")) == Decimal(FIRST_YUAN)


def test_brackets_drawn_as_stroked_arcs_refuse_the_file(tmp_path: Path) -> None:
    """Tester BL F18's S07: (1.2) with its brackets drawn as two stroked arcs: 1.2 was read."""
    def drawn(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        canvas.arc(x - 3, y - 2, x + 1, y + 8, startAng=100, extent=160)
        canvas.arc(x + 14, y - 2, x + 18, y + 8, startAng=-80, extent=160)
    path = ruled_pdf(tmp_path / "arcs.pdf", drawn=drawn)
    assert _darkest(path, 321, A4[1] - 180 - 14 + 20, 325, A4[1] - 180 - 14 + 26) < 120  # a bracket prints
    with pytest.raises(UnreadableFigure, match=re.escape("“1.2”所在格中有画出来的图形")):
        _value(path, "较上日")
