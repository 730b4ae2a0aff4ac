"""Shapes drawn at a character's size in a PDF table's cells or beside its text: printed, not in the
text layer.

    refuse_drawn_characters(page, grid)   # or UnreadableFigure naming the cell or the place

A producer or a post-processor may draw a character as its outline (a filled path), a picture, or
a sign as a bar: the paper shows it, the text layer does not hold it (tester BL, 2026-12-07: a
figure's leading 8 drawn as a path read 83,655.26 as 3,655.26; a minus drawn as a 0.8 pt bar read
-83.04 as 83.04; a figure drawn wholly as paths read as a blank cell, 报表为空; the 万 of every unit
cell drawn as a path read 万元 as 元, each exit 0). A cell holding such a shape refuses the file:
- a path (not a rectangle or a straight line) filled or stroked inside the cell, narrower than
  the cell (a glyph's outline; brackets drawn as two arcs);
- a picture inside the cell, narrower than the cell (a character pasted as an image);
- a filled bar at most 2 points high, or a stroked straight level line, inside the cell, under half
  its width, at the middle height of the cell (a minus sign; an underline sits lower, a fill or a
  ruling spans the cell).
A cell's background fill, its ruling lines and a shape larger than the cell are no such shape.
Outside the table, a filled path no more than twice as tall or wide as the text beside it, mostly
within that text's line and as close to it as the next character would be (half its size),
refuses the file too (BL: the 1 of 2026-12-04's month drawn as a path read 2026-02-04; drawn 1.3
times the text's size, F18, too). One set apart from the text, or larger (a bank's logo before the
title), is not judged; nor is a line drawn wholly as outlines, with no text beside it (BL's
`币种：美元` as outlines: not seen).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flows.report_extraction.tables import Grid, boxed_cells, quoted
from rpa.errors import UnreadableFigure

_SLACK = 0.5  # points a shape may stand out of its cell's box (anti-aliased ruling)
_BAR = 2.0  # the highest a drawn minus sign is, in points


def refuse_drawn_characters(page: Any, grid: Grid) -> None:
    """UnreadableFigure for the first cell of the page's grid that holds a shape drawn at a
    character's size, or the first such shape beside the text outside it (the module docstring)."""
    curves = [c for c in getattr(page, "curves", ()) if c.get("fill") or c.get("stroke")]
    bars = [r for r in getattr(page, "rects", ()) if r.get("fill") and r["bottom"] - r["top"] <= _BAR]
    bars += [line for line in getattr(page, "lines", ()) if line["bottom"] - line["top"] <= _BAR]
    images = list(getattr(page, "images", ()))
    if not (curves or bars or images):
        return
    cells = list(boxed_cells(grid))
    outside = [c for c in curves if c.get("fill") and not any(_inside(c, box) for _, box in cells)]
    beside = next(_beside_text(outside, getattr(page, "chars", ())), None)
    if beside is not None:
        curve, char = beside
        raise UnreadableFigure(
            f"{grid.file}，第{page.page_number}页（位置 {curve['x0']:.0f}, {curve['top']:.0f}）：表外文字"
            f"“{quoted(char['text'])}”旁有画出来的图形（不在文字层里：可能是画成图形的数字或字），读不出它印的是"
            "什么；整份报表不读，请报送机构导出文字版报表后重新报送", details={"file": grid.file})
    for cell, box in cells:
        shape = next((s for s in (*curves, *images) if _inside(s, box)), None)
        if shape is None:
            shape = next((b for b in bars if _inside(b, box) and _a_sign(b, box)), None)
        if shape is not None:
            what = "图片" if shape in images else "图形"
            text = quoted(cell.text)
            where = f"“{text}”所在格" if text else "空着的格"
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：{where}中有画出来的{what}（不在文字层里：可能是画成{what}的数字、"
                "符号或单位），读不出它印的是什么；整份报表不读，请报送机构导出文字版报表后重新报送",
                details={"file": grid.file})


def _beside_text(curves: list[dict[str, Any]], chars: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each filled path set like a character of the line beside it: (the path, that character)."""
    for curve in curves:
        height, width = curve["bottom"] - curve["top"], curve["x1"] - curve["x0"]
        for char in chars:
            size = char["bottom"] - char["top"]
            if not 0 < height <= 2 * size or width > 2 * size:
                continue
            shared = min(curve["bottom"], char["bottom"]) - max(curve["top"], char["top"])
            gap = max(curve["x0"] - char["x1"], char["x0"] - curve["x1"])
            if shared >= 0.5 * min(height, size) and -0.1 * size <= gap <= size / 2:
                yield curve, char


def _inside(shape: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """Within the cell's box, and narrower than it (a fill or a ruling spans the cell)."""
    x0, top, x1, bottom = box
    return (x0 - _SLACK <= shape["x0"] and shape["x1"] <= x1 + _SLACK and top - _SLACK <= shape["top"]
            and shape["bottom"] <= bottom + _SLACK and shape["x1"] - shape["x0"] < 0.9 * (x1 - x0))


def _a_sign(bar: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """A short bar at the middle height of the cell: where a minus sign prints."""
    x0, top, x1, bottom = box
    middle, height = (bar["top"] + bar["bottom"]) / 2, bottom - top
    return bar["x1"] - bar["x0"] < 0.5 * (x1 - x0) and top + 0.3 * height <= middle <= bottom - 0.3 * height
