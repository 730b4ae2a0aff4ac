"""A PDF figure whose characters are printed in inks of very different lightness: black digits with
a pale grey digit, sign or bracket beside them (a watermark's or a background's character that
lands in the figure's cell: tester BH F3, 2026-12-07, `2345.6` with a pale `8` after it read
2345.68; tester BI F1, a pale `-` or `( )` around a black 24.39 read -24.39). Which characters
are the figure's cannot be told from the text layer, so the page is refused naming the cell; a
figure printed all in one ink (black, red, a grey, outline-only) is read as before, unless that
ink is so faint against what it is printed on (`_FAINT`: 0.8 grey on paper) that the cell's
digits may be a watermark's alone in an empty cell (tester BK F19). A character drawn as its
outline only beside filled ones counts as pale (tester BI F5: an outline `1` before 24.39).

    refuse_mixed_ink(grid, chars)     # or UnreadableFigure
"""

from __future__ import annotations

import re
from typing import Any

from flows.report_extraction.pdf_inks import lightness
from flows.report_extraction.tables import Grid, cell_chars, quoted
from rpa.errors import UnreadableFigure

_FIGURE = re.compile(r"[0-9０-９+＋\-−－–—().（）．,，]")  # digits, signs, brackets, points
_PALE = 0.5  # a character at least this light (0 black, 1 white) is looked at
_FAINT = 0.8  # a figure printed all this faint (0.8 grey on paper): a watermark's digits, or barely legible
_APART = 0.4  # two characters of one cell this far apart in lightness are not of one ink


def _ink(char: dict[str, Any]) -> float | None:
    """As it prints (`pdf_glyphs.shown_page` tells: opacity, outline), else its fill's lightness; an
    outline-only character is pale: its inside is the paper."""
    shade = char["ink"] if "ink" in char else lightness(char.get("non_stroking_color"),
                                                        str(char.get("ncs") or ""))
    return max(shade, _PALE) if shade is not None and char.get("outline") else shade


def refuse_mixed_ink(grid: Grid, chars: list[dict[str, Any]]) -> None:
    """UnreadableFigure for the first cell of the page's grid whose figure characters are of
    inks far apart in lightness; nothing when none of the page is pale (the usual report)."""
    figures = [c for c in chars if _FIGURE.fullmatch(c.get("text", ""))]
    inks = {id(c): ink for c in figures if (ink := _ink(c)) is not None}
    if not any(ink >= _PALE for ink in inks.values()):
        return
    for cell, inside in cell_chars(grid, [c for c in figures if id(c) in inks]):
        shades = [inks[id(c)] for c in inside]
        faint = [c.get("contrast", 1 - inks[id(c)]) for c in inside]  # against what it is printed on
        if faint and all(f is not None and f <= 1 - _FAINT for f in faint):  # BK F19: a watermark's `8030`
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：“{quoted(cell.text)}”印得极浅（像水印或底纹里的字），不知是不是这一格"
                "的数；整份报表不读，请报送机构改正后重新报送", details={"file": grid.file})
        if shades and max(shades) - min(shades) >= _APART:
            odd = [c for c in inside if inks[id(c)] - min(shades) >= _APART]
            light = "".join(c["text"] for c in odd)
            how = ("只描了边（空心）的" if all(c.get("outline") for c in odd)  # tester BK F11: not faint
                   else "印得很浅的")
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：“{quoted(cell.text)}”所在格中有{how}“{quoted(light)}”（像水印"
                "或底纹里的字），与这个数的深浅不一，不知是不是这个数的；整份报表不读，请报送机构改正后重新报送",
                details={"file": grid.file})

