"""A PDF font that prints nothing, or a box, where its text layer holds a character: a glyph missing
from an embedded TrueType subset (.notdef) or drawn with no outline (tester BL's C05 and C06,
2026-12-07: a DejaVu subset whose cmap had no 5 printed □94,947.21 and the bot read 594,947.21), a
Type3 glyph whose procedure shows text in its own font (P05: a loop, prints nothing), and /Widths that
set a figure's digits on one spot (L02). Each file is the hand-written report (tests/hand_reports)
with one font added or changed by hand (tests/pdf_font_edits); pdfium shows each prints otherwise
than the same file whose font is whole.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, ruled_pdf
from tests.pdf_font_edits import (
    add_cid_font,
    add_truetype_font,
    add_type3_font,
    collection_font,
    glyph_ids,
    set_widths,
    with_advances,
    with_cmap,
    without_cmap,
)

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
At = Callable[[int, int], tuple[float, float]]
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # the bootstrap installs it (screenshots)
FIGURE = "2345.6"  # 储蓄存款余额 本日 in 万元: FIRST_YUAN
UNIT = "单位：万元"


def _pixels(path: Path) -> bytes:
    return pdfium.PdfDocument(str(path))[0].render(scale=2).to_pil().convert("L").tobytes()


def _value(path: Path) -> Decimal | None:
    return extract_file(path, load_spec("branch_daily", SPECS)).value("储蓄存款余额", "本日", "110101")


def _shown(font: str, text: str) -> Callable[[Canvas, At], None]:
    """`text` in the added font `font` where 储蓄存款余额 本日's figure goes (ruled_pdf leaves it blank)."""
    def draw(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.addLiteral(f"BT /{font} 10 Tf {x} {y} Td ({text}) Tj ET")
    return draw


def _truetype_report(path: Path, glyphs: dict[str, int], descent: int = -200) -> Path:
    program = with_cmap(collection_font(WQY), glyphs)
    return add_truetype_font(ruled_pdf(path, first="", drawn=_shown("TT", FIGURE)), "TT", program,
                             descent=descent)


@pytest.mark.parametrize("descent", [-1200, -2000, 300])
def test_a_font_descent_no_font_means_leaves_each_figure_in_its_row(tmp_path: Path, descent: int) -> None:
    """Tester BN F9 (2026-12-08): a FontDescriptor /Descent of -1200 (font units of a 2048-unit font)
    set each character's box a row below its baseline, though viewers print it on it: 储蓄存款余额 was
    read from the row below. The page prints as with a usual descent; the figure is read in its row."""
    chars = "0123456789. "
    glyphs = dict(zip(chars, glyph_ids(collection_font(WQY), chars), strict=True))
    control = _truetype_report(tmp_path / "usual.pdf", glyphs)
    path = _truetype_report(tmp_path / "deep.pdf", glyphs, descent)
    assert _pixels(path) == _pixels(control)
    assert _value(path) == _value(control) == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("five", "refused"), [
    (None, "「5」在所嵌入的字体里没有字形，印出来是方框或空白"),  # the cmap leaves 5 out: .notdef
    (" ", "「5」的字形在所嵌入的字体里是空的，什么也不印"),  # 5 given the space's glyph: no outline
])
def test_a_figure_in_a_truetype_subset_without_its_glyph_refuses_the_page(
        tmp_path: Path, five: str | None, refused: str) -> None:
    chars = "0123456789. "
    glyphs = dict(zip(chars, glyph_ids(collection_font(WQY), chars), strict=True))
    control = _truetype_report(tmp_path / "whole.pdf", glyphs)
    broken = {char: gid for char, gid in glyphs.items() if char != "5"}
    if five is not None:
        broken["5"] = glyphs[five]
    path = _truetype_report(tmp_path / "subset.pdf", broken)
    assert _value(control) == Decimal(FIRST_YUAN)
    assert _pixels(path) != _pixels(control)  # the 5 prints otherwise (a box or nothing)
    with pytest.raises(UnreadableFigure, match=refused):
        _value(path)


@pytest.mark.parametrize(("said", "refused"), [
    ("单位：万元", None),
    ("单位：千元", "「千」的字形按字体的编码是“万”，文字层（ToUnicode）却写作“千”"),
])
def test_a_one_byte_cjk_subset_whose_text_is_not_its_glyph_refuses_the_page(
        tmp_path: Path, said: str, refused: str | None) -> None:
    """Tester BL's Q03: the unit line in a simple TrueType subset of one-byte codes (0x21-0x25 found
    through a symbol cmap at 0xF021-0xF025), whose ToUnicode names the glyph of 万 千: 万元 read as
    千元, the figures ×1000 for ×10000. The glyph's post name (uni4E07) says what it is."""
    program = collection_font(WQY)
    glyphs = {chr(0xF021 + index): gid for index, gid in enumerate(glyph_ids(program, UNIT))}

    def drawn(canvas: Canvas, at: At) -> None:
        canvas.addLiteral("BT /TT 10 Tf 60 720 Td (!\"#$%) Tj ET")
    made = {}
    for name, text in (("control", UNIT), ("unit", said)):
        made[name] = add_truetype_font(ruled_pdf(tmp_path / f"{name}.pdf", HEADING[:2], drawn=drawn), "TT",
                                       with_cmap(program, glyphs, symbol=True), dict(enumerate(text, 0x21)))
    assert _pixels(made["unit"]) == _pixels(made["control"])  # only the text layer differs
    assert _value(made["control"]) == Decimal(FIRST_YUAN)
    if refused is None:
        assert _value(made["unit"]) == Decimal(FIRST_YUAN)
    else:
        with pytest.raises(UnreadableFigure, match=refused):
            _value(made["unit"])


def _unit_line(canvas: Canvas, at: At) -> None:
    canvas.addLiteral("BT /FW 10 Tf 60 720 Td <00010002000300040005> Tj ET")


@pytest.mark.parametrize(("said", "refused"), [
    ("单位：万元", None),
    ("单位：千元", "「千」的字形画的是“万”（与本机所装字体中的字形一模一样），文字层（ToUnicode）却写作“千”"),
])
def test_a_cid_subset_saying_nothing_is_judged_by_the_fonts_installed(
        tmp_path: Path, said: str, refused: str | None) -> None:
    """Tester BL's S02: a CID subset with neither a cmap nor glyph names (the program holds only
    outlines), its ToUnicode naming 万 千: a whole run read ×1000 for ×10000. The program is the
    WenQuanYi font the bootstrap installs, so an installed font draws the same outline for 万."""
    program = without_cmap(collection_font(WQY))
    gids = dict(enumerate(glyph_ids(collection_font(WQY), UNIT), start=1))
    made = {name: add_cid_font(ruled_pdf(tmp_path / f"{name}.pdf", HEADING[:2], drawn=_unit_line), "FW",
                               program, dict(enumerate(text, start=1)), gids=gids)
            for name, text in (("control", UNIT), ("unit", said))}
    assert _pixels(made["unit"]) == _pixels(made["control"])  # only the text layer differs
    assert _value(made["control"]) == Decimal(FIRST_YUAN)
    if refused is None:
        assert _value(made["unit"]) == Decimal(FIRST_YUAN)
    else:
        with pytest.raises(UnreadableFigure, match=re.escape(refused)):
            _value(made["unit"])


@pytest.mark.parametrize("wan", ["notdef", "beyond", "space"])
def test_a_cid_whose_glyph_is_missing_or_blank_refuses_the_page(tmp_path: Path, wan: str) -> None:
    """The unit line's 万 in a CID font sent to glyph 0, past the program's last glyph, or to the
    space's glyph: the paper shows 单位：□元 or 单位： 元, the text layer 单位：万元."""
    program = collection_font(WQY)
    gids = dict(enumerate(glyph_ids(program, UNIT), start=1))
    control = add_cid_font(ruled_pdf(tmp_path / "control.pdf", HEADING[:2], drawn=_unit_line), "FW",
                           program, dict(enumerate(UNIT, start=1)), gids=gids)
    gids[4] = {"notdef": 0, "beyond": 0xFFF0, "space": glyph_ids(program, " ")[0]}[wan]
    path = add_cid_font(ruled_pdf(tmp_path / "unit.pdf", HEADING[:2], drawn=_unit_line), "FW", program,
                        dict(enumerate(UNIT, start=1)), gids=gids)
    assert _value(control) == Decimal(FIRST_YUAN)
    assert _pixels(path) != _pixels(control)
    said = "是空的，什么也不印" if wan == "space" else "没有字形，印出来是方框或空白"
    with pytest.raises(UnreadableFigure, match=f"「万」.*{said}"):
        _value(path)


_DIGITS = {0x30 + digit: name for digit, name in enumerate(
    ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))} | {0x2E: "period"}


def test_a_type3_glyph_showing_text_in_its_own_font_refuses_the_page(tmp_path: Path) -> None:
    """Tester BL's P05: the procedure of `five` shows a 7 in the Type3 font itself, a loop no viewer
    follows: the 5 prints nothing. The font is named F3 as BL's was F1: a name is no painting operator."""
    drawn = _shown("F3", FIGURE)
    control = add_type3_font(ruled_pdf(tmp_path / "all.pdf", first="", drawn=drawn), "F3", _DIGITS)
    path = add_type3_font(ruled_pdf(tmp_path / "loop.pdf", first="", drawn=drawn), "F3", _DIGITS,
                          looped=frozenset({"five"}))
    assert _value(control) == Decimal(FIRST_YUAN)
    assert _pixels(path) != _pixels(control)
    with pytest.raises(UnreadableFigure, match="「5」的字形“five”用它自己的字体写字（循环引用），什么也不印"):
        _value(path)


@pytest.mark.parametrize(("procedure", "refused"), [
    (b"600 0 d0 BT /Helv 1000 Tf 0 0 Td (5) Tj ET", None),  # BN F8: its own digit in Helvetica prints
    (b"600 0 d0 /Seven Do", "「5」的字形“five”画的是“1”，文字层却写作“5”"),  # BN F6: a form showing 1
    (b"600 0 d0 1 0 0 rg 50 0 500 700 re f", "「5」的字形“five”自带颜色（1 0 0 rg）"),  # BN F12: red
    (b"600 0 d0 0 0 0 rg 50 0 500 700 re f", None),  # black, as the text
])
def test_a_type3_procedure_showing_text_or_setting_its_colour_is_read_as_it_prints(
        tmp_path: Path, procedure: bytes, refused: str | None) -> None:
    """Tester BN (2026-12-08): a Type3 glyph `five` whose procedure shows another character through a
    form (read 5, printed 1), or paints in red of its own under 红字表示负数 (read positive), was read;
    one showing its own digit in Helvetica was refused as painting nothing."""
    drawn = _shown("F3", FIGURE)
    path = add_type3_font(ruled_pdf(tmp_path / "t3.pdf", first="", drawn=drawn), "F3", _DIGITS,
                          procedures={"five": procedure})
    if refused is None:
        assert _value(path) == Decimal(FIRST_YUAN)
    else:
        with pytest.raises(UnreadableFigure, match=re.escape(refused)):
            _value(path)


def _bitmap(rows: bytes, more: bytes = b"") -> bytes:
    """A bitmap glyph as bitmap-font producers write it: `d1`, then a 9 x 2 image mask filling
    the glyph's box (two bytes a row: nine samples and seven padding bits)."""
    head = b"600 0 0 0 600 700 d1 q 600 0 0 700 0 0 cm BI /W 9 /H 2 /IM true /BPC 1"
    return b"%s %s ID %s EI Q" % (head, more, rows)


@pytest.mark.parametrize(("procedure", "prints"), [
    (_bitmap(b"\x00\x00\x00\x00"), True),  # every sample paints
    (_bitmap(b"\xff\x80\xff\x80"), False),  # no sample paints; the padding bits are 0
    (_bitmap(b"\xff\xff\xff\xff"), False),  # nor with the padding bits set
    (_bitmap(b"\xff\x80\xff\x00"), True),  # the last sample of the last row paints
    (_bitmap(b"\x00\x00\x00\x00", b"/D [1 0]"), False),  # inverted: 0 leaves the page as it was
    (_bitmap(b"ff80ff80>", b"/F /AHx"), False),
    (_bitmap(b"ff80fe80>", b"/F /AHx"), True),
    (_bitmap(zlib.compress(b"\xff\x80\xff\x80"), b"/F /Fl"), False),
    (_bitmap(zlib.compress(b"\x7f\x80\xff\x80"), b"/F /Fl"), True),
])
def test_a_type3_bitmap_glyph_that_paints_no_sample_refuses_the_page(
        tmp_path: Path, procedure: bytes, prints: bool) -> None:
    """Tester BN F10 (2026-12-08): a bitmap font's `five` whose image mask has no sample painted
    prints nothing, though the text layer names 5; it was read as painting an image."""
    drawn = _shown("F3", FIGURE)
    control = add_type3_font(ruled_pdf(tmp_path / "all.pdf", first="", drawn=drawn), "F3", _DIGITS)
    path = add_type3_font(ruled_pdf(tmp_path / "t3.pdf", first="", drawn=drawn), "F3", _DIGITS,
                          procedures={"five": procedure})
    if prints:
        assert _value(path) == Decimal(FIRST_YUAN)
    else:
        assert _pixels(path) != _pixels(control)
        with pytest.raises(UnreadableFigure, match="「5」的字形“five”什么也不画，印不出“5”"):
            _value(path)


@pytest.mark.parametrize(("width", "read"), [(0, False), (40, False), (556, True), (278, True)])
def test_widths_setting_a_figures_digits_on_one_spot_refuse_the_page(tmp_path: Path, width: int,
                                                                    read: bool) -> None:
    """Tester BL's L02: Helvetica given /Widths of 0 for codes 32-57 prints 2345.6 as one blot, while
    pdfminer spaces a standard font by its own metrics; 556 (Helvetica's digit) or 278 (its point)
    print apart and are read."""
    def drawn(canvas: Canvas, at: At) -> None:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(*at(1, 1), FIGURE)
    control = ruled_pdf(tmp_path / "control.pdf", first="", drawn=drawn)
    path = set_widths(ruled_pdf(tmp_path / "widths.pdf", first="", drawn=drawn), [width] * 26)
    assert _value(control) == Decimal(FIRST_YUAN)
    if read:
        assert _value(path) == Decimal(FIRST_YUAN)
    else:
        assert _pixels(path) != _pixels(control)  # the digits print on top of each other
        with pytest.raises(UnreadableFigure, match=r"「2」的字宽只有字号的 0\.0[04] 倍"):
            _value(path)


def test_a_truetype_font_without_widths_whose_program_advances_digits_by_nothing_refuses_the_page(
        tmp_path: Path) -> None:
    """Tester BN F2 (2026-12-08): no /Widths, and the program's hmtx advances the digits by 0: the
    figure prints in one blot; read. With the program's own advances it is read."""
    program = collection_font(WQY)
    chars = "0123456789. "
    glyphs = dict(zip(chars, glyph_ids(program, chars), strict=True))
    made = {}
    for name, advances in (("own", {}), ("zero", {glyphs[d]: 0 for d in "0123456789"})):
        edited = with_advances(with_cmap(program, glyphs), advances)
        report = ruled_pdf(tmp_path / f"{name}.pdf", first="", drawn=_shown("TT", FIGURE))
        made[name] = add_truetype_font(report, "TT", edited, widths=False)
    assert _value(made["own"]) == Decimal(FIRST_YUAN)
    assert _pixels(made["zero"]) != _pixels(made["own"])
    with pytest.raises(UnreadableFigure, match=r"「2」的字宽只有字号的 0\.00 倍（字体程序的 hmtx）"):
        _value(made["zero"])


def test_a_point_the_font_advances_by_nothing_refuses_the_page(tmp_path: Path) -> None:
    """Tester BN F3 (2026-12-08): the point at /Widths 0 printed inside the next digit: 2345.6 on
    paper as 23456, read with its point."""
    def drawn(canvas: Canvas, at: At) -> None:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(*at(1, 1), FIGURE)
    widths = [0 if code == ord(".") else 556 for code in range(32, 58)]
    path = set_widths(ruled_pdf(tmp_path / "point.pdf", first="", drawn=drawn), widths)
    with pytest.raises(UnreadableFigure, match=r"「\.」的字宽只有字号的 0\.00 倍"):
        _value(path)


def test_a_symbolic_subset_whose_cmap_lacks_a_digit_refuses_the_page_whatever_its_post_names(
        tmp_path: Path) -> None:
    """Tester BN F1 (2026-12-08): a symbolic TrueType subset (no Encoding) whose cmap lacks the 5,
    though its post table names the glyph `five`: pdfium and MuPDF print the box; it was read."""
    program = collection_font(WQY)
    glyphs = dict(zip("0123456789.", glyph_ids(program, "0123456789."), strict=True))
    symbol = {chr(0xF000 + ord(char)): gid for char, gid in glyphs.items()}

    def drawn(canvas: Canvas, at: At) -> None:
        x, y = at(1, 1)
        canvas.addLiteral(f"BT /TT 10 Tf {x} {y} Td ({FIGURE}) Tj ET")
    made = {}
    for name, table in (("whole", symbol), ("no5", {k: v for k, v in symbol.items() if k != chr(0xF035)})):
        made[name] = add_truetype_font(ruled_pdf(tmp_path / f"{name}.pdf", first="", drawn=drawn), "TT",
                                       with_cmap(program, table, symbol=True), {ord(c): c for c in glyphs})
    assert _value(made["whole"]) == Decimal(FIRST_YUAN)
    assert _pixels(made["no5"]) != _pixels(made["whole"])
    with pytest.raises(UnreadableFigure, match="「5」在所嵌入的字体里没有字形"):
        _value(made["no5"])


def test_a_cid_past_its_fonts_cidtogidmap_refuses_the_page(tmp_path: Path) -> None:
    """Tester BN F5 (2026-12-08): a CIDToGIDMap stream shorter than the CIDs used: MuPDF printed other
    digits than pdfium; the text layer was read."""
    program = collection_font(WQY)
    gids = dict(enumerate(glyph_ids(program, UNIT), start=1))
    del gids[5]  # the map ends at CID 4: 元 is past it
    path = add_cid_font(ruled_pdf(tmp_path / "short.pdf", HEADING[:2], drawn=_unit_line), "FW", program,
                        dict(enumerate(UNIT, start=1)), gids=gids)
    with pytest.raises(UnreadableFigure, match="「元」的 CID 超出字体的 CIDToGIDMap"):
        _value(path)


def test_a_type3_colour_no_viewer_reads_is_named_not_a_traceback() -> None:
    """A d0 procedure's colour operands that are no numbers (`1.2.3 rg`) are named in the refusal."""
    from flows.report_extraction.pdf_type3 import _colour

    assert _colour(b"600 0 d0 1.2.3 0 0 rg 0 0 m f") == "1.2.3 0 0 rg"
    assert _colour(b"600 0 d0 0 g 0 0 0 rg 0 0 0 1 k 0 0 m f") is None  # black, three ways
