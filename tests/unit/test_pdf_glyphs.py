"""A PDF's figure is read as it prints: a digit struck twice a hair apart (a fake bold) once, a
digit painted white (invisible on paper) refuses the report, a white figure on a dark box is read.

Tester AT of 2026-12-07: `12345` in bold, drawn twice 0.4 pt apart, was read 1122334455, and a
white `9` before `52,345.67` made it 952,345.67, both with exit 0. The PDFs are drawn here with
reportlab's canvas over tests/hand_reports' ruled report, never by the code under test.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, At, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
FONT = "STSong-Light"


def _read(path: Path) -> object:
    return extract_file(path, load_spec("branch_daily", SPECS))


@pytest.mark.parametrize("offset", [0.3, 0.4, 0.8])
def test_a_figure_struck_twice_a_hair_apart_is_read_once(tmp_path: Path, offset: float) -> None:
    def bold(canvas: Canvas, at: At) -> None:
        for row, text in ((1, "2345.6"), (6, "777"), (9, "2")):  # 储蓄存款余额, 客户数, 对公账户开户数
            x, y = at(row, 1)
            canvas.drawString(x + offset, y, text)

    extraction = _read(ruled_pdf(tmp_path / "bold.pdf", drawn=bold))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)  # type: ignore[attr-defined]
    assert extraction.value("客户数", "本日", "110101") == Decimal(777)  # type: ignore[attr-defined]
    assert extraction.value("对公账户开户数", "本日", "110101") == Decimal(2)  # type: ignore[attr-defined]


def test_a_white_digit_before_a_figure_refuses_the_report_naming_where(tmp_path: Path) -> None:
    def hidden(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(x - stringWidth("9", FONT, 10), y, "9")

    with pytest.raises(UnreadableFigure) as caught:
        _read(ruled_pdf(tmp_path / "white.pdf", drawn=hidden))
    said = str(caught.value)
    assert "white.pdf，第1页（位置 " in said and "「9」印成白色、近于底色或被白色色块盖住" in said, said
    # and the line it is on, which names the row (tester BN F11: the position alone did not)
    assert re.search(r"（位置 \d+, \d+，所在行“储蓄存款余额 .*9.*”）：「9」", said), said


@pytest.mark.parametrize("cmyk", [False, True])
def test_a_white_minus_is_refused_in_cmyk_too(tmp_path: Path, cmyk: bool) -> None:
    def hidden(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)  # 储蓄存款余额 较上日 1.2 printed over a stored -1.2
        if cmyk:
            canvas.setFillColorCMYK(0, 0, 0, 0)
        else:
            canvas.setFillGray(1)
        canvas.drawString(x - stringWidth("-", FONT, 10), y, "-")

    with pytest.raises(UnreadableFigure, match="「-」印成白色、近于底色或被白色色块盖住"):
        _read(ruled_pdf(tmp_path / "minus.pdf", drawn=hidden))


def _minus_before(canvas: Canvas, at: At) -> tuple[float, float]:
    x, y = at(1, 2)  # 储蓄存款余额 较上日 1.2
    return x - stringWidth("-", FONT, 10), y


def _pale_box(canvas: Canvas, at: At) -> None:
    x, y = _minus_before(canvas, at)
    canvas.setFillGray(0.97)  # a pale box under it: white on it prints nothing either
    canvas.rect(x - 1, y - 2, 5, 12, stroke=0, fill=1)  # up to the 1 of 1.2, not over it
    canvas.setFillGray(1)
    canvas.drawString(x, y, "-")


def _covered(canvas: Canvas, at: At) -> None:
    x, y = _minus_before(canvas, at)
    canvas.drawString(x, y, "-")  # black, then a white box painted over it
    canvas.setFillGray(1)
    canvas.rect(x - 1, y - 2, 6, 12, stroke=0, fill=1)


def _invisible(canvas: Canvas, at: At) -> None:
    x, y = _minus_before(canvas, at)
    text = canvas.beginText(x, y)
    text.setTextRenderMode(3)  # neither filled nor stroked
    text.textOut("-")
    canvas.drawText(text)


def _struck_over(canvas: Canvas, at: At) -> None:
    x, y = at(6, 2)  # 客户数 较上日 7: a 1 struck over it a hair off, 7 and 1 both in the layer
    canvas.drawString(x + 0.3, y, "1")


@pytest.mark.parametrize(("drawn", "said"), [
    (_pale_box, "「-」印成白色、近于底色或被白色色块盖住"),
    (_covered, "「-」印成白色、近于底色或被白色色块盖住"),
    (_invisible, "有不可见的文字（渲染模式 3 或 7"),
    (_struck_over, "叠印在一处"),
], ids=["white_on_pale_box", "covered_by_a_box", "render_mode_3", "struck_over"])
def test_a_sign_or_digit_hidden_otherwise_refuses_the_report(
    tmp_path: Path, drawn: object, said: str
) -> None:
    """Tester AV of 2026-12-07: each of these read a printed 1.2 (or 7) as another figure, exit 0."""
    with pytest.raises(UnreadableFigure, match=said):
        _read(ruled_pdf(tmp_path / "hidden.pdf", drawn=drawn))  # type: ignore[arg-type]


def test_a_white_figure_on_a_dark_box_is_read(tmp_path: Path) -> None:
    def dark(canvas: Canvas, at: At) -> None:
        x, y = at(6, 1)  # 客户数 本日: its cell shaded dark, 777 printed white over it
        canvas.setFillColorRGB(0.1, 0.2, 0.5)
        canvas.rect(x - 4, y - 6, 100, 20, stroke=0, fill=1)  # the cell between its rules
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(x, y, "777")

    extraction = _read(ruled_pdf(tmp_path / "dark.pdf", drawn=dark))
    assert extraction.value("客户数", "本日", "110101") == Decimal(777)  # type: ignore[attr-defined]


def _red_with_white_twin(canvas: Canvas, at: At) -> None:
    x, y = at(2, 2)  # 个人金融资产余额 较上日: 2.3 printed red (红字), a white copy a hair off
    canvas.setFillGray(1)
    canvas.drawString(x - 0.3, y + 0.3, "2.3")
    canvas.setFillColorRGB(0.9, 0.1, 0.1)  # and the red one painted again over it: what prints
    canvas.drawString(x, y, "2.3")


def _painted_over_in_white(canvas: Canvas, at: At) -> None:
    x, y = at(2, 2)  # the red 2.3 painted over by a white copy of itself: nothing prints (AY F5)
    canvas.setFillGray(1)
    canvas.drawString(x, y, "2.3")


def _white_stroke(canvas: Canvas, at: At) -> None:
    x, y = _minus_before(canvas, at)  # a minus before 1.2, a thick white line over it (AY F1)
    canvas.drawString(x, y, "-")
    canvas.setStrokeGray(1)
    canvas.setLineWidth(4)
    canvas.line(x, y + 3, x + 3, y + 3)  # up to the 1, not over it


def _white_twin_in_another_font(canvas: Canvas, at: At) -> None:
    x, y = at(1, 2)  # 储蓄存款余额 较上日 1.2, a white Helvetica 1 over its 1
    canvas.setFillGray(1)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(x + 0.2, y, "1")
    canvas.setFont(FONT, 10)  # the lines under the table in the report's own font


def _shadow(canvas: Canvas, at: At) -> None:
    x, y = at(6, 1)  # 客户数 本日 777 with a grey shadow 1.5 pt off
    canvas.setFillGray(0.6)
    canvas.drawString(x + 1.5, y - 1.5, "777")


def _seal(canvas: Canvas, at: At) -> None:
    x, y = at(2, 2)  # a translucent red seal painted over the figures afterwards, in its own state
    canvas.saveState()  # (the note printed after it is opaque: faint text would be a watermark's)
    canvas.setFillColorRGB(0.9, 0.1, 0.1)
    canvas.setFillAlpha(0.25)
    canvas.circle(x + 20, y + 3, 30, stroke=0, fill=1)
    canvas.restoreState()


def _frame(canvas: Canvas, at: At) -> None:
    # a 1-pt black frame filled even-odd around the 机构 line (its code and date), off the table
    path = canvas.beginPath()
    path.rect(50, A4[1] - 90, 400, 25)
    path.rect(51, A4[1] - 89, 398, 23)
    canvas.drawPath(path, stroke=0, fill=1, fillMode=1)


@pytest.mark.parametrize(("drawn", "label", "column", "value"), [
    (_red_with_white_twin, "个人金融资产余额", "较上日", Decimal(-23000)),  # reviewer H1: read +23000
    (_shadow, "客户数", "本日", Decimal(777)),  # H7: read 777777
    (_seal, "个人金融资产余额", "较上日", Decimal(-23000)),  # M1: refused as covered
    (_frame, "储蓄存款余额", "本日", Decimal(FIRST_YUAN)),  # M3: the frame's hole read as black
], ids=["red_over_a_white_twin", "shadow", "translucent_seal", "even_odd_frame"])
def test_what_prints_is_read(tmp_path: Path, drawn: object, label: str, column: str, value: Decimal) -> None:
    """The code review of 2026-12-07: each read another figure, or refused one that prints plainly."""
    path = ruled_pdf(tmp_path / "printed.pdf", below=("注：红字表示负数。",), red=frozenset({"-2.3"}),
                     drawn=drawn)  # type: ignore[arg-type]
    assert _read(path).value(label, column, "110101") == value  # type: ignore[attr-defined]


@pytest.mark.parametrize("drawn", [_white_twin_in_another_font, _painted_over_in_white, _white_stroke],
                         ids=["white_twin_other_font", "painted_over_in_white", "white_stroke"])
def test_a_figure_painted_over_in_white_is_refused(tmp_path: Path, drawn: object) -> None:
    """Reviewer H2 (a white 1 in another font over the 1 of 1.2 read 112000) and tester AY (F5: a
    white copy over a red figure read as the red one; F1: a thick white line over a minus)."""
    path = ruled_pdf(tmp_path / "over.pdf", below=("注：红字表示负数。",), red=frozenset({"-2.3"}),
                     drawn=drawn)  # type: ignore[arg-type]
    with pytest.raises(UnreadableFigure, match="印出来看不见"):
        _read(path)


def test_a_white_digit_inside_a_form_xobject_is_refused(tmp_path: Path) -> None:
    """Reviewer H6: a form XObject's content escaped the checks (952,345.67 read)."""
    def hidden(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.beginForm("white9")
        canvas.setFillGray(1)
        canvas.setFont(FONT, 10)
        canvas.drawString(x - stringWidth("9", FONT, 10), y, "9")
        canvas.endForm()
        canvas.doForm("white9")

    with pytest.raises(UnreadableFigure, match="「9」印成白色"):
        _read(ruled_pdf(tmp_path / "form.pdf", drawn=hidden))


def test_invisible_text_inside_a_form_xobject_is_refused(tmp_path: Path) -> None:
    """Reviewer H6: render mode 3 set inside a form XObject was not seen."""
    def hidden(canvas: Canvas, at: At) -> None:
        x, y = _minus_before(canvas, at)
        canvas.beginForm("mode3")
        text = canvas.beginText(x, y)
        text.setFont(FONT, 10)
        text.setTextRenderMode(3)
        text.textOut("-")
        canvas.drawText(text)
        canvas.endForm()
        canvas.doForm("mode3")

    with pytest.raises(UnreadableFigure, match="有不可见的文字"):
        _read(ruled_pdf(tmp_path / "form3.pdf", drawn=hidden))
