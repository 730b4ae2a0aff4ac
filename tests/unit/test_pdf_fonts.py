"""A PDF whose font makes the text layer say another character than the one printed (tester BL,
2026-12-07: a ToUnicode naming the glyph `seven` `1` read 203,735.26 as 203,135.26, a CID font's
万 named 千 read 万元 as 千元, exit 0). Each file is the hand-written report (tests/hand_reports)
with one font changed by hand (tests/pdf_font_edits), and each claim about what it prints is checked
by rendering it with pdfium against the same file whose text layer is right: the pages print alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import MissingUnicodeMap, UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, ruled_pdf
from tests.pdf_font_edits import (
    add_cid_font,
    add_type3_font,
    collection_font,
    glyph_ids,
    name_codes,
    without_cmap,
)

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
At = Callable[[int, int], tuple[float, float]]
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # the bootstrap installs it (screenshots)


def _pixels(path: Path) -> bytes:
    return pdfium.PdfDocument(str(path))[0].render(scale=2).to_pil().convert("L").tobytes()


def _value(path: Path) -> Decimal | None:
    return extract_file(path, load_spec("branch_daily", SPECS)).value("储蓄存款余额", "本日", "110101")


def _in_helvetica(text: str) -> Callable[[Canvas, At], None]:
    """`text` in Helvetica where 储蓄存款余额 本日's figure goes (ruled_pdf leaves it blank)."""
    def draw(canvas: Canvas, at: At) -> None:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(*at(1, 1), text)
    return draw


def _report(path: Path, text: str = "2345.6") -> Path:
    return ruled_pdf(path, first="", drawn=_in_helvetica(text))


@pytest.mark.parametrize(("names", "glyphs", "refused"), [
    ({0x36: "1"}, {}, "编码是“6”，文字层（ToUnicode）却写作“1”"),  # the glyph `six` named 1: read 2345.1
    ({0x2E: ""}, {}, "编码是“.”，文字层（ToUnicode）却写作“（空）”"),  # the point named nothing: read 23456
    ({}, {0x36: "g17"}, "的字形“g17”不在所用的标准字体中"),  # Helvetica has no `g17`: prints nothing
])
def test_a_simple_font_whose_text_is_not_its_glyph_refuses_the_page(
        tmp_path: Path, names: dict[int, str], glyphs: dict[int, str], refused: str) -> None:
    control, path = _report(tmp_path / "control.pdf"), _report(tmp_path / "named.pdf")
    name_codes(path, names, glyphs=glyphs)
    assert (_pixels(path) == _pixels(control)) is not bool(glyphs)  # a ToUnicode changes no print
    with pytest.raises(UnreadableFigure, match=refused):
        _value(path)
    assert _value(control) == Decimal(FIRST_YUAN)


def test_a_tounicode_naming_each_glyph_as_itself_or_its_full_width_form_is_read(tmp_path: Path) -> None:
    path = name_codes(_report(tmp_path / "wide.pdf"), {0x36: "６", 0x2E: "．"})
    assert _value(path) == Decimal(FIRST_YUAN)


def _unit_line(canvas: Canvas, at: At) -> None:
    """单位：万元 in the added CID font `FW` where the heading's third line goes."""
    canvas.addLiteral(f"BT /FW 10 Tf 60 {A4[1] - 100} Td <{_UNIT_CIDS}> Tj ET")


_UNIT = "单位：万元"
_UNIT_CIDS = "".join(f"{cid:04X}" for cid in range(1, len(_UNIT) + 1))  # CIDs 1-5, glyphs by `gids`


@pytest.mark.parametrize(("said", "refused"), [
    ("单位：万元", None),
    ("单位：千元", "编码是“万”，文字层（ToUnicode）却写作“千”"),  # the glyph of 万 named 千: ×1000 for ×10000
    ("单位：元元", "编码是“万”，文字层（ToUnicode）却写作“元”"),
])
def test_a_cid_font_whose_text_is_not_its_glyph_refuses_the_page(tmp_path: Path, said: str,
                                                                  refused: str | None) -> None:
    program = collection_font(WQY)
    gids = dict(enumerate(glyph_ids(program, _UNIT), start=1))
    control = add_cid_font(ruled_pdf(tmp_path / "control.pdf", HEADING[:2], drawn=_unit_line), "FW",
                           program, dict(enumerate(_UNIT, start=1)), gids=gids)
    path = add_cid_font(ruled_pdf(tmp_path / "unit.pdf", HEADING[:2], drawn=_unit_line), "FW", program,
                        dict(enumerate(said, start=1)), gids=gids)
    assert _pixels(path) == _pixels(control)  # only the text layer differs
    assert _value(control) == Decimal(FIRST_YUAN)
    if refused is None:
        assert _value(path) == Decimal(FIRST_YUAN)
    else:
        with pytest.raises(UnreadableFigure, match=refused):
            _value(path)


def test_one_glyph_read_as_two_characters_refuses_the_page(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A program without a cmap (as a subsetter may leave one), two CIDs drawing the glyph of 万,
    one named 万 (the unit line), one named 千 (a note under the table): the file contradicts itself.
    On a machine without the font installed, so that no installed font tells (`reference_fonts`)."""
    monkeypatch.setattr("flows.report_extraction.pdf_fonts.drawn_as", lambda program, gid: set())
    program = without_cmap(collection_font(WQY))
    glyphs = glyph_ids(collection_font(WQY), _UNIT)
    gids = {**dict(enumerate(glyphs, start=1)), 6: glyphs[3]}

    def drawn(canvas: Canvas, at: At) -> None:
        _unit_line(canvas, at)
        canvas.addLiteral("BT /FW 10 Tf 60 100 Td <0006> Tj ET")
    path = add_cid_font(ruled_pdf(tmp_path / "two.pdf", HEADING[:2], drawn=drawn), "FW", program,
                        {**dict(enumerate(_UNIT, start=1)), 6: "千"}, gids=gids)
    with pytest.raises(UnreadableFigure, match="与读作“万”的字是同一个字形，却读作“千”"):
        _value(path)


def _in_type3(string: str) -> Callable[[Canvas, At], None]:
    """The PDF string `string` shown in the added Type3 font `T3` where 储蓄存款余额 本日's figure goes."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.addLiteral(f"BT /T3 10 Tf {x} {y} Td {string} Tj ET")
    return draw


_DIGITS = {0x30 + digit: name for digit, name in enumerate(
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))} | {0x2E: "period"}


@pytest.mark.parametrize("blank", [frozenset(), frozenset({"period"})])
def test_a_type3_glyph_that_paints_nothing_refuses_the_page(tmp_path: Path, blank: frozenset[str]) -> None:
    """Tester BL's D06: a Type3 font whose procedure for a sign draws nothing read (83.04) though the
    page printed 83.04; here the point of 2345.6: it would read 2345.6 where the paper shows 23456."""
    drawn = _in_type3("(2345.6)")
    path = add_type3_font(ruled_pdf(tmp_path / "t3.pdf", first="", drawn=drawn), "T3", _DIGITS, blank)
    control = add_type3_font(ruled_pdf(tmp_path / "all.pdf", first="", drawn=drawn), "T3", _DIGITS)
    assert (_pixels(path) == _pixels(control)) is not blank  # the blank procedure prints nothing
    if blank:
        with pytest.raises(UnreadableFigure, match="的字形“period”什么也不画"):
            _value(path)
    else:
        assert _value(path) == Decimal(FIRST_YUAN)


def test_a_type3_font_drawing_its_digits_a_hundredth_of_their_size_refuses_the_page(tmp_path: Path) -> None:
    """Tester BL F15: a FontMatrix of 0.00001 printed the figures as specks (700 units high: 0.007
    em); they were read."""
    path = ruled_pdf(tmp_path / "tiny.pdf", first="", drawn=_in_type3("(2345.6)"))
    add_type3_font(path, "T3", _DIGITS, scale=0.00001)
    control = ruled_pdf(tmp_path / "blank.pdf", first="")
    differ = sum(a != b for a, b in zip(_pixels(path), _pixels(control), strict=True))
    assert 0 < differ < 30  # six specks, a few pixels each, where 2345.6 should print
    with pytest.raises(UnreadableFigure, match=re.escape("Type3 字体把字形画成字号的 0.007 倍高")):
        _value(path)


@pytest.mark.parametrize(("size", "refused"), [(0.3, True), (3, True), (6, False)])
def test_a_figure_printed_too_small_to_read_refuses_the_page(tmp_path: Path, size: float,
                                                              refused: bool) -> None:
    """Tester BL F15: 个人贷款余额 本日 set at 0.3 pt (a speck) and 2 pt was read; 6 pt is small print."""
    def drawn(canvas: Canvas, at: At) -> None:
        canvas.setFont("Helvetica", size)
        canvas.drawString(*at(1, 1), "2345.6")
    path = ruled_pdf(tmp_path / "small.pdf", first="", drawn=drawn)
    if refused:
        with pytest.raises(UnreadableFigure, match="印得太小"):
            _value(path)
    else:
        assert _value(path) == Decimal(FIRST_YUAN)


def test_a_code_no_map_names_in_a_type3_font_is_refused_in_chinese(tmp_path: Path) -> None:
    """Tester BL F12: the refusal named a Type3 font by pdfminer's English `unknown`."""
    path = ruled_pdf(tmp_path / "nameless.pdf", drawn=_in_type3("(\\200)"))
    add_type3_font(path, "T3", {0x80: "g128"})
    with pytest.raises(MissingUnicodeMap, match="（字体 未命名）"):
        _value(path)
