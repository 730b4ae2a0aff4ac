"""An xlsx cell's rich text as the text it shows, a raised or lowered run kept raised or lowered.

A cell of rich text holds runs, each with its own font: `83,655.26` and a run `3` set superscript
(vertAlign) show `83,655.26³`, a footnote's mark. Glued together, as openpyxl hands rich text over
unless told to keep it, the runs read `83,655.263`: the mark became a digit of the figure. Here
each character of a superscript or subscript run becomes its raised or lowered form (`3` -> `³`,
`1` -> `₁`, `-` -> `⁻`), as a PDF's small raised digit does (pdf_reader), so that the figure is
refused naming the mark (numbers.footnote_mark); NFKC folds them back in labels and titles. A
character with no such form (`*`, `注`) stays as typed: beside a figure it is no digit either.

    shown_text(CellRichText(["83,655.26", TextBlock(InlineFont(vertAlign="superscript"), "3")]))
    # '83,655.26³'
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

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


def shown_text(value: Any) -> Any:
    """The text a rich-text value (openpyxl CellRichText: str and TextBlock runs) shows, raised
    and lowered runs kept so; any other value as it is."""
    if not isinstance(value, list):  # CellRichText is a list of runs; a str, number or date is not
        return value
    texts: list[str] = []
    for run in value:
        font = getattr(run, "font", None)
        texts.append(_moved(str(getattr(run, "text", run)), getattr(font, "vertAlign", None)))
    return "".join(texts)
