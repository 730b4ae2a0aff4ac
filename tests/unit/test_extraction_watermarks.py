"""A PDF report with a watermark (tester BH F3, 2026-12-07): a pale digit beside a figure was read
as its last digit (2345.6 as 2345.68), a watermark drawn at a slant in the margin refused the
page as digits struck over each other, one over the labels spoilt the header.

Text set at a slant is no part of the table: left out and named in the notes. A figure whose
digits are of inks far apart (black and a pale grey) is refused naming the cell; one printed all
in grey is read. The PDFs are drawn here with reportlab (tests/hand_reports), the watermark by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
At = Callable[[int, int], tuple[float, float]]
FONT = "STSong-Light"


def _slanted(text: str, row: int, column: int, angle: float, dy: float = 0) -> Callable[[Canvas, At], None]:
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(row, column)
        canvas.saveState()
        canvas.setFillColorRGB(0.85, 0.85, 0.85)
        canvas.setFont(FONT, 30)
        canvas.translate(x, y + dy)
        canvas.rotate(angle)
        canvas.drawString(0, 0, text)
        canvas.restoreState()
    return draw


@pytest.mark.parametrize(("text", "row", "column", "angle", "dy", "said"), [
    ("内部资料", 2, 0, 20, 0, "内部资料"),              # over the labels and the header
    ("内部资料 2026-11-30 西城支行", 9, 0, 30, -200,   # in the margin under the table
     "内部资料 2026-11-30 ****"),  # a name in it masked (tester BI F8): a branch's or a person's
    ("2026 2026 2026", 1, 1, 35, -30, "2026 2026 2026"),  # digits across the figures
    ("机密 8888", 3, 1, -45, 40, "机密 8888"),          # the other way
    ("内部资料 张报表 110101199001011234", 9, 0, 30, -200, "内部资料 *** **************1234"),
])
def test_a_slanted_watermark_is_left_out_and_named(tmp_path: Path, text: str, row: int, column: int,
                                                   angle: float, dy: float, said: str) -> None:
    path = ruled_pdf(tmp_path / "watermarked.pdf", drawn=_slanted(text, row, column, angle, dy=dy))
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    plain = extract_file(ruled_pdf(tmp_path / "plain.pdf"), load_spec("branch_daily", SPECS))
    assert [(f.metric, f.column, f.raw) for f in extraction.figures] == [
        (f.metric, f.column, f.raw) for f in plain.figures]
    noted = [n for n in extraction.notes if n.startswith("略过的水印等文字")]
    assert noted == [f"略过的水印等文字（斜排、全透明、在隐藏图层、剪切路径或页面裁剪框外） 第1页 {said}"]


def _flat(text: str, grey: float, after: str) -> Callable[[Canvas, At], None]:
    """`text` in `grey`, at the 10 pt figure size, right after `after` printed in row 1 column 1."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.setFillColorRGB(grey, grey, grey)
        canvas.setFont(FONT, 10)
        canvas.drawString(x + pdfmetrics.stringWidth(after, FONT, 10), y, text)
    return draw


@pytest.mark.parametrize("grey", [0.8, 0.6])
def test_a_pale_digit_beside_a_black_figure_refuses_the_report(tmp_path: Path, grey: float) -> None:
    path = ruled_pdf(tmp_path / "pale.pdf", first="2345.6", drawn=_flat("8", grey, "2345.6"))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert "所在格中有印得很浅的“8”" in said and "2345.6" in said and "pale.pdf, 第1页" in said


def test_a_figure_printed_all_in_grey_is_read(tmp_path: Path) -> None:
    """The first figure printed in a 0.6 grey as a whole (its black print left out)."""
    def grey_figure(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.setFillColorRGB(0.6, 0.6, 0.6)
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, "2345.6")

    path = ruled_pdf(tmp_path / "grey.pdf", first="", drawn=grey_figure)
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("left", "right"), [("-", ""), ("(", ")"), ("－", "")])
def test_a_pale_sign_or_bracket_beside_a_black_figure_refuses_the_report(tmp_path: Path, left: str,
                                                                         right: str) -> None:
    """Tester BI F1 (2026-12-07): a pale grey `-` (or brackets) printed beside a black figure in its
    cell made it negative, exit 0."""
    printed = "    2345.6"  # room for the sign before the digits

    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.setFillColorRGB(0.8, 0.8, 0.8)
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, left)
        canvas.drawString(x + 1 + pdfmetrics.stringWidth(printed, FONT, 10), y, right)

    path = ruled_pdf(tmp_path / "sign.pdf", first=printed, drawn=draw)
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "2345.6" in str(caught.value) and "所在格中有印得很浅的" in str(caught.value)
    plain = extract_file(ruled_pdf(tmp_path / "plain.pdf", first=printed), load_spec("branch_daily", SPECS))
    assert plain.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


def test_light_grey_text_drawn_flat_is_the_reports(tmp_path: Path) -> None:
    """Tester BI F14 (2026-12-07): while faint text was left out as a watermark, a light grey
    `单位：元` was dropped and the figures read as 万元, 10 000 times too large. Grey text drawn
    flat is read as the report's."""
    def grey_unit(canvas: Canvas, _: At) -> None:
        canvas.setFillColorRGB(0.8, 0.8, 0.8)
        canvas.setFont(FONT, 10)
        canvas.drawString(60, 741, "单位：元")

    heading = (HEADING[0], HEADING[1])
    extraction = extract_file(ruled_pdf(tmp_path / "grey.pdf", heading, drawn=grey_unit),
                              load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal("2345.6")


def test_a_watermark_naming_a_person_is_noted_with_its_numbers_masked(tmp_path: Path) -> None:
    """Tester BI F8 (2026-12-07): a watermark naming who printed the page (an ID number, a card
    number) was copied into 读取说明 in clear."""
    path = ruled_pdf(tmp_path / "who.pdf", drawn=_slanted("张报表 11010519491231002X", 9, 0, 30, dy=-200))
    notes = [n for n in extract_file(path, load_spec("branch_daily", SPECS)).notes if "水印" in n]
    assert notes and "11010519491231002X" not in notes[0] and "**************002X" in notes[0], notes


def test_a_page_drawn_askew_whole_is_refused_as_such_not_as_a_scan(tmp_path: Path) -> None:
    """Tester BI F9: a page whose every line is drawn 3° off straight was refused as a scan
    without a text layer: its text is there, slanted."""
    path = tmp_path / "askew.pdf"
    canvas = Canvas(str(path))
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas.rotate(3)
    canvas.setFont(FONT, 10)
    lines = ("网点经营日报", "机构：110101 东城支行  数据日期：2026-12-04", "项目 本日 较上日")
    for number, text in enumerate(lines):
        canvas.drawString(60, 780 - 20 * number, text)
    canvas.save()
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert "本页的文字全是斜排、全透明或在隐藏图层里的" in said and "扫描件" not in said


def test_text_outside_the_crop_box_is_left_out(tmp_path: Path) -> None:
    """Tester BI F13 (2026-12-07): a date outside the page's crop box, which no viewer shows, was
    read as the report's date."""
    def cut_off(canvas: Canvas, _: At) -> None:
        canvas.setFont(FONT, 10)
        canvas.drawString(60, 825, "内部资料 2026-11-30")
        canvas.setCropBox((0, 0, 595.27, 810))

    heading = (HEADING[0], "机构：110101 东城支行", HEADING[2])
    extraction = extract_file(ruled_pdf(tmp_path / "cropped.pdf", heading, drawn=cut_off),
                              load_spec("branch_daily", SPECS))
    assert extraction.report_date is None
    noted = "略过的水印等文字（斜排、全透明、在隐藏图层、剪切路径或页面裁剪框外） 第1页 内部资料 2026-11-30"
    assert noted in extraction.notes


def test_a_refused_cells_text_is_quoted_on_one_line() -> None:
    """Tester BI F9 (2026-12-07): a seal over a figure's cell was refused as '★\\n24.57\\n业务专用章'
    不是数字, a Python repr that split the clerk's message over three lines."""
    from flows.report_extraction.numbers import NumberFormatError, SignStyle, parse_figure

    with pytest.raises(NumberFormatError) as caught:
        parse_figure("★\n24.57\n业务专用章", frozenset(SignStyle))
    assert str(caught.value).startswith("'★ / 24.57 / 业务专用章' 不是数字：")  # and what to do (BO F12)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("mark", ["内部资料 2026-11-30", "机密  2026-11-30", "仅供内部参考 2026-11-30",
                                  "CONFIDENTIAL 2026-11-30"])
def test_a_flat_grey_marking_date_does_not_date_an_undated_report(tmp_path: Path, mark: str) -> None:
    """Tester BI F6 (2026-12-07): a light grey `内部资料 2026-11-30` drawn flat over the title gave
    an undated report that date. Grey text flat is the report's (F14), but a date after a secrecy
    marking is the marking's."""
    def over_title(canvas: Canvas, _: At) -> None:
        canvas.setFillColorRGB(0.8, 0.8, 0.8)
        canvas.setFont(FONT, 14)
        canvas.drawString(250, 800, mark)

    heading = (HEADING[0], "机构：110101 东城支行", HEADING[2])
    extraction = extract_file(ruled_pdf(tmp_path / "marked.pdf", heading, drawn=over_title),
                              load_spec("branch_daily", SPECS))
    assert extraction.report_date is None
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


def test_a_marking_beside_the_reports_own_date_leaves_that_date(tmp_path: Path) -> None:
    heading = (HEADING[0], "内部资料  机构：110101 东城支行  数据日期：2026-12-04", HEADING[2])
    extraction = extract_file(ruled_pdf(tmp_path / "own.pdf", heading), load_spec("branch_daily", SPECS))
    assert extraction.report_date == "2026-12-04"


@pytest.mark.parametrize("text", ["币种：美元", "单位：元", "本表为外币报表", "Currency: USD"])
def test_a_slanted_line_naming_a_currency_or_unit_refuses_the_file(tmp_path: Path, text: str) -> None:
    """Tester BK F30 (2026-12-07): a slanted `币种：美元` stamp was left out as a watermark and the
    dollars read as yuan; slanted text that names a currency or unit may be the report's own."""
    path = ruled_pdf(tmp_path / "stamp.pdf", drawn=_slanted(text, 10, 0, 15, dy=-30))
    with pytest.raises(UnreadableFigure, match=r"斜排（像印章或水印）的.*写的是币种、单位、机构或日期"):
        extract_file(path, load_spec("branch_daily", SPECS))
