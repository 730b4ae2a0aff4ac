"""Digits a PDF prints too small to read, though its text layer holds them.

    found = too_small(chars)   # None, or (the character, why)

The text layer keeps a character whatever size it prints at (tester BL, 2026-12-07: 个人贷款余额
本日 set at 0.3 pt, a speck on paper, read 203,735.26, exit 0). A digit whose height is under 40 % of
the page's usual digit height (a footnote's mark is about 55 %) refuses the page. A Type3 font that
draws its glyphs at a speck's size is `pdf_fonts`', as are /Widths setting every digit on one spot
(pdfminer spaces a standard font by its own metrics, so the characters' boxes do not show it).
"""

from __future__ import annotations

import re
from statistics import median

from pdfminer.layout import LTChar

_DIGIT = re.compile(r"[0-9０-９]")
_SMALL = 0.4  # of the page's median digit height


def too_small(chars: list[LTChar]) -> tuple[LTChar, str] | None:
    """The first digit printed too small to read, with why; None when none is."""
    digits = [c for c in chars if _DIGIT.fullmatch(c.get_text()) and c.height > 0]
    if not digits:
        return None
    usual = median(c.height for c in digits)
    for char in digits:
        if char.height < _SMALL * usual:
            return char, f"印得太小（高 {char.height:.1f} 磅，本页数字一般高 {usual:.1f} 磅），纸上读不出"
    return None
