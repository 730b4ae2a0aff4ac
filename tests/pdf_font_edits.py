"""Fonts of a PDF changed by hand, as incremental updates, the way a producer's or post-processor's
font handling makes the text layer say another character than the glyph printed:

    name_codes(path, {0x36: "1"})            # the page's Helvetica: a ToUnicode naming code 0x36 `1`
    name_codes(path, {}, glyphs={0x36: "g17"})  # its Encoding renames code 0x36 (a glyph it has not)
    add_cid_font(path, "FW", program, {cid: "千"}, gids={cid: gid})  # a Type0 font the content uses
    add_type3_font(path, "T3", {0x2E: "period", ...}, blank={"period"})  # a glyph that paints nothing
    add_truetype_font(path, "TT", with_cmap(program, {"5": 0, ...}))  # a subset whose 5 is .notdef
    set_widths(path, [0] * 26)              # the page's Helvetica: codes 32-57 advance by nothing

The content that draws in the added CID font is written with reportlab's `addLiteral`
(`BT /FW 10 Tf 60 700 Td <4E07> Tj ET`); `program` is a TrueType program (`collection_font`
takes one out of a .ttc) and `glyph_ids` gives its glyphs by character, read with pdfminer's own
TrueType reader.
"""

from __future__ import annotations

import re
import struct
import zlib
from io import BytesIO
from pathlib import Path

from pdfminer.pdffont import TrueTypeFont

from tests.pdf_layers import _object


def name_codes(path: Path, names: dict[int, str], *, glyphs: dict[int, str] | None = None,
               base: bytes = b"Helvetica") -> Path:
    """Give the page's `base` font a ToUnicode map naming each printable code as itself but those
    in `names` (none when `names` is empty), and an Encoding whose Differences rename the codes in
    `glyphs` to those glyph names; in place."""
    data = path.read_bytes()
    number, font = _object(data, rb"/BaseFont /" + base + rb"\b")
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    objects: list[tuple[int, bytes]] = []
    if names:
        text = {code: chr(code) for code in range(0x20, 0x7F)} | names
        objects.append((size, _stream(_cmap(text, 1))))
        font = font.replace(b"<<", b"<< /ToUnicode %d 0 R" % size, 1)
    if glyphs:
        renamed = b" ".join(b"%d /%s" % (code, name.encode()) for code, name in sorted(glyphs.items()))
        font = re.sub(rb"/Encoding /WinAnsiEncoding", b"/Encoding << /BaseEncoding /WinAnsiEncoding "
                      b"/Differences [ " + renamed + b" ] >>", font)
    return _update(path, data, [(number, font), *objects])


def add_cid_font(path: Path, name: str, program: bytes, names: dict[int, str], *,
                 gids: dict[int, int] | None = None) -> Path:
    """Add a Type0 font `name` (Identity-H, one CIDFontType2 embedding `program`) to the page's
    fonts, its ToUnicode naming each CID as in `names`; `gids`: a CIDToGIDMap stream sending these
    CIDs to these glyphs (else /Identity: the CID is the glyph); in place."""
    data = path.read_bytes()
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    fonts_number, fonts = _object(data, rb"/F1 \d+ 0 R")  # reportlab's page font dictionary
    top, cid_font, descriptor, file, to_unicode, gid_map = range(size, size + 6)
    mapping = b"/Identity"
    objects = [(file, _stream(program, b"/Length1 %d" % len(program))),
               (to_unicode, _stream(_cmap(names, 2)))]
    if gids:
        table = bytearray(2 * (max(gids) + 1))
        for cid, gid in gids.items():
            table[2 * cid:2 * cid + 2] = gid.to_bytes(2, "big")
        objects.append((gid_map, _stream(bytes(table))))
        mapping = b"%d 0 R" % gid_map
    objects += [
        (top, b"<< /Type /Font /Subtype /Type0 /BaseFont /HAND+Font /Encoding /Identity-H "
              b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)),
        (cid_font, b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /HAND+Font /CIDSystemInfo "
                   b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
                   b"/DW 1000 /CIDToGIDMap %s >>" % (descriptor, mapping)),
        (descriptor, b"<< /Type /FontDescriptor /FontName /HAND+Font /Flags 4 /FontBBox [0 -200 1000 800] "
                     b"/ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 "
                     b"/FontFile2 %d 0 R >>" % file),
        (fonts_number, fonts.replace(b"<<", b"<< /%s %d 0 R" % (name.encode(), top), 1)),
    ]
    return _update(path, data, objects)


def add_type3_font(path: Path, name: str, glyphs: dict[int, str], blank: frozenset[str] = frozenset(),
                   scale: float = 0.001, looped: frozenset[str] = frozenset(),
                   procedures: dict[str, bytes] | None = None) -> Path:
    """Add a Type3 font `name` to the page's fonts: each code of `glyphs` named by its glyph name in the
    Encoding's Differences, each glyph's procedure filling a box, but those in `blank` painting
    nothing (a `d0` and no path), those in `looped` showing a 7 in the font itself, and those in
    `procedures` painting as given (its Resources name Helvetica /Helv and a form /Seven showing 1 in
    it); no ToUnicode: the text is read from the glyph names; its FontMatrix scales glyph space by
    `scale` (0.001: 1000 units an em); in place."""
    data = path.read_bytes()
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    fonts_number, fonts = _object(data, rb"/F1 \d+ 0 R")
    names = sorted(set(glyphs.values()))
    top, procs = size, {glyph: size + 1 + index for index, glyph in enumerate(names)}
    helv, form = size + len(names) + 1, size + len(names) + 2
    loop = b"600 0 d0 BT /%s 1000 Tf 0 0 Td (7) Tj ET" % name.encode()
    given = procedures or {}
    objects = [(number, _stream(b"600 0 d0" if glyph in blank else loop if glyph in looped
                                else given.get(glyph, b"600 0 d0 50 0 500 700 re f")))
               for glyph, number in procs.items()]
    objects += [(helv, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
                (form, _stream(b"BT /Helv 1000 Tf 0 0 Td (1) Tj ET", b"/Type /XObject /Subtype /Form "
                               b"/BBox [0 -200 1000 1000] /Resources << /Font << /Helv %d 0 R >> >>" % helv))]
    first, last = min(glyphs), max(glyphs)
    differences = b" ".join(b"%d /%s" % (code, glyph.encode()) for code, glyph in sorted(glyphs.items()))
    objects += [
        (top, b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 600 700] /FontMatrix [%s 0 0 %s 0 0] "
              b"/CharProcs << %s >> /Encoding << /Type /Encoding /Differences [ %s ] >> /FirstChar %d "
              b"/LastChar %d /Widths [ %s ] /Resources << /Font << /%s %d 0 R /Helv %d 0 R >> "
              b"/XObject << /Seven %d 0 R >> >> >>"
              % (b"%.6f" % scale, b"%.6f" % scale,
                 b" ".join(b"/%s %d 0 R" % (g.encode(), n) for g, n in procs.items()), differences,
                 first, last, b" ".join(b"600" for _ in range(first, last + 1)), name.encode(), top, helv,
                 form)),
        (fonts_number, fonts.replace(b"<<", b"<< /%s %d 0 R" % (name.encode(), top), 1)),
    ]
    return _update(path, data, objects)


def add_truetype_font(path: Path, name: str, program: bytes, names: dict[int, str] | None = None, *,
                      descent: int = -200, widths: bool = True) -> Path:
    """Add a simple TrueType font `name` to the page's fonts (the codes 32-126 600 units wide)
    embedding `program`: WinAnsi with no ToUnicode, or, given `names`, symbolic with no Encoding (its
    program's (3, 0) cmap finds the glyphs) and a ToUnicode naming each code as in `names`; its
    FontDescriptor's /Descent `descent`; no /Widths when `widths` is False (viewers then advance by
    the program's hmtx); in place."""
    data = path.read_bytes()
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    fonts_number, fonts = _object(data, rb"/F1 \d+ 0 R")
    top, descriptor, file, to_unicode = range(size, size + 4)
    text = b"/Encoding /WinAnsiEncoding" if names is None else b"/ToUnicode %d 0 R" % to_unicode
    return _update(path, data, [
        (file, _stream(program, b"/Length1 %d" % len(program))),
        (descriptor, b"<< /Type /FontDescriptor /FontName /ABCDEF+Hand /Flags %d /FontBBox [0 -200 1000 900] "
                     b"/ItalicAngle 0 /Ascent 900 /Descent %d /CapHeight 700 /StemV 80 /FontFile2 %d 0 R >>"
                     % (32 if names is None else 4, descent, file)),
        (top, b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Hand %s %s /FontDescriptor %d 0 R >>"
              % (text, b"/FirstChar 32 /LastChar 126 /Widths [ %s ]" % b" ".join([b"600"] * 95)
                 if widths else b"", descriptor)),
        (to_unicode, _stream(_cmap(names or {}, 1))),
        (fonts_number, fonts.replace(b"<<", b"<< /%s %d 0 R" % (name.encode(), top), 1)),
    ])


def set_widths(path: Path, widths: list[int], *, first: int = 32, base: bytes = b"Helvetica") -> Path:
    """Give the page's `base` font the /Widths `widths` from code `first` on; in place."""
    data = path.read_bytes()
    number, font = _object(data, rb"/BaseFont /" + base + rb"\b")
    given = b"/FirstChar %d /LastChar %d /Widths [ %s ]" % (
        first, first + len(widths) - 1, b" ".join(b"%d" % width for width in widths))
    return _update(path, data, [(number, font.replace(b"<<", b"<< " + given, 1))])


def with_cmap(program: bytes, glyphs: dict[str, int], *, symbol: bool = False) -> bytes:
    """The program with its cmap table replaced by one Windows subtable (format 4) giving each
    character of `glyphs` its glyph, and no other, and its post table naming no glyph (format 3),
    as a subsetter leaves a program (tester BL's C05: DejaVu Sans so subset); `symbol`: a symbol
    subtable (3, 0) instead of a Unicode one, its post names kept (BL's Q03: a one-byte CJK subset)."""
    codes = [*sorted(ord(char) for char in glyphs), 0xFFFF]
    count = len(codes)
    deltas = [*((glyphs[chr(code)] - code) & 0xFFFF for code in codes[:-1]), 1]
    table = struct.pack(">HHH", 4, 16 + 8 * count, 0) + struct.pack(">HHHH", 2 * count, 0, 0, 0)
    table += struct.pack(f">{count}H", *codes) + b"\0\0" + struct.pack(f">{count}H", *codes)
    table += struct.pack(f">{count}H", *deltas) + b"\0\0" * count
    cmap = struct.pack(">HHHHI", 0, 1, 3, 0 if symbol else 1, 12) + table
    count_tables = struct.unpack(">H", program[4:6])[0]
    records = [struct.unpack(">4sIII", program[12 + 16 * i:28 + 16 * i]) for i in range(count_tables)]
    head, body = bytearray(program[:12]), bytearray()
    start = 12 + 16 * count_tables
    for tag, checksum, offset, length in records:
        content = cmap if tag == b"cmap" else program[offset:offset + length]
        content = b"\0\3\0\0" + content[4:32] if tag == b"post" and not symbol else content
        head += struct.pack(">4sIII", tag, checksum, start + len(body), len(content))
        body += content + b"\0" * (-len(content) % 4)
    return bytes(head + body)


def with_advances(program: bytes, advances: dict[int, int]) -> bytes:
    """The program with the hmtx advances of the glyphs in `advances` set (in its units)."""
    data = bytearray(program)
    tables = {bytes(data[12 + 16 * i:16 + 16 * i]): struct.unpack(">I", data[20 + 16 * i:24 + 16 * i])[0]
              for i in range(struct.unpack(">H", data[4:6])[0])}
    for gid, advance in advances.items():
        data[tables[b"hmtx"] + 4 * gid:tables[b"hmtx"] + 4 * gid + 2] = advance.to_bytes(2, "big")
    return bytes(data)


def collection_font(path: Path, index: int = 0) -> bytes:
    """The `index`th font of a TrueType collection (.ttc) as a TrueType program of its own."""
    data = path.read_bytes()
    at = struct.unpack(">I", data[12 + 4 * index:16 + 4 * index])[0]
    count = struct.unpack(">H", data[at + 4:at + 6])[0]
    records = [struct.unpack(">4sIII", data[at + 12 + 16 * i:at + 28 + 16 * i]) for i in range(count)]
    head, body = bytearray(data[at:at + 12]), bytearray()
    start = 12 + 16 * count
    for tag, checksum, offset, length in records:
        head += struct.pack(">4sIII", tag, checksum, start + len(body), length)
        body += data[offset:offset + length] + b"\0" * (-length % 4)
    return bytes(head + body)


def glyph_ids(program: bytes, text: str) -> list[int]:
    """The glyph the program's cmap gives each character of `text`."""
    glyphs = TrueTypeFont("", BytesIO(program)).create_unicode_map().cid2unichr
    by_char: dict[str, int] = {}
    for gid, char in sorted(glyphs.items()):
        by_char.setdefault(str(char), gid)
    return [by_char[char] for char in text]


def without_cmap(program: bytes) -> bytes:
    """The program with its cmap table renamed away and its post table naming no glyph (format 3),
    as a subsetter may leave a program: nothing in it says which character a glyph is."""
    data = bytearray(program.replace(b"cmap", b"xmap", 1))
    for index in range(struct.unpack(">H", data[4:6])[0]):
        if data[12 + 16 * index:16 + 16 * index] == b"post":
            at = struct.unpack(">I", data[20 + 16 * index:24 + 16 * index])[0]
            data[at:at + 4] = b"\0\3\0\0"
    return bytes(data)


def _cmap(names: dict[int, str], width: int) -> bytes:
    lines = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             b"/CMapName /Hand def /CMapType 2 def",
             b"1 begincodespacerange <%s> <%s> endcodespacerange" % (b"00" * width, b"FF" * width)]
    for code, text in sorted(names.items()):
        named = text.encode("utf-16-be").hex().encode()
        lines.append(b"1 beginbfchar <%0*X> <%s> endbfchar" % (2 * width, code, named))
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


def _stream(content: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(content)
    return b"<< /Length %d /Filter /FlateDecode %s >>\nstream\n%s\nendstream" % (len(packed), extra, packed)


def _update(path: Path, data: bytes, objects: list[tuple[int, bytes]]) -> Path:
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    root = int(re.findall(rb"/Root (\d+) 0 R", data)[-1])
    update, offsets = b"\n", {}
    for number, body in objects:
        offsets[number] = len(data) + len(update)
        update += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, at) for n, at in sorted(offsets.items()))
    size = max([*offsets, int(re.findall(rb"/Size (\d+)", data)[-1]) - 1]) + 1
    trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, previous, len(data) + len(update))
    path.write_bytes(data + update + table + trailer)
    return path
