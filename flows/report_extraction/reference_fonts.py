"""What an embedded glyph draws, told by the fonts installed on this machine, when its program says
nothing (no cmap, no glyph names).

    drawn_as(program, gid)   # {"万"}: the characters an installed font draws with the glyph's outline

A CID subset with neither a cmap nor glyph names holds only outlines (tester BL's S01 and S02,
2026-12-07, "the commonest CID subset": a ToUnicode naming its 万 千 read every figure of a run ×1000
for ×10000, its 7 named 1 read 203,735.26 as 203,135.26). A subsetter copies an outline as it is,
so an installed font of the family tells: the glyph's points equal to those of the installed 万.
Only the characters a figure, its unit, a code and a date are written with are looked up; a font
not installed here, or a glyph drawn anew, says nothing (not judged). The fonts are read once, the
first time a page needs them.
"""

from __future__ import annotations

import os
import struct
from functools import cache
from pathlib import Path

from flows.report_extraction.truetype import Program

_CHARS = "0123456789万千百亿元角分年月日-+.,()（）%"
_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_Outline = tuple[tuple[int, ...], ...]


def drawn_as(program: Program, gid: int) -> set[str]:
    """The characters whose outline, in a font installed here, the glyph has ({} when none)."""
    outline = program.outline(gid)
    return set(_references().get(outline, ())) if outline is not None else set()


@cache
def _references() -> dict[_Outline, frozenset[str]]:
    found: dict[_Outline, set[str]] = {}
    for path in _font_files():
        for font in _fonts_in(path):
            for char in _CHARS:
                gid = font.glyph_for(char)
                if gid and (outline := font.outline(gid)) is not None:
                    found.setdefault(outline, set()).add(char)
    return {outline: frozenset(chars) for outline, chars in found.items()}


def _font_files() -> list[Path]:
    dirs = [Path(d).expanduser() for d in _DIRS]
    if os.environ.get("WINDIR"):
        dirs.append(Path(os.environ["WINDIR"]) / "Fonts")
    return sorted(path for folder in dirs if folder.is_dir() for path in folder.rglob("*")
                  if path.suffix.lower() in (".ttf", ".ttc") and path.is_file())


def _fonts_in(path: Path) -> list[Program]:
    """The TrueType programs of a .ttf, or of each font of a .ttc; none where they do not parse."""
    try:
        data = path.read_bytes()
        starts = [0]
        if data[:4] == b"ttcf":
            count = struct.unpack(">I", data[8:12])[0]
            starts = list(struct.unpack(f">{count}I", data[12:12 + 4 * count]))
        return [Program(data, at) for at in starts]
    except (OSError, ValueError, struct.error):
        return []
