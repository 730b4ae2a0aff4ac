"""What a PDF page prints, beyond colour: text painted faint (fill opacity), outline-only text and
text in a hidden layer (tester BI of 2026-12-07, F5, F6 and F13: a watermark tool's faint `1`
joined a figure, its faint date dated an undated report, a hidden layer's digit was read).

Each PDF is drawn here by hand (reportlab, the layer added by tests/pdf_layers), and each claim
about what prints is checked by rendering the page with another PDF engine (pdfium): the faint
glyph is faint on the rendered page, the hidden one absent, before the bot's reading is judged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib import colors
from reportlab.lib.colors import CMYKColorSep
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, ruled_pdf
from tests.pdf_layers import add_colour_space, add_ext_g_state, add_pattern, hide_in_layer

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
At = Callable[[int, int], tuple[float, float]]
FONT = "STSong-Light"
FIGURE = "2345.6"  # 储蓄存款余额 本日, row 1 column 1
UNDATED = ("网点经营日报", "机构：110101 东城支行", "单位：万元")


def _darkest(path: Path, x0: float, y0: float, x1: float, y1: float) -> int:
    """The darkest grey (0 black, 255 white) pdfium paints in the box (PDF points, from the bottom left)."""
    image = pdfium.PdfDocument(str(path))[0].render(scale=2).to_pil().convert("L")
    top = A4[1]
    box = image.crop((int(x0 * 2), int((top - y1) * 2), int(x1 * 2), int((top - y0) * 2)))
    return int(min(box.tobytes()))


def _after_figure(text: str, *, alpha: float = 1.0, mode: int = 0, stroke: float = 0.0,
                  layer: str = "") -> Callable[[Canvas, At], None]:
    """`text` right after 储蓄存款余额 本日's figure, in black at `alpha`, render `mode`, stroked in the
    grey `stroke`, inside the marked content of `layer` when given."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)  # the colour first: reportlab's colour call sets opacity 1
        canvas.setStrokeColorRGB(stroke, stroke, stroke)
        canvas.setFillAlpha(alpha)
        if layer:
            canvas.addLiteral(f"/OC /{layer} BDC")
        words = canvas.beginText(x + pdfmetrics.stringWidth(FIGURE, FONT, 10), y)
        words.setFont(FONT, 10)
        words.setTextRenderMode(mode)
        words.textOut(text)
        canvas.drawText(words)
        if layer:
            canvas.addLiteral("EMC")
        canvas.restoreState()
    return draw


def _in_mode(text: str, mode: int, fill: tuple[float, float, float], stroke: tuple[float, float, float],
             cell: tuple[int, int] = (1, 1)) -> Callable[[Canvas, At], None]:
    """`text` at the start of the table's `cell` in render `mode`, filled and stroked in these colours."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(*cell)
        canvas.saveState()
        canvas.setFillColorRGB(*fill)
        canvas.setStrokeColorRGB(*stroke)
        words = canvas.beginText(x, y)
        words.setFont(FONT, 10)
        words.setTextRenderMode(mode)
        words.textOut(text)
        canvas.drawText(words)
        canvas.restoreState()
    return draw


def _translucent(text: str, alpha: float, x: float, y: float,
                 size: float = 10) -> Callable[[Canvas, At], None]:
    """`text` in black at `alpha` at (x, y) on the page, in its own graphics state."""
    def draw(canvas: Canvas, at: At) -> None:
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)  # the colour first: reportlab's colour call sets opacity 1
        canvas.setFillAlpha(alpha)
        canvas.setFont(FONT, size)
        canvas.drawString(x, y, text)
        canvas.restoreState()
    return draw


def _grey_in_cell(text: str, grey: float = 0.85) -> Callable[[Canvas, At], None]:
    """`text` in an opaque `grey` at the start of 储蓄存款余额 本日's cell."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.saveState()
        canvas.setFillGray(grey)
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, text)
        canvas.restoreState()
    return draw


def _where_after(text: str) -> tuple[float, float, float, float]:
    x = 224 + pdfmetrics.stringWidth(FIGURE, FONT, 10)  # ruled_pdf's column 1 starts at 220, text at +4
    y = A4[1] - 80 - 20 * 3 - 20 - 14
    return x + 1, y - 2, x + pdfmetrics.stringWidth(text, FONT, 10), y + 8  # clear of the 6's edge


def _value(path: Path) -> Decimal | None:
    return extract_file(path, load_spec("branch_daily", SPECS)).value("储蓄存款余额", "本日", "110101")


@pytest.mark.parametrize("alpha", [0.12, 0.15, 0.3])
def test_a_translucent_digit_after_a_figure_refuses_it_as_a_pale_one(tmp_path: Path, alpha: float) -> None:
    """A watermark tool's black at 12-30 % prints as a pale grey: beside the figure's black it is a
    digit of another ink, which cannot be told to be the figure's or not (tester BI F5)."""
    path = ruled_pdf(tmp_path / "faint.pdf", drawn=_after_figure("1", alpha=alpha))
    assert _darkest(path, *_where_after("1")) > 255 * (1 - alpha) - 20  # it prints faint
    with pytest.raises(UnreadableFigure, match="印得很浅的“1”"):
        _value(path)


def test_a_digit_with_no_opacity_is_left_out(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "clear.pdf", drawn=_after_figure("1", alpha=0.0))
    assert _darkest(path, *_where_after("1")) > 250  # nothing prints
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert any(n.startswith("略过的水印等文字（斜排、全透明") and "第1页" in n for n in extraction.notes)


def test_legible_translucent_text_is_the_reports(tmp_path: Path) -> None:
    """Tester BK F1-F3 (2026-12-07): text under half opacity was left out as a watermark, though at
    30-40 % it prints as legible as grey text: a `币种：美元` line was dropped and US dollars read as
    yuan, a figure at 30 % became no figure. It is read as the grey it prints."""
    path = ruled_pdf(tmp_path / "usd.pdf", drawn=_translucent("币种：美元", 0.4, 360, A4[1] - 80))
    assert _darkest(path, 360, A4[1] - 82, 410, A4[1] - 72) < 170  # it prints a legible grey
    with pytest.raises(Exception, match="美元"):
        _value(path)

    def figure(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFillAlpha(0.3)
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, FIGURE)
        canvas.restoreState()
    assert _value(ruled_pdf(tmp_path / "grey.pdf", first="", drawn=figure)) == Decimal(FIRST_YUAN)


def test_the_same_digit_printed_opaque_is_the_figures(tmp_path: Path) -> None:
    """The control: at full opacity the `1` prints black beside the figure and is read with it."""
    path = ruled_pdf(tmp_path / "opaque.pdf", drawn=_after_figure("1"))
    assert _darkest(path, *_where_after("1")) < 80
    assert _value(path) == Decimal(23456100)


def test_a_faint_digit_in_a_form_xobject_takes_the_opacity_it_is_painted_in(tmp_path: Path) -> None:
    """Watermark tools draw the mark once as a form and paint it with `gs` setting the opacity."""
    def form(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.beginForm("mark")
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(FONT, 10)
        canvas.drawString(x + pdfmetrics.stringWidth(FIGURE, FONT, 10), y, "1")
        canvas.endForm()
        canvas.saveState()
        canvas.setFillAlpha(0.15)
        canvas.doForm("mark")
        canvas.restoreState()
    path = ruled_pdf(tmp_path / "form.pdf", drawn=form)
    assert _darkest(path, *_where_after("1")) > 180
    with pytest.raises(UnreadableFigure, match="印得很浅的“1”"):  # pale, as painted: not the form's black
        _value(path)


def test_a_faint_watermark_date_does_not_date_an_undated_report(tmp_path: Path) -> None:
    mark = _translucent("内部资料 2026-11-30", 0.12, 250, A4[1] - 45, size=14)
    path = ruled_pdf(tmp_path / "undated.pdf", heading=UNDATED, drawn=mark)
    assert _darkest(path, 250, A4[1] - 48, 380, A4[1] - 35) > 200
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.report_date is None
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("stroke", "text"), [(0.6, "1"), (0.0, "1"), (0.6, "-")])
def test_an_outline_only_character_beside_a_filled_figure_refuses_the_file(tmp_path: Path, stroke: float,
                                                                            text: str) -> None:
    """Render mode 1 strokes the glyph's outline and leaves its inside paper: not the figure's ink."""
    path = ruled_pdf(tmp_path / "outline.pdf", drawn=_after_figure(text, mode=1, stroke=stroke))
    assert _darkest(path, *_where_after(text)) < 255 * stroke + 60  # the outline prints
    with pytest.raises(UnreadableFigure, match="只描了边（空心）的") as caught:  # not "faint" (tester BK F11)
        _value(path)
    assert "第1页" in str(caught.value) and "整份报表不读" in str(caught.value)


def test_a_figure_printed_all_in_outline_is_read(tmp_path: Path) -> None:
    # 储蓄存款余额 本日 (ruled_pdf leaves it blank) in mode 1: the fill is not painted, white must not matter
    path = ruled_pdf(tmp_path / "outlined.pdf", first="", drawn=_in_mode(FIGURE, 1, (1, 1, 1), (0, 0, 0)))
    assert _darkest(path, 224, A4[1] - 176, 254, A4[1] - 166) < 100
    assert _value(path) == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("visible", "value"), [(False, FIRST_YUAN), (True, 23456100)])
def test_a_digit_in_a_hidden_layer_is_not_read(tmp_path: Path, visible: bool, value: int) -> None:
    path = hide_in_layer(ruled_pdf(tmp_path / "layer.pdf", drawn=_after_figure("1", layer="WM")), "WM",
                         visible=visible)
    assert (_darkest(path, *_where_after("1")) < 80) is visible  # pdfium shows the layer only when on
    assert _value(path) == Decimal(value)


@pytest.mark.parametrize(("visible", "printed", "value"), [
    (True, False, FIRST_YUAN),   # shown on screen, not printed
    (False, True, 23456100),     # printed only
])
def test_a_layer_is_judged_by_what_prints(tmp_path: Path, visible: bool, printed: bool, value: int) -> None:
    """Tester BK F7 (2026-12-07): a layer's print state was not read, only its screen state."""
    path = hide_in_layer(ruled_pdf(tmp_path / "print.pdf", drawn=_after_figure("1", layer="WM")), "WM",
                         visible=visible, printed=printed)
    assert _value(path) == Decimal(value)


@pytest.mark.parametrize(("policy", "visible", "value"), [
    ("AllOff", True, FIRST_YUAN),   # the group is on: AllOff hides (tester BK F16 read 2345.61)
    ("AllOff", False, 23456100),
    ("AnyOn", False, FIRST_YUAN),
    ("AllOn", True, 23456100),
])
def test_a_membership_dictionary_hides_by_its_policy(tmp_path: Path, policy: str, visible: bool,
                                                     value: int) -> None:
    path = hide_in_layer(ruled_pdf(tmp_path / "ocmd.pdf", drawn=_after_figure("1", layer="WM")), "WM",
                         visible=visible, policy=policy)
    assert _value(path) == Decimal(value)


def test_a_page_printed_all_faint_is_refused_as_such(tmp_path: Path) -> None:
    path = tmp_path / "faint_page.pdf"
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFillAlpha(0)
    canvas.setFont(FONT, 10)
    for index, line in enumerate(("网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", "项目 本日",
                                  "储蓄存款余额 2345.6")):
        canvas.drawString(60, A4[1] - 60 - 20 * index, line)
    canvas.showPage()
    canvas.save()
    with pytest.raises(UnreadableFigure, match="全透明"):
        _value(path)


def _in_spot(name: str, cmyk: tuple[float, float, float, float]) -> Callable[[Canvas, At], None]:
    """储蓄存款余额 较上日's 1.2 in the spot ink `name`, over ruled_pdf's own copy printed in white."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        canvas.setFillColor(CMYKColorSep(*cmyk, spotName=name))
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, "1.2")
    return draw


def _reddest(path: Path) -> tuple[int, int, int]:
    """The reddest pixel pdfium paints in 储蓄存款余额 较上日's cell."""
    image = pdfium.PdfDocument(str(path))[0].render(scale=2).to_pil().convert("RGB")
    top = A4[1] - 140 - 20  # ruled_pdf's row 1
    box = image.crop((322 * 2, int((A4[1] - top) * 2) + 2, 418 * 2, int((A4[1] - top + 20) * 2) - 2))
    pixels = [box.getpixel((x, y)) for x in range(box.width) for y in range(box.height)]
    return max(pixels, key=lambda p: p[0] - p[1])  # type: ignore[no-any-return, operator, index]


def test_a_figure_in_a_red_spot_ink_is_refused_not_read_positive(tmp_path: Path) -> None:
    """Tester BI F12: a 红字 in `PANTONE Red 032 C` under 注：红字表示负数 was read +1.2."""
    path = ruled_pdf(tmp_path / "spot.pdf", below=("注：红字表示负数。",), red=frozenset({"1.2"}),
                     red_rgb=(1, 1, 1), drawn=_in_spot("PANTONE Red 032 C", (0, 1, 1, 0)))
    red, green, _ = _reddest(path)
    assert red > 200 and green < 80  # it prints red
    with pytest.raises(UnreadableFigure, match="专色“PANTONE Red 032 C”，读不出是不是红字"):
        _value(path)


def test_a_figure_in_a_black_spot_ink_is_read(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "black.pdf", red=frozenset({"1.2"}), red_rgb=(1, 1, 1),
                     drawn=_in_spot("PANTONE Black 6 C", (0, 0, 0, 1)))
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(12000)


@pytest.mark.parametrize(("space", "colour", "said"), [
    (b"[/Indexed /DeviceRGB 1 <000000FF0000>]", "1 sc", "索引色"),
    (b"[/Lab << /WhitePoint [0.9505 1 1.089] /Range [-128 127 -128 127] >>]", "53 80 67 sc", "Lab 颜色"),
])
def test_a_figure_in_a_colour_whose_hue_is_not_read_is_refused(tmp_path: Path, space: bytes, colour: str,
                                                                 said: str) -> None:
    """Tester BK F4 (2026-12-07): a red 红字 in an indexed or a Lab colour read positive."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        canvas.addLiteral(f"q /CS0 cs {colour} BT /F2 10 Tf {x} {y} Td <0031002e0032> Tj ET Q")
    path = ruled_pdf(tmp_path / "hue.pdf", below=("注：红字表示负数。",), red=frozenset({"1.2"}),
                     red_rgb=(1, 1, 1), drawn=draw)
    add_colour_space(path, "CS0", space)
    red, green, _ = _reddest(path)
    assert red > 200 and green < 100  # it prints red
    with pytest.raises(UnreadableFigure, match=f"印成{said}"):
        _value(path)



@pytest.mark.parametrize(("flags", "refused"), [("print", True), ("", False)])
def test_a_form_field_printing_over_a_figure_refuses_the_file(tmp_path: Path, flags: str,
                                                                refused: bool) -> None:
    """Tester BK F6 (2026-12-07): a field whose value printed 42.39 over 储蓄存款余额 较上日's 1.2 went
    unseen (a FreeText annotation, a 作废 stamp likewise). One that does not print is not judged."""
    def field(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        canvas.acroForm.textfield(name="f1", value="42.39", x=x - 2, y=y - 4, width=90, height=15,
                                  borderWidth=0, fillColor=colors.white, annotationFlags=flags)
    path = ruled_pdf(tmp_path / "field.pdf", drawn=field)
    document = pdfium.PdfDocument(str(path))
    document.init_forms()
    image = document[0].render(scale=2, may_draw_forms=True).to_pil().convert("L")
    top = A4[1] - 160 - 20  # row 1's bottom
    box = image.crop((324 * 2, int((A4[1] - top - 18) * 2), 418 * 2, int((A4[1] - top) * 2)))
    assert min(box.tobytes()) < 100  # something prints in the cell either way (the field or 1.2)
    if refused:
        with pytest.raises(UnreadableFigure, match="所在格上盖有表单域"):
            _value(path)
    else:
        extraction = extract_file(path, load_spec("branch_daily", SPECS))
        assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(12000)


def test_a_digit_under_a_soft_mask_refuses_the_file(tmp_path: Path) -> None:
    """Tester BK F8 (2026-12-07): a `1` a soft mask hid joined the figure (2345.61). Whether a mask
    lets a glyph print is not read: a figure's character under one refuses the page."""
    def masked(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.addLiteral("q /SM0 gs")
        canvas.setFont(FONT, 10)
        canvas.drawString(x + pdfmetrics.stringWidth(FIGURE, FONT, 10), y, "1")
        canvas.addLiteral("Q")
    path = ruled_pdf(tmp_path / "masked.pdf", drawn=masked)
    add_ext_g_state(path, "SM0", b"<< /Type /ExtGState /SMask << /S /Luminosity /G 0 0 R >> >>")
    with pytest.raises(UnreadableFigure, match="软蒙版"):
        _value(path)


def test_a_pale_digit_struck_over_a_figure_is_said_to_look_like_a_watermark(tmp_path: Path) -> None:
    """Tester BK F10 (2026-12-07): a flat light grey watermark over the figures was refused as two
    digits struck over each other, the message never saying watermark."""
    with pytest.raises(UnreadableFigure, match=r"叠印在一处.*像是水印或底纹的字压在数字上"):
        _value(ruled_pdf(tmp_path / "struck.pdf", drawn=_grey_in_cell("7")))


@pytest.mark.parametrize(("text", "refused"), [("1", True), ("内部资料", False)])
def test_text_clipped_out_of_view(tmp_path: Path, text: str, refused: bool) -> None:
    """Tester BK F9 and F20 (2026-12-07): a `1` drawn inside a clipping path of a point's square at the
    page's corner printed nothing and joined the figure (2345.61); left out, a clip cutting a
    figure's leading digit read it short. A figure's character clipped away refuses the page; words
    clipped away are left out like a watermark."""
    def clipped(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.addLiteral("q 0 0 1 1 re W n")
        canvas.setFont(FONT, 10)
        canvas.drawString(x + pdfmetrics.stringWidth(FIGURE, FONT, 10), y, text)
        canvas.addLiteral("Q")
    path = ruled_pdf(tmp_path / "clipped.pdf", drawn=clipped)
    assert _darkest(path, *_where_after("1")) > 250  # nothing prints
    if refused:
        with pytest.raises(UnreadableFigure, match="被剪切路径裁掉"):
            _value(path)
        return
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert any("剪切路径" in n for n in extraction.notes)


def _over_title(text: str, grey: float) -> Callable[[Canvas, At], None]:
    def draw(canvas: Canvas, at: At) -> None:
        canvas.saveState()
        canvas.setFillGray(grey)
        canvas.setFont(FONT, 14)
        canvas.drawString(250, A4[1] - 62, text)
        canvas.restoreState()
    return draw


@pytest.mark.parametrize(("heading", "day"), [(UNDATED, None), (HEADING, "2026-12-04")])
def test_a_pale_name_and_date_over_the_title_is_no_report_date(tmp_path: Path, heading: tuple[str, ...],
                                                               day: str | None) -> None:
    """Tester BK F17 (2026-12-07): a light grey watermark `张三 2026-12-05` (the downloading user and
    day) over the title dated an undated report, and beside a printed date refused the file as two."""
    path = ruled_pdf(tmp_path / "named.pdf", heading, drawn=_over_title("张三 2026-12-05", 0.85))
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == day


def test_a_grey_date_labelled_as_the_reports_is_read(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "grey.pdf", UNDATED, drawn=_over_title("数据日期：2026-12-04", 0.6))
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == "2026-12-04"


def _faint_line(text: str, alpha: float, *, row: int = 1) -> Callable[[Canvas, At], None]:
    """`text` in black at `alpha`, one string across the table's row `row`, as a watermark tool draws it."""
    def draw(canvas: Canvas, at: At) -> None:
        _, y = at(row, 0)
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFillAlpha(alpha)
        canvas.setFont(FONT, 12)
        canvas.drawString(150, y - 1, text)
        canvas.restoreState()
    return draw


def test_a_faint_watermark_line_over_the_figures_is_left_out(tmp_path: Path) -> None:
    """Tester BK F18 (2026-12-07): read as the pale grey it prints, a watermark tool's 15 % line over
    a row refused the report (「6」与「2」叠印); a faint string of words is a watermark's line."""
    path = ruled_pdf(tmp_path / "marked.pdf", drawn=_faint_line("内部资料 张三 2026-12-05 08:30", 0.15))
    assert _darkest(path, 150, A4[1] - 176, 200, A4[1] - 166) > 180  # it prints pale
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    plain = extract_file(ruled_pdf(tmp_path / "plain.pdf"), load_spec("branch_daily", SPECS))
    assert [(f.metric, f.column, f.value_yuan) for f in extraction.figures] == [
        (f.metric, f.column, f.value_yuan) for f in plain.figures]
    noted = [n for n in extraction.notes if n.startswith("略过的水印等文字")]
    assert len(noted) == 1 and "内部资料 ** " in noted[0], noted  # the name masked


def test_a_faint_line_naming_a_currency_refuses_the_page(tmp_path: Path) -> None:
    """A faint string that says what the reader takes from the page's words (a currency, a unit, a
    branch, a date label) may be the report's own: refused, never left out."""
    path = ruled_pdf(tmp_path / "usd.pdf", drawn=_faint_line("币种：美元", 0.15, row=10))
    with pytest.raises(UnreadableFigure, match="写的是币种、单位、机构或日期"):
        _value(path)


def test_a_watermark_s_digits_alone_in_an_empty_cell_are_refused(tmp_path: Path) -> None:
    """Tester BK F19 (2026-12-07): a watermark's `8030` at 15 % alone in the empty 本日 cell was read
    as 8 030 万元. A figure printed all at least 0.8 light may be a watermark's digits: refused."""
    with pytest.raises(UnreadableFigure, match="印得极浅"):
        _value(ruled_pdf(tmp_path / "alone.pdf", first="", drawn=_grey_in_cell("8030")))


def test_a_red_figure_in_a_pattern_colour_is_refused(tmp_path: Path) -> None:
    """Tester BK F22 (2026-12-07): 83.04 painted with a red shading pattern read positive."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 2)
        canvas.addLiteral(f"q /Pattern cs /P1 scn BT /F2 10 Tf {x} {y} Td <0031002e0032> Tj ET Q")
    path = ruled_pdf(tmp_path / "pattern.pdf", below=("注：红字表示负数。",), red=frozenset({"1.2"}),
                     red_rgb=(1, 1, 1), drawn=draw)
    shading = (b"<< /PatternType 2 /Shading << /ShadingType 2 /ColorSpace /DeviceRGB /Coords [0 0 600 0] "
               b"/Function << /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [1 0 0] /N 1 >> >> >>")
    add_pattern(path, "P1", shading)
    red, green, _ = _reddest(path)
    assert red > 200 and green < 100  # it prints red
    with pytest.raises(UnreadableFigure, match="图案或渐变"):
        _value(path)


def test_a_red_outline_figure_is_a_red_one(tmp_path: Path) -> None:
    """Tester BK F24 (2026-12-07): 1.2 drawn as a red outline (mode 1, red stroke, black fill unused)
    under 注：红字表示负数 was read +12000: the fill colour was judged."""
    outlined = _in_mode("1.2", 1, (0, 0, 0), (0.9, 0.1, 0.1), cell=(1, 2))
    path = ruled_pdf(tmp_path / "red.pdf", below=("注：红字表示负数。",), red=frozenset({"1.2"}),
                     red_rgb=(1, 1, 1), drawn=outlined)
    red, green, _ = _reddest(path)
    assert red > 200 and green < 100  # it prints red
    assert extract_file(path, load_spec("branch_daily", SPECS)).value("储蓄存款余额", "较上日", "110101") \
        == Decimal(-12000)


def test_hollow_digits_filled_white_and_stroked_black_are_read(tmp_path: Path) -> None:
    """Tester BK F25 (2026-12-07): digits filled white and stroked black (mode 2) print as black
    outlines, and were refused as printed white."""
    hollow = _in_mode(FIGURE, 2, (1, 1, 1), (0, 0, 0))
    path = ruled_pdf(tmp_path / "hollow.pdf", first="", drawn=hollow)
    assert _darkest(path, 224, A4[1] - 176, 254, A4[1] - 166) < 120
    assert _value(path) == Decimal(FIRST_YUAN)


def test_a_mid_grey_subtitle_date_is_the_reports(tmp_path: Path) -> None:
    """Tester BK F26 (2026-12-07): a report date printed as a grey 0.5 subtitle under the title was
    taken for a watermark's and the report called undated."""
    path = ruled_pdf(tmp_path / "subtitle.pdf", UNDATED, drawn=_over_title("2026年12月4日", 0.5))
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date == "2026-12-04"


def test_an_opaque_light_grey_watermark_line_is_left_out(tmp_path: Path) -> None:
    """Tester BK F10 (2026-12-07): a flat watermark line in opaque grey 0.85 over the figures refused
    the report as digits struck over each other; it is as faint as a translucent one."""
    def grey_line(canvas: Canvas, at: At) -> None:
        _, y = at(1, 0)
        canvas.saveState()
        canvas.setFillGray(0.85)
        canvas.setFont(FONT, 12)
        canvas.drawString(150, y - 1, "内部资料 张三 2026-12-05 08:30")
        canvas.restoreState()
    assert _value(ruled_pdf(tmp_path / "grey.pdf", drawn=grey_line)) == Decimal(FIRST_YUAN)


def test_a_watermark_phone_number_in_a_refusal_is_masked(tmp_path: Path) -> None:
    """Tester BK F27 (2026-12-07): a faint 13800138000 beside a figure was quoted whole on the terminal."""
    with pytest.raises(UnreadableFigure) as caught:
        _value(ruled_pdf(tmp_path / "phone.pdf", drawn=_after_figure("13800138000", alpha=0.15)))
    assert "13800138000" not in str(caught.value) and "8000" in str(caught.value)


def test_a_darker_name_and_date_drawn_over_the_title_is_no_report_date(tmp_path: Path) -> None:
    """Tester BK F17 (2026-12-07): the same watermark at 60 % (grey 0.4, darker than a pale one)
    over the title still dated an undated report. A line drawn over another is a watermark's."""
    mark = _translucent("张三 2026-12-05", 0.6, 70, A4[1] - 55, size=14)
    path = ruled_pdf(tmp_path / "over.pdf", UNDATED, drawn=mark)
    assert extract_file(path, load_spec("branch_daily", SPECS)).report_date is None


def _phone_in_spot(canvas: Canvas, at: At) -> None:
    _in_spot("PANTONE Red 032 C", (0, 1, 1, 0))(canvas, at)
    x, y = at(1, 2)
    canvas.drawString(x + 20, y, "13800138000")


def _field_over_a_phone(canvas: Canvas, at: At) -> None:
    _after_figure("13800138000")(canvas, at)
    x, y = at(1, 1)
    canvas.acroForm.textfield(name="f1", value="42.39", x=x - 2, y=y - 4, width=90, height=15,
                              borderWidth=0, fillColor=colors.white, annotationFlags="print")


@pytest.mark.parametrize(("drawn", "said"), [(_phone_in_spot, "印成专色"),
                                             (_field_over_a_phone, "上盖有表单域")])
def test_a_phone_number_in_a_spot_ink_or_an_annotated_cell_is_masked(
        tmp_path: Path, drawn: Callable[[Canvas, At], None], said: str) -> None:
    """The refusals of a spot-coloured cell and of an annotated cell quoted the cell as it was, a
    watermark's phone number in it whole (as mixed_ink did before tester BK F27)."""
    spot = drawn is _phone_in_spot  # over ruled_pdf's own 1.2, printed in white
    path = ruled_pdf(tmp_path / "phone.pdf", red=frozenset({"1.2"} if spot else ()), red_rgb=(1, 1, 1),
                     drawn=drawn)
    with pytest.raises(UnreadableFigure, match=said) as caught:
        _value(path)
    assert "13800138000" not in str(caught.value) and "8000" in str(caught.value)



RED = (0.9, 0.1, 0.1)


def _stroked(fill: tuple[float, float, float], stroke: tuple[float, float, float],
             width: float) -> Callable[[Canvas, At], None]:
    """储蓄存款余额 较上日's 1.2 filled and stroked (mode 2), the stroke `width` points wide."""
    def draw(canvas: Canvas, at: At) -> None:
        canvas.saveState()
        canvas.setLineWidth(width)
        _in_mode("1.2", 2, fill, stroke, cell=(1, 2))(canvas, at)
        canvas.restoreState()
    return draw


@pytest.mark.parametrize(("fill", "stroke", "width", "value"), [
    ((1, 1, 1), RED, 0.3, -12000),  # hollow red digits: their outline is what prints
    (RED, RED, 1, -12000),
    ((0, 0, 0), RED, 0.3, None),  # black digits edged red (tester BK's c91c: read as black)
    ((0, 0, 0), RED, 1, None),  # a stroke as wide as the stems: it prints red
    (RED, (0, 0, 0), 0.3, None),  # red digits edged black
])
def test_a_digit_filled_and_stroked_is_red_by_what_prints(tmp_path: Path, fill: tuple[float, float, float],
                                                          stroke: tuple[float, float, float], width: float,
                                                          value: int | None) -> None:
    """1.2 under 注：红字表示负数 filled and stroked (mode 2): red when fill and stroke print red (or the
    fill is white), refused when they differ, one of them red: which prints more depends on the
    stroke's width against the glyph's (a fill+stroke glyph was judged by its fill alone)."""
    path = ruled_pdf(tmp_path / "two.pdf", below=("注：红字表示负数。",), red=frozenset({"1.2"}),
                     red_rgb=(1, 1, 1), drawn=_stroked(fill, stroke, width))
    red, green, _ = _reddest(path)
    assert red > 120 and green < 60  # some of it prints red (dark where the black edges it)
    if value is None:
        with pytest.raises(UnreadableFigure, match="填充与描边一红一不红"):
            extract_file(path, load_spec("branch_daily", SPECS))
    else:
        extraction = extract_file(path, load_spec("branch_daily", SPECS))
        assert extraction.value("储蓄存款余额", "较上日", "110101") == Decimal(value)
