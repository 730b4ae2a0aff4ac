"""Faint runs of words on a PDF page: a watermark tool's text, left out like slanted text.

A watermark tool draws its line (`内部资料 张三 2026-12-05 08:30`) as one string of text at a low
opacity, flat or slanted, over the table and the title. Read as the pale grey it prints, its digits
landing on or beside the figures refused every watermarked report (tester BK F18, 2026-12-07: 「6」
与「2」叠印, a title interleaved with the watermark's characters). A string of text (one text
operator's characters) printed wholly as light as `_FAINT` (translucent, or an opaque light grey)
that holds words (a letter or a
Chinese character, not a bare figure) is such a line: left out, and named in the reading notes.
Legible translucent text is the report's (tester BK F1: a `币种：美元` at 40 %), and so is a faint
bare figure (a lone `1` beside a figure refuses the cell as of another ink: `mixed_ink`). A faint
string naming what the reader takes from the page's words (a currency, a unit, a branch, a date
label) refuses the page: whether it is a watermark or the report's own line cannot be told.

    left_out = faint_word_runs(chars, refuse)   # indexes of the characters; refuse(why) for a doubtful one
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from pdfminer.layout import LTChar

from flows.report_extraction.pdf_inks import ink
from flows.report_extraction.pdf_paint import paint
from rpa.masking import scrub_text

# as light as black at 18 % opacity or grey 0.82, drawn translucent or in an opaque light grey (tester BK
# F10): a watermark tool's is 0.85-0.9; 0.6-0.8 is legible grey text (BK F1; BI F14: a grey 0.8 单位：元)
_FAINT = 0.82
_REPORT_WORDS = re.compile(r"币种|单位|万元|千元|亿元|元|机构|网点|数据日期|报表日期|统计日期|截至|截止")


def faint_word_runs(chars: list[tuple[int, LTChar]], refuse: Callable[[str], None]) -> set[int]:
    """The indexes of the characters of each faint string holding words; `refuse(why)` for one
    that names a currency, a unit, a branch or a date label."""
    runs: dict[int, list[tuple[int, LTChar]]] = defaultdict(list)
    for index, char in chars:
        runs[paint(char).run].append((index, char))
    found: set[int] = set()
    for run, members in runs.items():
        text = "".join(char.get_text() for _, char in members)
        if run < 0 or not any(ch.isalpha() for ch in text):
            continue
        if all((ink(char) or 0.0) >= _FAINT for _, char in members):
            if _REPORT_WORDS.search(text):
                said = scrub_text(text.strip()[:20])
                refuse(f"印得很浅（像水印）的“{said}”写的是币种、单位、机构或日期，不知是不是报表自己的")
            found |= {index for index, _ in members}
    return found
