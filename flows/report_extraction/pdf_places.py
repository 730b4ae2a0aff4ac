"""Where a character of a PDF page is, as a refusal of `pdf_glyphs` names it, and the page's
objects in the order they are painted.

    char_place(page, char)    # "（位置 510, 129，所在行“储蓄存款余额 万元 83,655.26 …”）：「7」"

The line a character is printed on names its row: a bare position left a clerk to find which
of the figures with a 7 was meant (tester BN F11, 2026-12-08).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pdfminer.layout import LTChar, LTFigure

LINE_SHOWN = 40  # characters of the line said; a longer line is cut with …


def in_paint_order(objects: Iterable[Any]) -> Iterator[Any]:
    """The layout's objects in the order painted, those of form XObjects where they are."""
    for obj in objects:
        if isinstance(obj, LTFigure):
            yield from in_paint_order(obj)
        else:
            yield obj


def char_place(page: Any, char: LTChar) -> str:
    """`char`'s position (points from the page's left and top) and the line it is printed on."""
    line = sorted((c for c in in_paint_order(page.layout) if isinstance(c, LTChar) and _same_line(c, char)),
                  key=lambda c: c.x0)
    text = "".join((" " if at and c.x0 - line[at - 1].x1 > c.width / 2 else "") + c.get_text()
                   for at, c in enumerate(line)).strip()
    said = f"，所在行“{text if len(text) <= LINE_SHOWN else text[:LINE_SHOWN] + '…'}”" if text else ""
    return f"（位置 {char.x0:.0f}, {page.height - char.y1:.0f}{said}）：「{char.get_text()}」"


def _same_line(one: LTChar, two: LTChar) -> bool:
    return min(one.y1, two.y1) - max(one.y0, two.y0) > min(one.height, two.height) / 2
