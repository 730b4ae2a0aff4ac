"""What a PDF page's text layer holds that its printed page shows otherwise.

- A character drawn twice a hair apart (a fake bold: `12345` struck twice, 0.4 pt apart) prints
  once, but pdfplumber hands both over: `1122334455` (tester AT of 2026-12-07, F1). Such twins
  (same character, font and size, less than `_TWIN_POINTS` apart) are read once (`shown_page`),
  before any table or line is read from the page.
- A digit, sign or point painted white where no shaded box lies under it prints nothing: a `9`
  before `52,345.67` was read 952,345.67 (AT F2). The page is refused naming its position and the
  character (`refuse_unseen`), as an xlsx cell with a white run is (xlsx_rich_text.white_font).

    page = shown_page(pdf.pages[0])
    refuse_unseen(page, page.chars, "日报.pdf", 1)   # or UnreadableFigure
"""

from __future__ import annotations

import re
from typing import Any

from rpa.errors import UnreadableFigure

_TWIN_POINTS = 1.0  # a fake bold's second stroke is a fraction of a point off; "11" is a glyph apart
_FIGURE = re.compile(r"[0-9０-９+\-−.,，．]")


def shown_page(page: Any) -> Any:
    """The page with each character drawn twice over itself read once."""
    return page.dedupe_chars(tolerance=_TWIN_POINTS)


def refuse_unseen(page: Any, chars: list[dict[str, Any]], file: str, page_number: int) -> None:
    """UnreadableFigure when a figure's character is painted white on no shaded box."""
    white = [c for c in chars if _FIGURE.fullmatch(c.get("text", "")) and _white(c.get("non_stroking_color"))]
    if not white:
        return
    shaded = [r for r in page.rects if r.get("fill") and not _white(r.get("non_stroking_color"))]
    for char in white:
        if not any(r["x0"] <= char["x0"] and char["x1"] <= r["x1"] and r["top"] <= char["top"]
                   and char["bottom"] <= r["bottom"] for r in shaded):
            where = f"{file}，第{page_number}页（位置 {char['x0']:.0f}, {char['top']:.0f}）"
            raise UnreadableFigure(
                f"{where}：「{char['text']}」印成白色，印出来看不见，印出的数与文件中的数不同；"
                "整份报表不读，请报送机构改正后重新报送",
                details={"file": file, "page": page_number})


def _white(color: Any) -> bool:
    """A fill colour that prints nothing on white paper: grey 1, RGB (1, 1, 1) or CMYK (0, 0, 0, 0),
    near enough."""
    if not isinstance(color, tuple | list) or not color or not all(isinstance(v, int | float) for v in color):
        return False
    if len(color) == 4:
        return all(v <= 0.02 for v in color)
    return len(color) in (1, 3) and all(v >= 0.98 for v in color)
