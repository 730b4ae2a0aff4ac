"""A PDF page's characters as they print: twins read once, a figure's unseen character refused.

- One glyph printed as several strokes (a fake bold, `12345` struck twice 0.4 pt apart; a shadow a
  point or two off) is one character on paper, but the text layer holds each: `1122334455`
  (tester AT of 2026-12-07, F1). Characters of the same text overlapping by more than half are
  read once (`shown_page`): the one painted last of those that print.
- A figure's character (a digit, a sign, the point) that prints nothing refuses the page, naming
  where: in the lightness of what is under it (white on paper or on a pale box: a `9` before
  `52,345.67` read 952,345.67, AT F2; a minus on a 0.97 grey box, tester AV), under a white box
  or a thick white line painted after it (a white-out; a coloured box after it, a seal or a
  highlight, may be see-through and is not judged), painted over by a white copy of itself
  (tester AY), or on a page whose content sets an invisible text mode (3 or 7: an OCR layer or a
  hidden sign). Two different digits struck over each other refuse it too (`2` and `7` a hair
  apart read `27`). A colour that is not read (a pattern, an indexed one) is not judged. Form
  XObjects are walked where they are painted. A character's lightness is its ink's as it prints
  (`ink`): its fill at its opacity, or its stroke when only its outline is drawn (mode 1). Not
  judged: clipping within a clip path's bounds (a character wholly outside them is left out:
  `pdf_paint`), an image painted over text, a blend mode, a spot colour's hue (its tint alone).
- Text outside the page's crop box (no viewer or printer shows it), text in an optional-content
  layer hidden on paper (tester BI F13), text painted with no opacity and words wholly outside
  their clipping path's bounds are left out like a watermark (`pdf_paint` reads opacity, layers
  and clips); a figure's character clipped away refuses the page (tester BK F20: the rest of the
  figure read short). Translucent text prints paler, and is read as the grey it prints (`ink`):
  legible text at 30-40 % (a `币种：美元`, a 机构 line, a figure) is the report's, as light grey
  text is (tester BK F1-F3 saw it dropped when text under half opacity was left out); a faint
  string of words is a watermark tool's line and left out (`pdf_watermarks`); a faint bare digit
  beside a figure refuses it as a pale grey digit does (`mixed_ink`).
- Text set along a slant (its baseline neither across nor down the page: a watermark such as
  内部资料 2026-11-30 drawn at 30° over or beside the table) is no part of the report: left out of
  the page, and said for the reading notes (tester BH F3, 2026-12-07: a watermark's digit joined
  a figure; one in the margin refused the page as digits struck over each other). Light grey
  text drawn flat is kept: a grey unit, currency or figure is the report's (tester BI F14 saw
  them dropped when faint text was left out); a pale character beside a figure's dark ink
  refuses the file (`mixed_ink`).

    shown = shown_page(pdf.pages[0], "日报.pdf", 1)   # or UnreadableFigure
    shown.page, shown.aside                          # the page, '内部资料 2026-11-30'
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from pdfminer.layout import LTChar, LTCurve, LTRect
from pdfminer.pdftypes import resolve1

from flows.report_extraction.pdf_fonts import contradiction
from flows.report_extraction.pdf_inks import ink, lightness
from flows.report_extraction.pdf_paint import Paint, clipped_out, paint, painted
from flows.report_extraction.pdf_places import char_place, in_paint_order
from flows.report_extraction.pdf_sizes import too_small
from flows.report_extraction.pdf_watermarks import faint_word_runs, refuse_report_words
from rpa.errors import UnreadableFigure

_FIGURE = re.compile(r"[0-9０-９+\-−.．]")
_DIGIT = re.compile(r"[0-9０-９]")
_CONTRAST = 0.12  # a lightness this close to what is under it does not print (white on 0.97 grey)
_WHITE_OUT = 0.9  # a box at least this light painted over a character hides it
_INVISIBLE = re.compile(rb"(?<![\w.])[37]\s+Tr\b")  # text render modes that paint nothing
_GRID = 40.0  # points: the cells boxes are indexed by
_SLANT = 0.05  # a baseline's x and y components both above this: neither across nor down the page
_NO_OPACITY = 0.05  # text painted at this opacity or less prints nothing (a translucent one prints paler)


def slanted(matrix: Any) -> bool:
    """Whether a character's text matrix sets it along a slant (rotated, not by a right angle)."""
    try:
        across, up = float(matrix[0]), float(matrix[1])
    except (TypeError, ValueError, IndexError):
        return False
    return abs(across) > _SLANT and abs(up) > _SLANT


@dataclass(frozen=True)
class ShownPage:
    """A page as it prints (`page`) and the text left out of it as no part of the report (`aside`:
    slanted, a watermark, or outside the crop box)."""

    page: Any
    aside: str


def shown_page(page: Any, file: str, page_number: int) -> ShownPage:
    """The page with each glyph's extra strokes and the text that is no part of the report
    (slanted, in a hidden layer, painted with no opacity, outside the crop box) dropped;
    UnreadableFigure for an unseen figure. Each character kept carries its `ink` as it prints (0
    black, 1 white), whether only its `outline` is drawn and the `spot` ink it is filled in
    (`pdf_paint`)."""
    page = painted(page)
    drawn = list(in_paint_order(page.layout))  # in the order painted, form XObjects where they are
    if (wrong := contradiction(page.fonts)) is not None:  # tester BL: a ToUnicode naming `seven` 1
        _refuse(file, page_number, char_place(page, wrong[0]), wrong[1])
    every = [(i, o) for i, o in enumerate(drawn) if isinstance(o, LTChar)]
    boxes = _Boxes(_filled(drawn))
    dicts = dict(zip((i for i, _ in every), page.chars, strict=True))
    cut = _outside_crop(page, dicts) | {i for i, o in every if slanted(o.matrix) or _unprinted(paint(o))}
    clipped = [o for i, o in every if i not in cut and clipped_out(o)]
    figure = next((o for o in clipped if _FIGURE.fullmatch(o.get_text())), None)
    if figure is not None:  # tester BK F20: a clip cutting a figure's leading digit read it short
        _refuse(file, page_number, char_place(page, figure),
                "被剪切路径裁掉，印不出来（数字可能只印出一部分）")
    cut |= {i for i, o in every if clipped_out(o)}
    refuse = partial(_refuse, file, page_number, "")
    askew = [(i, o) for i, o in every
             if slanted(o.matrix) and not _unprinted(paint(o)) and not clipped_out(o)]
    if any(i not in cut for i, _ in every):  # a page all askew is refused as such (`pdf_reader`)
        refuse_report_words(askew, refuse, "斜排（像印章或水印）")  # tester BK F30: a stamp
    cut |= faint_word_runs([(i, o) for i, o in every if i not in cut], refuse)  # a watermark tool's line
    chars = [(i, o) for i, o in every if i not in cut]
    grounds = {i: _ground(i, char, boxes) for i, char in chars}
    for i, char in chars:
        how, mine, ground = paint(char), ink(char), grounds[i]
        contrast = abs(mine - ground) if mine is not None and ground is not None else None
        dicts[i].update(ink=mine, contrast=contrast, outline=how.outline, spot=how.spot,
                        stroked=how.stroked)
    masked = next((c for _, c in chars if _FIGURE.fullmatch(c.get_text()) and paint(c).masked), None)
    if masked is not None:  # tester BK F8: a digit a soft mask hid joined the figure
        _refuse(file, page_number, char_place(page, masked), "画在软蒙版（SMask）之下，印出与否读不出")
    if (small := too_small([c for _, c in chars])) is not None:  # tester BL F15: a figure at 0.3 pt
        _refuse(file, page_number, char_place(page, small[0]), small[1])
    if any(_FIGURE.fullmatch(c.get_text()) for _, c in chars) and _invisible_text(page):
        _refuse(file, page_number, "", "有不可见的文字（渲染模式 3 或 7：OCR 文字层或隐藏的文字），"
                "印出的与文件中的可能不同")
    seen = {i: _prints(i, char, boxes, grounds[i]) for i, char in chars}
    kept: set[int] = set()
    for group in _twins(chars):
        shown = [i for i, _ in group if seen[i]]
        kept.add(max(shown) if shown else group[-1][0])
        figure = next((c for _, c in group if _FIGURE.fullmatch(c.get_text())), None)
        # none prints, or the last stroke paints it over in the paper's colour (tester AY, F5)
        if figure is not None and (not shown or max(shown) < group[-1][0]):
            _refuse(file, page_number, char_place(page, figure),
                    "印成白色、近于底色或被白色色块盖住，印出来看不见")
    _refuse_struck_over(page, [c for i, c in chars if i in kept], file, page_number)
    keep = {id(d) for d, (i, _) in zip(page.chars, every, strict=True) if i in kept}
    aside = "".join(dicts[i]["text"] for i, _ in every if i in cut).strip()
    return ShownPage(page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep), aside)


def _outside_crop(page: Any, chars: dict[int, dict[str, Any]]) -> set[int]:
    """The characters outside the page's crop box, which no viewer or printer shows (tester BI F13:
    a date cut off by the crop was read as the report's); none when the crop box is the page (or
    the page is turned: its box is not judged)."""
    crop, whole = getattr(page, "cropbox", None), getattr(page, "mediabox", None)
    if not crop or not whole or tuple(crop) == tuple(whole) or (getattr(page, "rotation", 0) or 0) % 360:
        return set()
    x0, top, x1, bottom = crop

    def inside(c: dict[str, Any]) -> bool:
        return x0 - 1 <= c["x0"] <= c["x1"] <= x1 + 1 and top - 1 <= c["top"] <= c["bottom"] <= bottom + 1

    return {i for i, c in chars.items() if not inside(c)}


class _Boxes:
    """Filled rectangles, indexed by the grid cells they touch."""

    def __init__(self, boxes: Iterable[tuple[int, LTRect]]) -> None:
        self.cells: dict[tuple[int, int], list[tuple[int, LTRect]]] = defaultdict(list)
        for index, box in boxes:
            for x in range(int(box.x0 // _GRID), int(box.x1 // _GRID) + 1):
                for y in range(int(box.y0 // _GRID), int(box.y1 // _GRID) + 1):
                    self.cells[x, y].append((index, box))

    def under(self, x: float, y: float) -> list[tuple[int, LTRect]]:
        return sorted((i, b) for i, b in self.cells.get((int(x // _GRID), int(y // _GRID)), ())
                      if b.x0 <= x <= b.x1 and b.y0 <= y <= b.y1)


def _filled(drawn: list[Any]) -> Iterator[tuple[int, LTRect]]:
    """The filled rectangles a character may lie on or under; a frame filled even-odd (an outer
    rectangle and the hole inside it, two subpaths of one fill in one colour, painted one after
    the other: pdfminer's even-odd flag does not tell) fills neither, so both are left out
    (reviewer, 2026-12-07: the hole read as a black box)."""
    holes: set[int] = set()
    for index in range(1, len(drawn)):
        outer, inner = drawn[index - 1], drawn[index]
        if isinstance(outer, LTRect) and isinstance(inner, LTRect) and outer.fill and inner.fill \
                and outer.non_stroking_color == inner.non_stroking_color and _inside(inner, outer):
            holes |= {index - 1, index}
    for index, box in enumerate(drawn):
        if isinstance(box, LTRect) and box.fill and index not in holes and box.width >= 1 and box.height >= 1:
            yield index, box
        elif isinstance(box, LTCurve) and box.stroke and box.linewidth >= 2 \
                and (lightness(box.stroking_color) or 0) >= _WHITE_OUT:  # a thick white stroke (AY F1)
            half = box.linewidth / 2
            yield index, LTRect(0, (box.x0 - half, box.y0 - half, box.x1 + half, box.y1 + half), fill=True,
                                non_stroking_color=box.stroking_color)


def _inside(inner: LTRect, outer: LTRect) -> bool:
    return outer.x0 <= inner.x0 <= inner.x1 <= outer.x1 and outer.y0 <= inner.y0 <= inner.y1 <= outer.y1


def _unprinted(how: Paint) -> bool:
    """In a layer hidden on paper, or painted with no opacity."""
    return how.hidden or how.opacity <= _NO_OPACITY


def _prints(index: int, char: LTChar, boxes: _Boxes, ground: float | None) -> bool:
    """Whether the character shows: not the lightness of what is under it (`ground`), not whited out."""
    mine = ink(char)
    if mine is None:
        return True  # a colour not read: not judged
    below = boxes.under((char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2)
    if any(i > index and (lightness(b.non_stroking_color) or 0) >= _WHITE_OUT > mine for i, b in below):
        return False
    return ground is None or abs(mine - ground) >= _CONTRAST


def _ground(index: int, char: LTChar, boxes: _Boxes) -> float | None:
    """The lightness of what the character is printed on: the last box painted under it, or paper."""
    before = [b for i, b in boxes.under((char.x0 + char.x1) / 2, (char.y0 + char.y1) / 2) if i < index]
    return lightness(before[-1].non_stroking_color) if before else 1.0


def _twins(chars: list[tuple[int, LTChar]]) -> Iterator[list[tuple[int, LTChar]]]:
    """Groups of characters of the same text overlapping by more than half: one glyph printed."""
    by_text: dict[str, list[tuple[int, LTChar]]] = defaultdict(list)
    for entry in chars:
        by_text[entry[1].get_text()].append(entry)
    for same in by_text.values():
        same.sort(key=lambda entry: entry[1].x0)
        taken: set[int] = set()
        for at, (index, char) in enumerate(same):
            if index in taken:
                continue
            group = [(index, char)]
            for other in same[at + 1:]:
                if other[1].x0 - char.x0 > char.width / 2:
                    break
                if other[0] not in taken and _shared(char, other[1]):
                    group.append(other)
                    taken.add(other[0])
            yield sorted(group, key=lambda entry: entry[0])


def _shared(one: LTChar, two: LTChar) -> bool:
    across = min(one.x1, two.x1) - max(one.x0, two.x0)
    up = min(one.y1, two.y1) - max(one.y0, two.y0)
    return across > min(one.width, two.width) / 2 and up > min(one.height, two.height) / 2


def _refuse_struck_over(page: Any, chars: list[LTChar], file: str, page_number: int) -> None:
    """Two different digits printed over each other: which one prints cannot be told."""
    digits = sorted((c for c in chars if _DIGIT.fullmatch(c.get_text())), key=lambda c: c.x0)
    for at, char in enumerate(digits):
        for other in digits[at + 1:]:
            if other.x0 >= char.x1:
                break
            if other.get_text() != char.get_text() and _shared(char, other):
                mine, theirs = ink(char), ink(other)
                pale = mine is not None and theirs is not None and abs(mine - theirs) >= 0.4
                said = f"与「{other.get_text()}」叠印在一处，印出来分不清是哪个" + (
                    "（其一印得很浅，像是水印或底纹的字压在数字上）" if pale else "")  # tester BK F10
                _refuse(file, page_number, char_place(page, char), said)


def _refuse(file: str, page_number: int, where: str, why: str) -> None:
    raise UnreadableFigure(f"{file}，第{page_number}页{where}{why}；整份报表不读，请报送机构改正后重新报送",
                           details={"file": file, "page": page_number})


def _invisible_text(page: Any) -> bool:
    """Whether the page's content, or a form XObject it uses, sets a text mode that paints nothing."""
    streams = resolve1(page.page_obj.attrs.get("Contents"))
    found = list(streams) if isinstance(streams, list) else [streams]
    resources = resolve1(page.page_obj.attrs.get("Resources")) or {}
    forms = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
    for stream in (forms or {}).values() if isinstance(forms, dict) else ():
        form = resolve1(stream)  # a form's content only: an image's bytes are no operators
        if getattr(getattr(form, "attrs", {}).get("Subtype"), "name", None) == "Form":
            found.append(form)
    for stream in found:
        data = resolve1(stream)
        if hasattr(data, "get_data") and _INVISIBLE.search(data.get_data()):
            return True
    return False
