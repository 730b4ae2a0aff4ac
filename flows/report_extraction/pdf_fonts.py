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
- a CID font with an embedded TrueType program holding a cmap: the character the program maps to
  the CID's glyph against the text; two CIDs drawing one glyph and read as two characters.
Characters that differ only in width or form (a full-width ｌ, a ligature) or are both spaces agree.
Not seen: a program that draws another digit than its cmap and glyph names say (an embedded subset
whose outlines were swapped, a Type3 procedure drawing 7 for `one`): only the drawing tells.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Mapping
from typing import Any

from pdfminer.encodingdb import name2unicode
from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFCIDFont, PDFFont, PDFSimpleFont, PDFType3Font
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfplumber.page import PDFPageAggregatorWithMarkedContent

from flows.report_extraction.numbers import normalise

_PAINTS = re.compile(rb"(?<![A-Za-z*'\"])(?:f\*?|F|B\*?|b\*?|S|s|Do|BI|sh)(?![A-Za-z*])")
_PROGRAMS = ("FontFile", "FontFile2", "FontFile3")
# dashes a producer's ToUnicode may name a hyphen or minus glyph by: one sign to the reader (`numbers`)
_DASHES = str.maketrans({dash: "-" for dash in "\u00ad\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"})
_SIGNS = "+-()（）.,，．%％" + "\u2212\uff0d"
_SPECK = 0.2  # ems: a Type3 glyph box printing lower than this is a speck (a digit box is about 0.7)
_UNDEFINED = "(cid:"  # pdfminer's text for a code no map names: refused as such (`pdf_reader`)


class FontDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page device keeping, for each font and code the page draws, the first character
    made of it; the interpreter gives each font's dictionary (`specs`, by the font's id)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.glyphs: dict[tuple[int, int], tuple[PDFFont, int, LTChar]] = {}
        self.specs: dict[int, Mapping[str, Any]] = {}
        self.cmaps: dict[int, dict[int, set[str]]] = {}  # a TrueType program's glyph -> characters

    def render_char(self, matrix: Any, font: PDFFont, fontsize: float, scaling: float, rise: float,
                    cid: int, ncs: Any, graphicstate: Any) -> float:
        adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        made = self.cur_item._objs[-1] if self.cur_item._objs else None
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
        if isinstance(font, PDFCIDFont):
            descendant = _descendant(spec)
            gid = _gid(descendant, cid)
            why = None
            if gid is not None:
                why = _drawn_against(_program_cmap(device, descendant).get(gid), read)
                first = drawn.setdefault((id(font), gid), (read, char))[0]
                if why is None and not _same(first, read):
                    why = (f"与读作“{first}”的字是同一个字形，却读作“{read}”：字体前后矛盾，"
                           "印出的可能是其中任一个")
        elif isinstance(font, PDFSimpleFont):
            why = _simple(font, spec, cid, read)
        else:
            why = None
        if why is not None:
            return char, why
    return None


def _simple(font: PDFSimpleFont, spec: Mapping[str, Any], cid: int, read: str) -> str | None:
    encoding, type3 = resolve1(spec.get("Encoding")), isinstance(font, PDFType3Font)
    if encoding is None and not type3:
        return None  # the font program's own encoding: nothing to hold the text against
    name = _differences(encoding).get(cid)
    if type3 and _matters(read) and (scale := _type3_height(spec)) is not None and scale < _SPECK:
        return f"所用的 Type3 字体把字形画成字号的 {scale:.3f} 倍高，印出来看不清“{read}”"
    if name is not None and type3 and _paints_nothing(spec, name):
        return f"的字形“{name}”什么也不画，印不出“{read}”" if _matters(read) else None
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


def _drawn_against(drawn: set[str] | None, read: str) -> str | None:
    """A CID's text against the characters its glyph stands for in the font program's cmap."""
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


def _paints_nothing(spec: Mapping[str, Any], name: str) -> bool:
    """Whether a Type3 font's procedure for the glyph `name` is missing or paints nothing."""
    procedure = resolve1((resolve1(spec.get("CharProcs")) or {}).get(name))
    return not isinstance(procedure, PDFStream) or not _PAINTS.search(procedure.get_data())


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
    return int.from_bytes(data[2 * cid:2 * cid + 2], "big") if 2 * cid + 2 <= len(data) else None


def _program_cmap(device: FontDevice, descendant: Mapping[str, Any]) -> dict[int, set[str]]:
    """The embedded TrueType program's own cmap as glyph -> the characters it draws ({} when none)."""
    program = resolve1((resolve1(descendant.get("FontDescriptor")) or {}).get("FontFile2"))
    if not isinstance(program, PDFStream):
        return {}
    if id(program) not in device.cmaps:
        try:
            device.cmaps[id(program)] = _unicode_glyphs(program.get_data())
        except (struct.error, ValueError, IndexError):  # a program that does not parse: not judged
            device.cmaps[id(program)] = {}
    return device.cmaps[id(program)]


def _unicode_glyphs(font: bytes) -> dict[int, set[str]]:
    """A TrueType program's Unicode cmap subtables (format 4 and 12) read as glyph -> characters: a
    glyph may stand for several (一 and the radical ⼀)."""
    tables = {font[12 + 16 * i:16 + 16 * i]: struct.unpack(">I", font[20 + 16 * i:24 + 16 * i])[0]
              for i in range(struct.unpack(">H", font[4:6])[0])}
    glyphs: dict[int, set[str]] = {}
    base = tables.get(b"cmap")
    if base is None:
        return glyphs
    for index in range(struct.unpack(">H", font[base + 2:base + 4])[0]):
        platform, encoding, offset = struct.unpack(">HHI", font[base + 4 + 8 * index:base + 12 + 8 * index])
        if platform == 0 or (platform, encoding) in ((3, 1), (3, 10)):
            for char, gid in _subtable(font, base + offset):
                if gid and 0 <= char <= 0x10FFFF:
                    glyphs.setdefault(gid, set()).add(chr(char))
    return glyphs


def _subtable(font: bytes, at: int) -> Iterator[tuple[int, int]]:
    """(character, glyph) pairs of a cmap subtable in format 4 or 12; none for another format."""
    kind = struct.unpack(">H", font[at:at + 2])[0]
    if kind == 12:
        for group in range(struct.unpack(">I", font[at + 12:at + 16])[0]):
            start, end, first = struct.unpack(">III", font[at + 16 + 12 * group:at + 28 + 12 * group])
            yield from ((char, first + char - start) for char in range(start, min(end, start + 0xFFFF) + 1))
    elif kind == 4:
        count = struct.unpack(">H", font[at + 6:at + 8])[0] // 2
        ends, starts, deltas, ranges = (at + 14, *(at + 16 + 2 * count * part for part in (1, 2, 3)))
        for seg in range(count):
            end, start = (struct.unpack(">H", font[p + 2 * seg:p + 2 * seg + 2])[0] for p in (ends, starts))
            delta = struct.unpack(">h", font[deltas + 2 * seg:deltas + 2 * seg + 2])[0]
            shift = struct.unpack(">H", font[ranges + 2 * seg:ranges + 2 * seg + 2])[0]
            for char in range(start, end + 1) if end != 0xFFFF else ():
                if shift == 0:
                    yield char, (char + delta) & 0xFFFF
                else:
                    spot = ranges + 2 * seg + shift + 2 * (char - start)
                    gid = struct.unpack(">H", font[spot:spot + 2])[0]
                    yield char, (gid + delta) & 0xFFFF if gid else 0
