"""A PDF character's ink as it prints: the lightness of its colour (grey, RGB, CMYK, a spot ink's
tint, a Lab colour's L*), at its opacity, of its stroke when only its outline is drawn.

    lightness((0.8, 0.8, 0.8))    # 0.8: 0 black, 1 white; None for a colour not read
    ink(char)                     # an LTChar's, as `pdf_paint` read its graphic state
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar

from flows.report_extraction.pdf_paint import paint


def ink(char: LTChar) -> float | None:
    """The character's lightness as it prints on paper (0 black, 1 white): its fill, its stroke when
    only its outline is drawn, the darker of the two when both are, at its opacity; None for a
    colour not read."""
    how, state = paint(char), char.graphicstate
    fill = lightness(state.ncolor, getattr(state.ncs, "name", ""), getattr(state.ncs, "ncomponents", None))
    stroke = lightness(state.scolor, getattr(state.scs, "name", ""), getattr(state.scs, "ncomponents", None))
    base = stroke if how.outline else fill
    if how.stroked and fill is not None and stroke is not None:  # hollow digits: a white fill, a black
        base = min(fill, stroke)                                  # stroke (tester BK F25) print black
    return None if base is None else 1.0 - how.opacity * (1.0 - base)


def lightness(color: Any, space: str = "", components: int | None = None) -> float | None:
    """0 (black) to 1 (white) for a grey, RGB, CMYK or spot (tint: 1 is full ink) fill; None for
    one not read (a pattern, an indexed colour)."""
    values = [color] if isinstance(color, int | float) else color
    if not isinstance(values, tuple | list) or not all(isinstance(v, int | float) for v in values):
        return None
    if components is not None and len(values) != components:  # a colour space set, its colour not
        return None  # (pdfminer keeps the last one: `/DeviceRGB cs` after `1 g` reads white)
    if space in ("Separation", "DeviceN") and len(values) == 1:
        return 1.0 - float(values[0])
    if space in ("Pattern", "Indexed"):
        return None
    if space == "Lab" and len(values) == 3:
        return min(max(float(values[0]) / 100, 0.0), 1.0)  # L* of 0-100
    if len(values) == 1:
        return float(values[0])
    if len(values) == 3:
        r, g, b = values
        return 0.299 * r + 0.587 * g + 0.114 * b
    if len(values) == 4:
        c, m, y, k = values
        return (1 - k) * (0.299 * (1 - c) + 0.587 * (1 - m) + 0.114 * (1 - y))
    return None
