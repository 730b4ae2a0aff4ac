"""What a PDF page's text layer holds that its printed page shows otherwise.

- A character drawn twice a hair apart (a fake bold: `12345` struck twice, 0.4 pt apart) prints
  once, but pdfplumber hands both over: `1122334455` (tester AT of 2026-12-07, F1). Such twins
  (same character, font and size, less than `_TWIN_POINTS` apart) are read once (`shown_page`),
  before any table or line is read from the page.
- A figure's character (a digit, a sign, the point) that prints nothing refuses the page, naming
  where (`refuse_unseen`): painted in the colour under it (white on paper or on a near-white box:
  a `9` before `52,345.67` read 952,345.67, AT F2; a minus on a 0.97 grey box, tester AV), covered
  by a box painted after it, or on a page with invisible text (render mode 3 or 7: the text layer
  of an OCR'd scan, or a hidden sign). Two different characters struck over each other (`2` and
  `7` a hair apart, read `27`) refuse it too: which one prints cannot be told.

    page = shown_page(pdf.pages[0])
    refuse_unseen(page, "日报.pdf", 1)   # or UnreadableFigure
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pdfminer.layout import LTChar, LTCurve
from pdfminer.pdftypes import resolve1

from rpa.errors import UnreadableFigure

_TWIN_POINTS = 1.0  # a fake bold's second stroke is a fraction of a point off; "11" is a glyph apart
_FIGURE = re.compile(r"[0-9０-９+\-−.,，．()（）]")
_CONTRAST = 0.15  # a lightness this close to what is under it does not print (white on 0.97 grey)
_INVISIBLE = re.compile(rb"(?<![\w.])[37]\s+Tr\b")  # text render modes that paint nothing


def shown_page(page: Any) -> Any:
    """The page with each character drawn twice over itself read once."""
    return page.dedupe_chars(tolerance=_TWIN_POINTS)


def refuse_unseen(page: Any, file: str, page_number: int) -> None:
    """UnreadableFigure when a figure's character on the page does not print (module docstring)."""
    root = getattr(page, "root_page", page)
    drawn = list(root.layout)  # the page's objects in the order they were painted
    boxes = [(i, o) for i, o in enumerate(drawn) if isinstance(o, LTCurve) and o.fill]
    figures = [(i, o) for i, o in enumerate(drawn)
               if isinstance(o, LTChar) and _FIGURE.fullmatch(o.get_text())]
    page_of = f"{file}，第{page_number}页"
    if figures and _invisible_text(root):
        _refuse(page_of, "有不可见的文字（渲染模式 3 或 7，如扫描件的 OCR 文字层），印出的与文件中的可能不同")
    hidden: list[tuple[LTChar, str]] = []
    for index, char in figures:
        under = [(i, box) for i, box in boxes if _covers(box, char)]
        ground = _lightness(under[-1][1].non_stroking_color) if under else 1.0  # paper
        if any(i > index for i, _ in under):
            hidden.append((char, "被其后画上的色块盖住"))
        elif abs(_lightness(char.graphicstate.ncolor) - ground) < _CONTRAST:
            hidden.append((char, "印成白色或近于底色"))
    unseen = {id(char) for char, _ in hidden}
    shown = [char for _, char in figures if id(char) not in unseen]
    for char, why in hidden:  # one printed over it in the same character says what it hid
        if not any(_twins(char, other) for other in shown):
            at = f"{page_of}（位置 {char.x0:.0f}, {root.height - char.y1:.0f}）：「{char.get_text()}」"
            _refuse(at, f"{why}，印出来看不见，印出的数与文件中的数不同")
    for first, second in _struck_over(page.chars):
        _refuse(f"{page_of}（位置 {first['x0']:.0f}, {first['top']:.0f}）：「{first['text']}」",
                f"与「{second['text']}」叠印在一处，印出来分不清是哪个")


def _refuse(where: str, why: str) -> None:
    raise UnreadableFigure(f"{where}{why}；整份报表不读，请报送机构改正后重新报送",
                           details={"file": where.split("，", 1)[0]})


def _twins(char: LTChar, other: LTChar) -> bool:
    return (other is not char and other.get_text() == char.get_text()
            and abs(other.x0 - char.x0) < _TWIN_POINTS and abs(other.y0 - char.y0) < _TWIN_POINTS)


def _covers(box: LTCurve, char: LTChar) -> bool:
    x, y = (char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2
    return box.x0 <= x <= box.x1 and box.y0 <= y <= box.y1


def _lightness(color: Any) -> float:
    """0 (black) to 1 (white) for a grey, RGB or CMYK fill; black for one not read (a pattern)."""
    values = [color] if isinstance(color, int | float) else color
    if not isinstance(values, tuple | list) or not all(isinstance(v, int | float) for v in values):
        return 0.0
    if len(values) == 1:
        return float(values[0])
    if len(values) == 3:
        r, g, b = values
        return 0.299 * r + 0.587 * g + 0.114 * b
    if len(values) == 4:
        c, m, y, k = values
        return (1 - k) * (0.299 * (1 - c) + 0.587 * (1 - m) + 0.114 * (1 - y))
    return 0.0


def _invisible_text(page: Any) -> bool:
    """Whether the page's content sets a text render mode that paints nothing."""
    streams = resolve1(page.page_obj.attrs.get("Contents"))
    for stream in streams if isinstance(streams, list) else [streams]:
        data = resolve1(stream)
        if data is not None and _INVISIBLE.search(data.get_data()):
            return True
    return False


def _struck_over(chars: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs of different figure characters printed over each other (more than half of the
    narrower one's width and height shared)."""
    figures = sorted((c for c in chars if _FIGURE.fullmatch(c["text"])), key=lambda c: c["x0"])
    for index, char in enumerate(figures):
        for other in figures[index + 1:]:
            if other["x0"] >= char["x1"]:
                break
            wide = min(char["x1"] - char["x0"], other["x1"] - other["x0"])
            high = min(char["bottom"] - char["top"], other["bottom"] - other["top"])
            shared_x = min(char["x1"], other["x1"]) - other["x0"]
            shared_y = min(char["bottom"], other["bottom"]) - max(char["top"], other["top"])
            if other["text"] != char["text"] and shared_x > wide / 2 and shared_y > high / 2:
                yield char, other
