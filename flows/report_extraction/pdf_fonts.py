"""Fonts whose text layer says another character than the glyph they print.

    device = FontDevice(rsrcmgr, pageno=1, laparams=None)  # pdf_paint reads a page with it
    found = contradiction(device)  # None, or (the character, what it prints against what it reads)

A PDF character's text comes from its font's ToUnicode map, else from its encoding's glyph name;
the glyph it prints is chosen by the encoding (a simple font) or by the CID (a CID font). When the
two disagree, pdfplumber gives the text layer's character and the paper shows another (tester BL,
2026-12-07: a ToUnicode naming the glyph `seven` `1` read 203,735.26 as 203,135.26; one mapping the
brackets to nothing read (83.04) as 83.04; a CID font's 万 named 千 read 万元 as 千元, and two CIDs
drawing the glyphs of 1 and 东 named 2 and 西 read 110101 东城支行 as 110102 西城支行). Seen without
rendering, in the file itself:
- a simple font with an Encoding (a Type3 font always has one): the character of the code's glyph
  name (Adobe's glyph list) against the text; a name that is no standard glyph name, in a standard
  font that is not embedded, prints nothing (the font has no such glyph), as does a Type3 glyph whose
  procedure paints nothing; a name no list knows in an embedded font, with no ToUnicode, leaves the
  text a guess;
- a font with an embedded TrueType program: the characters the program's cmap and post names give
  the code's glyph against the text (a one-byte CJK subset whose symbol cmap finds the glyph named
  uni4E07, read 千); in a CID font, two CIDs drawing one glyph and read as two characters;
- a glyph an embedded TrueType program has not got (its .notdef prints) or draws with no outline
  (`truetype`), a Type3 glyph showing text in its own font (a loop: nothing prints), and a letter
  or digit the font's /Widths advance by under a tenth of an em (the next prints over it).
Characters that differ only in width or form (a full-width ｌ, a ligature) or are both spaces agree.
A program with neither a cmap nor glyph names is judged by the fonts installed here
(`reference_fonts`): a glyph whose outline an installed font draws for another character. Not seen:
a program that draws another digit than its cmap and glyph names say (an embedded subset whose
outlines were swapped, a Type3 procedure drawing 7 for `one`): only the drawing tells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pdfminer.encodingdb import name2unicode
from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFCIDFont, PDFFont, PDFSimpleFont, PDFType3Font
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfplumber.page import PDFPageAggregatorWithMarkedContent

from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_char_boxes import usual_box
from flows.report_extraction.pdf_type3 import procedure_problem
from flows.report_extraction.reference_fonts import drawn_as
from flows.report_extraction.truetype import Program

_PROGRAMS = ("FontFile", "FontFile2", "FontFile3")
# dashes a producer's ToUnicode may name a hyphen or minus glyph by: one sign to the reader (`numbers`)
_DASHES = str.maketrans({dash: "-" for dash in "\u00ad\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"})
_SIGNS = "+-()（）.,，．%％" + "\u2212\uff0d"
_BEYOND = -1  # a CID past the end of its font's CIDToGIDMap stream
_NARROW = 0.1  # ems: a letter or digit advancing less than this is struck over by the next (an i: 0.22)
_SPECK = 0.2  # ems: a Type3 glyph box printing lower than this is a speck (a digit box is about 0.7)
_UNDEFINED = "(cid:"  # pdfminer's text for a code no map names: refused as such (`pdf_reader`)


class FontDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page device keeping, for each font and code the page draws, the first character
    made of it; the interpreter gives each font's dictionary (`specs`, by the font's id)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.glyphs: dict[tuple[int, int], tuple[PDFFont, int, LTChar]] = {}
        self.specs: dict[int, Mapping[str, Any]] = {}
        self.programs: dict[int, Program | None] = {}  # embedded TrueType programs, by the stream's id

    def render_char(self, matrix: Any, font: PDFFont, fontsize: float, scaling: float, rise: float,
                    cid: int, ncs: Any, graphicstate: Any) -> float:
        adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        made = self.cur_item._objs[-1] if self.cur_item._objs else None
        if isinstance(made, LTChar):
            usual_box(made, font, fontsize, rise)  # tester BN F9: a /Descent of -1200 moved it a row down
        if (id(font), cid) not in self.glyphs and isinstance(made, LTChar):
            self.glyphs[(id(font), cid)] = (font, cid, made)
        return adv


def contradiction(device: FontDevice) -> tuple[LTChar, str] | None:
    """The first character whose font prints another glyph than its text says, with what it prints."""
    drawn: dict[tuple[int, int], tuple[str, LTChar]] = {}  # (font, glyph) -> the first text read for it
    for font, cid, char in device.glyphs.values():
        spec = device.specs.get(id(font))
        if spec is None:
            continue
        read = char.get_text()
        if read.startswith(_UNDEFINED):
            continue
        why, program = None, None
        if isinstance(font, PDFCIDFont):
            descendant = _descendant(spec)
            gid, program = _gid(descendant, cid), _program(device, descendant.get("FontDescriptor"))
            why = _unprinted(program, gid, read)
            if why is None and gid is not None and gid != _BEYOND:
                why = _glyph_against(program, gid, read)
                first = drawn.setdefault((id(font), gid), (read, char))[0]
                if why is None and not _same(first, read):
                    why = (f"与读作“{first}”的字是同一个字形，却读作“{read}”：字体前后矛盾，"
                           "印出的可能是其中任一个")
        elif isinstance(font, PDFSimpleFont):
            program = _program(device, spec.get("FontDescriptor"))
            why = _simple(font, spec, cid, read, program)
        why = why or _narrow(font, spec, cid, read, program)
        if why is not None:
            return char, why
    return None


def _simple(font: PDFSimpleFont, spec: Mapping[str, Any], cid: int, read: str,
            program: Program | None) -> str | None:
    encoding, type3 = resolve1(spec.get("Encoding")), isinstance(font, PDFType3Font)
    name = _differences(encoding).get(cid)
    if program is not None:  # tester BL: C05, a subset whose cmap has no 5 printed □94,947.21; Q03,
        gid = _simple_gid(font, spec, cid, program)  # a ToUnicode naming 万 千
        why = _unprinted(program, gid, read) or (
            _glyph_against(program, gid, read) if gid and font.unicode_map is not None else None)
        if why is not None:
            return why
    if encoding is None and not type3:
        return None  # the font program's own encoding: nothing to hold the text against
    if type3 and _matters(read) and (scale := _type3_height(spec)) is not None and scale < _SPECK:
        return f"所用的 Type3 字体把字形画成字号的 {scale:.3f} 倍高，印出来看不清“{read}”"
    if name is not None and type3 and _matters(read) and (drawn := procedure_problem(spec, name, read)):
        return drawn
    if name is not None:
        try:
            printed: str | None = name2unicode(name)
        except (KeyError, ValueError):
            if not type3 and not _embedded(spec):
                return f"的字形“{name}”不在所用的标准字体中，印不出“{read}”" if _matters(read) else None
            if font.unicode_map is None and _matters(read):
                return f"的字形名“{name}”不是标准字形名，字体又没有 ToUnicode，读出的“{read}”只是猜测"
            return None
    else:
        printed = font.cid2unicode.get(cid)
    return _against(printed, read) if font.unicode_map is not None else None


def _simple_gid(font: PDFSimpleFont, spec: Mapping[str, Any], cid: int, program: Program) -> int | None:
    """The glyph a simple TrueType font prints for `cid` (`Program.simple_glyph`): a symbolic font
    with no Encoding by its cmap alone."""
    encoding = resolve1(spec.get("Encoding"))
    flags = resolve1((resolve1(spec.get("FontDescriptor")) or {}).get("Flags"))
    symbolic = encoding is None and isinstance(flags, int) and bool(flags & 4)
    name = _differences(encoding).get(cid)
    return program.simple_glyph(cid, font.cid2unicode.get(cid), name, by_name=not symbolic)


def _glyph_against(program: Program | None, gid: int, read: str) -> str | None:
    """A code's text against what its glyph is: by the program's cmap or glyph names, else by a font
    installed here that draws the same outline (`reference_fonts`: tester BL's S02, a CID subset
    with neither, whose 万 named 千 read a whole run ×1000 for ×10000)."""
    if program is None:
        return None
    if own := program.chars(gid):
        return _drawn_against(own, read)
    if not any(map(_significant, read)) or not (seen := drawn_as(program, gid)):
        return None
    if any(_same(char, read) for char in seen):
        return None
    return (f"的字形画的是“{'”或“'.join(sorted(seen))}”（与本机所装字体中的字形一模一样），"
            f"文字层（ToUnicode）却写作“{read}”")


def _drawn_against(drawn: set[str] | None, read: str) -> str | None:
    """A code's text against the characters its glyph stands for in the font program (`chars`)."""
    if not drawn or any(_same(char, read) for char in drawn):
        return None
    return _against("”或“".join(sorted(drawn)), read)


def _type3_height(spec: Mapping[str, Any]) -> float | None:
    """How high a Type3 font's glyph box prints, in ems (its FontMatrix on its FontBBox); None unknown."""
    matrix, box = resolve1(spec.get("FontMatrix")), resolve1(spec.get("FontBBox"))
    if not (isinstance(matrix, list) and len(matrix) == 6 and isinstance(box, list) and len(box) == 4):
        return None
    numbers = [resolve1(v) for v in (*matrix, *box)]
    if not all(isinstance(v, int | float) for v in numbers) or numbers[7] == numbers[9]:
        return None  # a box of zeros makes no claim on the glyphs' size
    return abs(float(numbers[3]) * (float(numbers[9]) - float(numbers[7])))


def _against(printed: str | None, read: str) -> str | None:
    if printed is None or _same(printed, read) or not any(map(_significant, printed + read)):
        return None  # quotes, bullets and the like named otherwise: no figure, unit or name changes
    return (f"的字形按字体的编码是“{printed}”，文字层（ToUnicode）却写作“{read or '（空）'}”：字体前后矛盾，"
            "印出的可能是其中任一个")


def _same(printed: str, read: str) -> bool:
    """Whether the two are one character to the reader (`normalise`: width, form, the radical ⼾)."""
    one, other = (normalise(text).translate(_DASHES) for text in (printed, read))
    return one == other


def _significant(char: str) -> bool:
    """A letter, digit (of any script), ideograph or a sign a figure is written with."""
    return char.isalnum() or char in _SIGNS


def _matters(read: str) -> bool:
    return bool(read.strip())


def _differences(encoding: Any) -> dict[int, str]:
    """A simple font's codes renamed by its encoding's Differences array: code -> glyph name."""
    names: dict[int, str] = {}
    code = 0
    for entry in resolve1(encoding.get("Differences")) or [] if isinstance(encoding, dict) else []:
        entry = resolve1(entry)
        if isinstance(entry, int):
            code = entry
        elif isinstance(entry, PSLiteral):
            names[code] = str(entry.name)
            code += 1
    return names


def _embedded(spec: Mapping[str, Any]) -> bool:
    descriptor = resolve1(spec.get("FontDescriptor")) or {}
    return any(name in descriptor for name in _PROGRAMS)


def _descendant(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    fonts = resolve1(spec.get("DescendantFonts"))
    found = resolve1(fonts[0]) if isinstance(fonts, list) and fonts else {}
    return found if isinstance(found, dict) else {}


def _gid(descendant: Mapping[str, Any], cid: int) -> int | None:
    """The glyph a CID draws in an embedded TrueType program (CIDToGIDMap); None for another kind."""
    mapping = resolve1(descendant.get("CIDToGIDMap"))
    if not isinstance(mapping, PDFStream):
        return cid  # /Identity, or none (the same)
    data = mapping.get_data()
    return int.from_bytes(data[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(data) else _BEYOND


def _program(device: FontDevice, descriptor: Any) -> Program | None:
    """The font's embedded TrueType program (FontFile2), read once per page; None when it has none
    or it does not parse (not judged)."""
    descriptor = resolve1(descriptor)
    program = resolve1(descriptor.get("FontFile2")) if isinstance(descriptor, dict) else None
    if not isinstance(program, PDFStream):
        return None
    if id(program) not in device.programs:
        try:
            device.programs[id(program)] = Program(program.get_data())
        except ValueError:
            device.programs[id(program)] = None
    return device.programs[id(program)]


def _unprinted(program: Program | None, gid: int | None, read: str) -> str | None:
    """Why the glyph `gid` prints nothing of `read`: none in the program (.notdef), or no outline."""
    if program is None or gid is None or not _matters(read):
        return None
    if gid == _BEYOND:  # tester BN F5: MuPDF printed other digits, pdfium the right ones
        return f"的 CID 超出字体的 CIDToGIDMap，印出什么取决于阅读器，读不准“{read}”"
    if gid == 0 or program.missing(gid):
        return f"在所嵌入的字体里没有字形，印出来是方框或空白，印不出“{read}”"
    return f"的字形在所嵌入的字体里是空的，什么也不印，印不出“{read}”" if program.blank(gid) else None


def _narrow(font: PDFFont, spec: Mapping[str, Any], cid: int, read: str,
            program: Program | None = None) -> str | None:
    """A letter, digit or ideograph the font advances by (almost) nothing: the next character prints
    over it (tester BL's L02, 2026-12-07: Helvetica given /Widths of 0 printed each figure as one blot,
    while pdfminer spaces a standard font by its own metrics)."""
    if not any(ch.isalnum() or ch in _SIGNS for ch in read) or font.is_vertical():
        return None  # a point or minus too (tester BN F3/F4: 24.39 printed as 2439)
    em = font.char_width(cid)  # a CID font's W, a Type3 font's Widths through its FontMatrix
    if isinstance(font, PDFSimpleFont) and not isinstance(font, PDFType3Font):
        widths, first = resolve1(spec.get("Widths")), resolve1(spec.get("FirstChar"))
        if not (isinstance(widths, list) and isinstance(first, int) and 0 <= cid - first < len(widths)):
            return _program_narrow(font, spec, cid, program)  # no /Widths: a program's own hmtx
        given = resolve1(widths[cid - first])
        em = given / 1000 if isinstance(given, int | float) else 1.0
    if em >= _NARROW:
        return None
    return f"的字宽只有字号的 {em:.2f} 倍（字体的 Widths），后面的字印在它上面，纸上读不出"


def _program_narrow(font: PDFSimpleFont, spec: Mapping[str, Any], cid: int,
                    program: Program | None) -> str | None:
    """`_narrow` for a simple TrueType font with no /Widths for the code: viewers advance by the
    program's hmtx (tester BN F2, 2026-12-08: advances of 0 printed the digits in one blot)."""
    gid = _simple_gid(font, spec, cid, program) if program is not None else None
    em = program.advance(gid) if program is not None and gid else None
    if em is None or em >= _NARROW:
        return None  # a standard font's own metrics, or a program that does not say
    return f"的字宽只有字号的 {em:.2f} 倍（字体程序的 hmtx），后面的字印在它上面，纸上读不出"
