"""A character's box set at a usual descent when its font's says something no font means.

    usual_box(char, font, fontsize, rise)   # in place, as the page is read (`pdf_fonts.FontDevice`)

pdfminer sets a character's box from its baseline by the font's descent: the FontDescriptor's
/Descent, or for a Type3 font its FontBBox through its FontMatrix. Viewers print the glyph on its
baseline whatever these say, so a descent in the wrong units (font units of a 2048-unit font) or a
Type3 font whose glyph space is not 1000 units an em moved each character's box a row down while the
page printed as usual: tester BN F9 (2026-12-08), a /Descent of -1200 or a FontMatrix of 0.003 read
every figure in the row below its own (储蓄存款余额 = 4, the 开户数), exit 0. A descent outside
-0.7..0.05 em (a usual one: -0.12 to -0.47, a matplotlib Type3 font's FontBBox) is taken as -0.25 em.
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFFont
from pdfminer.utils import apply_matrix_pt

_DESCENTS = (-0.7, 0.05)  # ems a font's descent may say
_USUAL = -0.25


def usual_box(char: LTChar, font: PDFFont, fontsize: float, rise: float) -> None:
    """Set `char`'s box as pdfminer would with a descent of -0.25 em, when its font's is unusual
    (horizontal text only: a vertical font's boxes are its own)."""
    try:
        descent = float(font.get_descent())
    except (TypeError, ValueError):
        return
    if font.is_vertical() or not fontsize or _DESCENTS[0] <= descent <= _DESCENTS[1]:
        return
    lower = _USUAL * fontsize + rise
    corners: list[Any] = [apply_matrix_pt(char.matrix, (x, y))
                          for x in (0, char.adv) for y in (lower, lower + fontsize)]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    char.set_bbox((min(xs), min(ys), max(xs), max(ys)))
    char.size = char.height
