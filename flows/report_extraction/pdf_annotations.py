"""Annotations and form fields that print over a PDF report's table: not in the page's text.

A FreeText or Stamp annotation, or a form field's widget, has its own appearance, painted over the
page when it is shown or printed; the text layer does not hold it. Over a figure's cell it is what
the paper shows (tester BK F6, 2026-12-07: a FreeText `42.39` in a white box over 24.39 read 24.39;
a field whose value was the only print of a figure read as an empty cell; a 作废 stamp over a row
went unseen). A page with such an annotation over a cell of its table is refused naming the cell
and the annotation, whether it carries its appearance or leaves a viewer to draw it; links, pop-ups
and annotations that do not print (no Print flag, hidden) are not judged.

    refuse_annotations_over(page, grid)    # or UnreadableFigure
"""

from __future__ import annotations

from typing import Any

from pdfminer.pdftypes import resolve1

from flows.report_extraction.tables import Grid, boxed_cells, quoted
from rpa.errors import UnreadableFigure

_NOT_PRINTED = {"Link", "Popup"}
_PRINT, _HIDDEN = 4, 2  # the annotation flags (PDF 32000 12.5.3)
_KINDS = {"Widget": "表单域", "FreeText": "文字批注", "Stamp": "图章批注", "Text": "便签批注"}


def refuse_annotations_over(page: Any, grid: Grid) -> None:
    """UnreadableFigure for the first printing annotation over a cell of the page's grid."""
    for annot in getattr(page, "annots", None) or []:
        data = annot.get("data") or {}
        kind = str(getattr(resolve1(data.get("Subtype")), "name", ""))
        flags = resolve1(data.get("F"))
        flags = flags if isinstance(flags, int) else 0
        if kind in _NOT_PRINTED or not flags & _PRINT or flags & _HIDDEN:
            continue  # a viewer draws a FreeText from its /DA and a field from its /V (tester BK F23)
        for cell, box in boxed_cells(grid):
            if _overlap(box, (annot["x0"], annot["top"], annot["x1"], annot["bottom"])):
                said, text = _KINDS.get(kind, f"批注（{kind}）"), quoted(cell.text)
                where = f"“{text}”所在格" if text else "空着的格"
                raise UnreadableFigure(
                    f"{cell.provenance.describe()}：{where}上盖有{said}，印出来的是它，"
                    "文字层里没有；整份报表不读，请报送机构导出不带批注和表单域的报表后重新报送",
                    details={"file": grid.file})


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, top, x1, bottom) share more than a point's width each way."""
    return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
