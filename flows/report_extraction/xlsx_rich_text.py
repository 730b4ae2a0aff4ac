"""An xlsx cell's rich text as the text it shows, a raised or lowered run kept raised or lowered.

A cell of rich text holds runs, each with its own font: `83,655.26` and a run `3` set superscript
(vertAlign) show `83,655.26³`, a footnote's mark. Glued together, as openpyxl hands rich text over
unless told to keep it, the runs read `83,655.263`: the mark became a digit of the figure. Here
each character of a superscript or subscript run becomes its raised or lowered form (`3` -> `³`,
`1` -> `₁`, `-` -> `⁻`), as a PDF's small raised digit does (pdf_reader), so that the figure is
refused naming the mark (figure_marks.footnote_mark); NFKC folds them back in labels and titles. A
character with no such form (`*`, `注`) stays as typed: beside a figure it is no digit either.

    shown_text(CellRichText(["83,655.26", TextBlock(InlineFont(vertAlign="superscript"), "3")]))
    # '83,655.26³'

A run printed much smaller than the cell's largest text (`83,655.26` and a 6-point `1`) is a mark
as well, as a PDF's small digit is. The colour of a run matters too (`runs_painted`): a white `-`
before `24.39` prints 24.39 over a stored -24.39, and red digits print a red (negative) figure
whatever the cell's own font says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import Any

from openpyxl.styles.colors import COLOR_INDEX

# where Unicode keeps raised and lowered characters: Latin-1 (¹²³), modifier letters, phonetic
# extensions, super- and subscripts, Latin Extended-C, CJK (㆒ 一 raised, kanbun)
_BLOCKS = ((0x00A0, 0x0100), (0x02B0, 0x0300), (0x1D00, 0x1DC0), (0x2070, 0x20A0), (0x2C7C, 0x2C7E),
           (0x3190, 0x31A0))


@cache
def _forms(tag: str) -> dict[str, str]:
    """Each character that has a `<super>` (or `<sub>`) form, mapped to that form."""
    forms: dict[str, str] = {}
    for start, end in _BLOCKS:
        for point in range(start, end):
            parts = unicodedata.decomposition(chr(point)).split()
            if len(parts) == 2 and parts[0] == tag:
                forms.setdefault(chr(int(parts[1], 16)), chr(point))
    return forms


def _moved(text: str, vert_align: str | None) -> str:
    """`text` raised (superscript) or lowered (subscript) where it has such a form; as typed
    otherwise."""
    tag = {"superscript": "<super>", "subscript": "<sub>"}.get(vert_align or "")
    if tag is None:
        return text
    forms = _forms(tag)
    return "".join(forms.get(_key(ch), ch) for ch in text)


def _key(ch: str) -> str:
    """The character Unicode raises or lowers for `ch`: `３` is 3, a hyphen-minus is U+2212."""
    folded = unicodedata.normalize("NFKC", ch)
    return "\u2212" if folded == "-" else folded


def shown_text(value: Any, size: float | None = None) -> Any:
    """The text a rich-text value (openpyxl CellRichText: str and TextBlock runs) shows, raised
    and lowered runs kept so, a run under 80 % of the largest text's size raised; `size`: the
    cell's own font size (runs without one); any other value as it is."""
    if not isinstance(value, list):  # CellRichText is a list of runs; a str, number or date is not
        return value
    sizes = [_size(run, size) for run in value]
    largest = max((s for s in sizes if s), default=0.0)
    texts: list[str] = []
    for run, run_size in zip(value, sizes, strict=True):
        align = getattr(getattr(run, "font", None), "vertAlign", None)
        if align is None and run_size and run_size < 0.8 * largest:
            align = "superscript"  # printed small beside the text: a mark
        texts.append(_moved(str(getattr(run, "text", run)), align))
    return "".join(texts)


def _size(run: Any, size: float | None) -> float | None:
    font_size = getattr(getattr(run, "font", None), "sz", None)
    return float(font_size) if font_size else size


_FIGURE_CHARS = re.compile(r"[0-9０-９+\-−.]")  # what changes a figure: a digit, a sign, the point


def runs_painted(value: Any, paint: Callable[[Any], bool]) -> bool:
    """Whether a rich-text value has a run holding a digit or sign whose font colour `paint` picks
    (`red_figures.red_font`, `white_font`)."""
    fonts = ((str(getattr(run, "text", run)), getattr(run, "font", None)) for run in value) \
        if isinstance(value, list) else ()
    return any(font is not None and _FIGURE_CHARS.search(text) and paint(getattr(font, "color", None))
               for text, font in fonts)


def white_font(color: Any) -> bool:
    """True for a font colour that prints nothing on white paper: white (FFFFFF, or within FAFAFA
    of it; Excel's lightest grey F2F2F2 still prints), palette white (index 9, as POI writes it)
    or the theme's background colour (theme 0, without a darkening tint)."""
    if color is None:
        return False
    kind = getattr(color, "type", "")
    if kind == "theme":
        return getattr(color, "theme", None) == 0 and not (getattr(color, "tint", 0) or 0) < 0
    rgb = getattr(color, "rgb", None)
    if kind == "indexed":
        index = getattr(color, "indexed", None)
        rgb = COLOR_INDEX[index] if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) else None
    if not isinstance(rgb, str) or not re.fullmatch(r"[0-9A-Fa-f]{6,8}", rgb):
        return False
    return all(int(rgb[-6:][i:i + 2], 16) >= 0xFA for i in (0, 2, 4))
