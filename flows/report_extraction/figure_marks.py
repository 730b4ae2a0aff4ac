"""What a printed figure holds besides its digits that must not be read as digits: a footnote mark
(① ¹, which NFKC would fold into a digit) and digits split by a space other than in groups of
three (`28 1`: two numbers run together, or a typo; `83 630.87` is a grouping).

    footnote_mark("52,345.67¹")   # '¹'
    split_digits("28 1")          # True
"""

from __future__ import annotations

import re
import unicodedata

_RAISED_SIGNS = frozenset("⁺⁻⁼⁽⁾₊₋₌₍₎")
_SPLIT = re.compile(r"\d\s+[\d.]|\.\s+\d")
_GROUPED = re.compile(r"\d{1,3}(?:\s\d{3})+(?:\.\d*)?")


def footnote_mark(text: str) -> str | None:
    """The first footnote mark in a printed figure, None when it has none: a circled, bracketed,
    dotted, raised or lowered digit (① ⑴ ⒈ ❶ ¹ ₁, every Unicode "other number") or a raised or
    lowered sign or letter (⁻ ᵃ). NFKC turns ① and ¹ into 1, so it is looked for before the text
    is normalised: a mark is never a digit of the figure."""
    return next((ch for ch in text if unicodedata.category(ch) == "No" or ch in _RAISED_SIGNS
                 or unicodedata.decomposition(ch).startswith(("<super>", "<sub>"))), None)


def split_digits(text: str) -> bool:
    """Whether the figure's digits are split by a space, other than between groups of three."""
    folded = unicodedata.normalize("NFKC", text)
    core = re.sub(r"^[\s(+\-△▲]+|[\s)\-]+$", "", folded)
    return _SPLIT.search(core) is not None and not _GROUPED.fullmatch(core)
