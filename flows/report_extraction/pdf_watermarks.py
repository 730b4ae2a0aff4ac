"""Faint runs of words on a PDF page: a watermark tool's text, left out like slanted text.

A watermark tool draws its line (`内部资料 张三 2026-12-05 08:30`) as one string of text at a low
opacity, flat or slanted, over the table and the title. Read as the pale grey it prints, its digits
landing on or beside the figures refused every watermarked report (tester BK F18, 2026-12-07: 「6」
与「2」叠印, a title interleaved with the watermark's characters). A string of text (one text
operator's characters) printed wholly as light as `_FAINT` (translucent, or an opaque light grey)
that holds words (a letter or a Chinese character, not a bare figure) is such a line: left out,
and named in the reading notes.
Legible translucent text is the report's (tester BK F1: a `币种：美元` at 40 %), and so is a faint
bare figure (a lone `1` beside a figure refuses the cell as of another ink: `mixed_ink`). A faint
string naming what the reader takes from the page's words (a currency, a unit, a branch, a date
label) refuses the page: whether it is a watermark or the report's own line cannot be told; so
does a slanted one (tester BK F30: a `币种：美元` stamp), `refuse_report_words`.

    left_out = faint_word_runs(chars, refuse)   # indexes of the characters; refuse(why) for a doubtful one
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pdfminer.layout import LTChar

from flows.report_extraction.pdf_inks import ink
from flows.report_extraction.pdf_paint import paint
from rpa.masking import scrub_text

# as light as black at 18 % opacity or grey 0.82, drawn translucent or in an opaque light grey (tester BK
# F10): a watermark tool's is 0.85-0.9; 0.6-0.8 is legible grey text (BK F1; BI F14: a grey 0.8 单位：元)
_FAINT = 0.82
# what the reader takes from a page's words: a currency, a unit, a branch, a date label (tester BK F29,
# F30: a faint `本表为外币报表`, a slanted `币种：美元` stamp were left out)
_REPORT_WORDS = re.compile(r"币种|币别|货币|外币|currency|单位|万元|千元|亿元|机构|网点"
                           r"|数据日期|报表日期|统计日期|截至|截止", re.IGNORECASE)


def faint_word_runs(chars: list[tuple[int, LTChar]], refuse: Callable[[str], None]) -> set[int]:
    """The indexes of the characters of each faint string holding words; `refuse(why)` for one
    that names a currency, a unit, a branch or a date label."""
    found: set[int] = set()
    for members in _strings(chars):
        text = "".join(char.get_text() for _, char in members)
        if any(ch.isalpha() for ch in text) and all((ink(char) or 0.0) >= _FAINT for _, char in members):
            refuse_report_words(members, refuse, "印得很浅（像水印）")
            found |= {index for index, _ in members}
    return found


def refuse_report_words(chars: list[tuple[int, LTChar]], refuse: Callable[[str], None], how: str) -> None:
    """`refuse(why)` for a string among `chars`, left out as no part of the report (faint, slanted:
    `how`), that names a currency, a unit, a branch or a date label: it may be the report's own."""
    for members in _strings(chars):
        text = "".join(char.get_text() for _, char in members).strip()
        if _REPORT_WORDS.search(text):
            refuse(f"{how}的“{scrub_text(text[:20])}”写的是币种、单位、机构或日期，不知是不是报表自己的")


def _strings(chars: list[tuple[int, LTChar]]) -> list[list[tuple[int, LTChar]]]:
    """The characters by the text-showing operator that painted them (one string each)."""
    runs: dict[int, list[tuple[int, LTChar]]] = defaultdict(list)
    for index, char in chars:
        runs[paint(char).run].append((index, char))
    return [members for run, members in runs.items() if run >= 0]


def printed_over(chars: list[dict[str, Any]]) -> list[str]:
    """The text of each line (characters, pdfplumber's, of one top and size) of which a character
    shares more than half its box each way with a character of other text: a line drawn over
    another, as a watermark over a title, and the line under it, each on its own (tester BK F17,
    2026-12-07: `张三 2026-12-05` at 60 % over the title dated an undated report)."""
    ordered = sorted(chars, key=lambda c: c["x0"])
    over: dict[int, dict[str, Any]] = {}
    for at, one in enumerate(ordered):
        for two in ordered[at + 1:]:
            if two["x0"] >= one["x1"]:
                break
            across = min(one["x1"], two["x1"]) - max(one["x0"], two["x0"])
            down = min(one["bottom"], two["bottom"]) - max(one["top"], two["top"])
            width = min(one["x1"] - one["x0"], two["x1"] - two["x0"])
            height = min(one["bottom"] - one["top"], two["bottom"] - two["top"])
            if one["text"] != two["text"] and across > width / 2 and down > height / 2:
                over[id(one)], over[id(two)] = one, two
    lines: dict[tuple[float, float], list[dict[str, Any]]] = {
        (round(c["top"], 1), round(c["bottom"] - c["top"], 1)): [] for c in over.values()}
    for char in ordered:
        lines.get((round(char["top"], 1), round(char["bottom"] - char["top"], 1)), []).append(char)
    return ["".join(c["text"] for c in line) for line in lines.values()]

