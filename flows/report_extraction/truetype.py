"""An embedded TrueType program, read just enough to say which glyph a code prints and whether that
glyph draws anything (`pdf_fonts` holds it against the text layer).

    program = Program(data)              # ValueError when its tables do not parse
    program.chars(gid)                   # the characters its Unicode cmap and post name give a glyph
    program.simple_glyph(code, "5", "five")  # a simple font's glyph for a code: 0 .notdef, None unknown
    program.missing(gid), program.blank(gid)  # beyond the program's glyphs; no outline
    program.outline(gid), program.glyph_for("万")  # a glyph's points; a character's glyph

A simple TrueType font finds a code's glyph through the program's cmap (Unicode by the encoding's
glyph name, or the code itself in a symbol or Macintosh subtable) and, failing that, by the glyph's
name in the `post` table; with none it prints glyph 0, .notdef (a box, or nothing). Tester BL's C05
and C06 of 2026-12-07: a DejaVu subset whose cmap had no 5 printed □94,947.21 for 594,947.21, read
from the text layer as written. Where the program says too little to tell (no cmap, a subtable
format not read here, a standard Macintosh glyph name beyond the ASCII ones), nothing is claimed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import cached_property

from pdfminer.encodingdb import name2unicode

_SYMBOL_PAGES = (0, 0xF000, 0xF100, 0xF200)  # where a (3, 0) subtable may put a one-byte code
_LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
# the standard Macintosh glyph order of a `post` table, as far as ASCII goes (indices 0-93)
_MAC_NAMES = [
    ".notdef", ".null", "nonmarkingreturn", "space", "exclam", "quotedbl", "numbersign", "dollar",
    "percent", "ampersand", "quotesingle", "parenleft", "parenright", "asterisk", "plus", "comma",
    "hyphen", "period", "slash", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "colon", "semicolon", "less", "equal", "greater", "question", "at", *_LETTERS,
    "bracketleft", "backslash", "bracketright", "asciicircum", "underscore", "grave",
    *(letter.lower() for letter in _LETTERS)]
_ASCII_SHIFT = ord(" ") - _MAC_NAMES.index("space")
_MAC_STANDARD = 258  # post format 2 indices below this are Macintosh names, above its own strings


class Program:
    """A TrueType program's tables: its cmap subtables, glyph count, glyph outlines and post names."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        """`at`: where the table directory starts (a font of a .ttc: its offsets are the file's)."""
        self.data = data
        try:
            count = struct.unpack(">H", data[at + 4:at + 6])[0]
            records = (at + 12 + 16 * i for i in range(count))
            self.tables = {data[r:r + 4]: struct.unpack(">II", data[r + 8:r + 16]) for r in records}
            self.cmaps = dict(self._cmaps())
            self.count = self._glyph_count()
            self.outlines = self._outline_offsets()
        except (struct.error, IndexError) as bad:
            raise ValueError("a TrueType program whose tables do not parse") from bad

    @cached_property
    def names(self) -> dict[str, int]:
        """Glyph name -> glyph by the post table (format 2); `names_known` False when a name is
        a Macintosh one beyond ASCII, not listed here."""
        return self._post[0]

    @cached_property
    def names_known(self) -> bool:
        return self._post[1]

    @cached_property
    def _post(self) -> tuple[dict[str, int], bool]:
        try:
            return self._post_names()
        except (struct.error, IndexError, UnicodeDecodeError):
            return {}, False

    def glyph_for(self, char: str) -> int:
        """The glyph a Unicode subtable gives the character (0: none)."""
        return next((table.get(ord(char), 0) for (platform, encoding), table in self.cmaps.items()
                     if table is not None and (platform == 0 or (platform, encoding) in ((3, 1), (3, 10)))
                     and table.get(ord(char))), 0)

    @cached_property
    def by_glyph(self) -> dict[int, set[str]]:
        """The Unicode subtables read as glyph -> characters: a glyph may stand for several (一 and
        the radical ⼀)."""
        glyphs: dict[int, set[str]] = {}
        for (platform, encoding), table in self.cmaps.items():
            if table is not None and (platform == 0 or (platform, encoding) in ((3, 1), (3, 10))):
                for char, gid in table.items():
                    if gid and 0 <= char <= 0x10FFFF:
                        glyphs.setdefault(gid, set()).add(chr(char))
        return glyphs

    def chars(self, gid: int) -> set[str]:
        """The characters the glyph stands for by the Unicode cmap and by its post name (uni4E07)."""
        return self.by_glyph.get(gid, set()) | self._named.get(gid, set())

    def outline(self, gid: int) -> tuple[tuple[int, ...], ...] | None:
        """The glyph's simple outline as its contours' ends, on-curve flags and points (a subsetter
        copies it as it is, with or without its instructions); None for a composite, empty or
        unreadable glyph."""
        if self.outlines is None or gid + 1 >= len(self.outlines) or self.blank(gid):
            return None
        base = self.tables[b"glyf"][0]
        glyph = self.data[base + self.outlines[gid]:base + self.outlines[gid + 1]]
        try:
            return _simple_outline(glyph)
        except (struct.error, IndexError):
            return None

    @cached_property
    def _named(self) -> dict[int, set[str]]:
        named: dict[int, set[str]] = {}
        for name, gid in self.names.items():
            try:
                named.setdefault(gid, set()).add(name2unicode(name))
            except (KeyError, ValueError):
                continue  # glyph12, a private name: says nothing
        return named

    def simple_glyph(self, code: int, char: str | None, name: str | None, *,
                     by_name: bool = True) -> int | None:
        """The glyph a simple font prints for `code` (whose encoding names it `name`, character
        `char`): 0 when it prints .notdef, None when the program cannot tell. `by_name` False: a
        symbolic font with no Encoding, whose glyphs viewers take from the cmap alone (tester BN F1,
        2026-12-08: post names for a 7 its cmap lacked; pdfium and MuPDF printed the box)."""
        tried: list[int | None] = []
        for (platform, encoding), table in self.cmaps.items():
            if table is None:
                continue
            if platform == 0 or (platform, encoding) in ((3, 1), (3, 10)):
                tried.append(table.get(ord(char)) if char is not None and len(char) == 1 else None)
            elif (platform, encoding) == (3, 0):
                tried.extend(table.get(page + code) for page in _SYMBOL_PAGES)
            elif platform == 1:
                tried.append(table.get(code))
        if by_name and name is None and char is not None and " " < char <= "z":
            name = _MAC_NAMES[ord(char) - _ASCII_SHIFT]  # a base encoding's name for an ASCII code
        if by_name and name is not None:
            tried.append(self.names.get(name))
        found = next((gid for gid in tried if gid), None)
        if found is not None:
            return found
        unread = not self.cmaps or any(table is None for table in self.cmaps.values())
        return None if unread or (by_name and not self.names_known) else 0

    def advance(self, gid: int) -> float | None:
        """How far the glyph advances, in ems (hmtx over head's unitsPerEm); None when not told."""
        head, hhea, hmtx = (self.tables.get(tag) for tag in (b"head", b"hhea", b"hmtx"))
        if head is None or hhea is None or hmtx is None:
            return None
        try:
            units = struct.unpack(">H", self.data[head[0] + 18:head[0] + 20])[0]
            metrics = struct.unpack(">H", self.data[hhea[0] + 34:hhea[0] + 36])[0]
            if not units or not metrics:
                return None
            at = hmtx[0] + 4 * min(gid, metrics - 1)  # glyphs past the last metric share its advance
            return struct.unpack(">H", self.data[at:at + 2])[0] / units
        except struct.error:
            return None

    def missing(self, gid: int) -> bool:
        """Whether the glyph is beyond the program's glyphs (a viewer prints .notdef)."""
        return self.count is not None and gid >= self.count

    def blank(self, gid: int) -> bool:
        """Whether the glyph has no outline: it prints nothing."""
        if self.outlines is None or gid + 1 >= len(self.outlines):
            return False
        return self.outlines[gid + 1] <= self.outlines[gid]

    def _cmaps(self) -> Iterator[tuple[tuple[int, int], dict[int, int] | None]]:
        base = self.tables.get(b"cmap", (None, 0))[0]
        if base is None:
            return
        data = self.data
        for index in range(struct.unpack(">H", data[base + 2:base + 4])[0]):
            record = base + 4 + 8 * index
            platform, encoding, offset = struct.unpack(">HHI", data[record:record + 8])
            pairs = _subtable(data, base + offset)
            yield (platform, encoding), None if pairs is None else dict(pairs)

    def _glyph_count(self) -> int | None:
        at = self.tables.get(b"maxp", (None, 0))[0]
        return None if at is None else int(struct.unpack(">H", self.data[at + 4:at + 6])[0])

    def _outline_offsets(self) -> list[int] | None:
        head, loca = self.tables.get(b"head"), self.tables.get(b"loca")
        if head is None or loca is None or b"glyf" not in self.tables or self.count is None:
            return None
        long = struct.unpack(">h", self.data[head[0] + 50:head[0] + 52])[0] == 1
        size = 4 if long else 2
        count = min(self.count + 1, loca[1] // size)
        offsets = struct.unpack(f">{count}{'I' if long else 'H'}",
                                self.data[loca[0]:loca[0] + size * count])
        return [offset * (1 if long else 2) for offset in offsets]

    def _post_names(self) -> tuple[dict[str, int], bool]:
        """Glyph name -> glyph from a format 2 post table, and whether every name was known."""
        at = self.tables.get(b"post", (None, 0))[0]
        if at is None or self.data[at:at + 4] != b"\0\2\0\0":
            return {}, at is None or self.data[at:at + 4] == b"\0\3\0\0"  # format 3 names nothing
        data, count = self.data, struct.unpack(">H", self.data[at + 32:at + 34])[0]
        indices = struct.unpack(f">{count}H", data[at + 34:at + 34 + 2 * count])
        strings, spot = [], at + 34 + 2 * count
        while spot < at + self.tables[b"post"][1]:
            strings.append(data[spot + 1:spot + 1 + data[spot]].decode("latin-1"))
            spot += 1 + data[spot]
        names: dict[str, int] = {}
        known = True
        for gid, index in enumerate(indices):
            if index < len(_MAC_NAMES):
                names.setdefault(_MAC_NAMES[index], gid)
            elif index < _MAC_STANDARD:
                known = False  # a Macintosh name beyond ASCII: not listed here
            elif index - _MAC_STANDARD < len(strings):
                names.setdefault(strings[index - _MAC_STANDARD], gid)
        return names, known


def _subtable(font: bytes, at: int) -> list[tuple[int, int]] | None:
    """(code, glyph) pairs of a cmap subtable in format 0, 4, 6 or 12; None for another format."""
    kind = struct.unpack(">H", font[at:at + 2])[0]
    if kind == 0:
        return list(enumerate(font[at + 6:at + 262]))
    if kind == 6:
        first, count = struct.unpack(">HH", font[at + 6:at + 10])
        glyphs = struct.unpack(f">{count}H", font[at + 10:at + 10 + 2 * count])
        return [(first + i, gid) for i, gid in enumerate(glyphs)]
    if kind == 12:
        pairs: list[tuple[int, int]] = []
        for group in range(struct.unpack(">I", font[at + 12:at + 16])[0]):
            start, end, first = struct.unpack(">III", font[at + 16 + 12 * group:at + 28 + 12 * group])
            pairs.extend((char, first + char - start) for char in range(start, min(end, start + 0xFFFF) + 1))
        return pairs
    if kind == 4:
        return list(_format4(font, at))
    return None


def _format4(font: bytes, at: int) -> Iterator[tuple[int, int]]:
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


def _simple_outline(glyph: bytes) -> tuple[tuple[int, ...], ...] | None:
    contours = struct.unpack(">h", glyph[:2])[0]
    if contours <= 0:
        return None  # a composite names other glyphs by number, which a subset renumbers
    ends = struct.unpack(f">{contours}H", glyph[10:10 + 2 * contours])
    instructions = struct.unpack(">H", glyph[10 + 2 * contours:12 + 2 * contours])[0]
    points, spot = ends[-1] + 1, 12 + 2 * contours + instructions
    flags: list[int] = []
    while len(flags) < points:
        flag, spot = glyph[spot], spot + 1
        repeat = glyph[spot] if flag & 8 else 0
        spot += 1 if flag & 8 else 0
        flags.extend([flag] * (1 + repeat))
    flags = flags[:points]
    coordinates: list[tuple[int, ...]] = []
    for short, same in ((2, 16), (4, 32)):  # x, then y: a byte (signed by `same`), nothing, or a word
        value, values = 0, []
        for flag in flags:
            if flag & short:
                value, spot = value + (glyph[spot] if flag & same else -glyph[spot]), spot + 1
            elif not flag & same:
                value, spot = value + struct.unpack(">h", glyph[spot:spot + 2])[0], spot + 2
            values.append(value)
        coordinates.append(tuple(values))
    return ends, tuple(flag & 1 for flag in flags), *coordinates
