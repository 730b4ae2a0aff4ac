"""Figures printed in red (红字). In Chinese bookkeeping a red figure is a negative one, printed
without a minus: a report that prints 减少 as red 45.30 means -45.30. A cell is red by its font
colour (xlsx), by the section of its number format that shows it (`[Red]`), or by the colour of
its digits in a PDF (`mark_red`). A red figure with no sign of its own, in a column of changes
(较上日, 增减额), is read as negative where the report says so (`注：红字表示负数`, `负数以红字表示`),
and refuses the file where it does not; in any other column (a balance, a count) it refuses the
file too: red may also be a highlight, and which one it is only the report can tell.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from openpyxl.styles.colors import COLOR_INDEX

from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_inks import lightness
from flows.report_extraction.tables import Grid, GridCell, cell_chars, quoted
from rpa.errors import UnreadableFigure

_SAYS = re.compile(r"(?:红字|红色(?:字体|数字|数)?|以红色(?:显示|标注|印)的?(?:数字|数)?"
                   r"|标红(?:的)?(?:数字|数)?)(?:者)?(?:表示|为|代表|是|即|系)(?:负数|负值|负|减少|下降)"
                   r"|(?:负数|负值|减少数?)(?:以|用|均以|均用)?(?:红字|红色(?:字体)?)(?:表示|标注|显示|印出|列示)?")
# a column of changes (较上日, 较年初, 增减额, 变动): the only figures a 红字 can make negative;
# a balance or a count printed red is a highlight, whatever the note says
_CHANGE = re.compile(r"较|比|增减|变动|变化|增长|增加|减少|净增|差额")
_DIGIT = re.compile(r"[0-9０-９]")
_PAPER = 0.9  # a fill or stroke about as light as the paper: the other colour is what prints


def red_font(color: Any) -> bool:
    """True for an openpyxl font colour that reads as red (FFFF0000, C00000, palette red)."""
    if color is None:
        return False
    rgb = getattr(color, "rgb", None)
    if getattr(color, "type", "") == "indexed":
        index = getattr(color, "indexed", None)
        rgb = COLOR_INDEX[index] if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) else None
    if not isinstance(rgb, str) or not re.fullmatch(r"[0-9A-Fa-f]{6,8}", rgb):
        return False  # a theme colour: not resolved here
    r, g, b = (int(rgb[-6:][i:i + 2], 16) for i in (0, 2, 4))
    return r >= 0xB0 and g <= 0x60 and b <= 0x60  # Excel's dark red 9C0006 over a light red fill: a highlight


def _red_paint(color: Any) -> bool:
    """A PDF fill colour that reads as red: RGB (1, 0, 0) or CMYK (0, 1, 1, 0), near enough, dark
    reds too (#990000, #800000: tester BH F9, 2026-12-07, read as positive figures)."""
    if not isinstance(color, tuple | list) or not all(isinstance(v, int | float) for v in color):
        return False
    if len(color) == 3:
        r, g, b = color
        return r >= 0.45 and g <= min(0.38, r / 2) and b <= min(0.38, r / 2)
    if len(color) == 4:
        c, m, y, k = color
        return c <= 0.3 and m >= 0.7 and y >= 0.7 and k <= 0.6
    return False


def mark_red(grid: Grid, chars: list[dict[str, Any]]) -> None:
    """Mark each cell of a PDF page's grid whose digits are printed in red; UnreadableFigure for a
    cell whose digits are printed in a spot ink, whose hue is not read (tester BI F12, 2026-12-07:
    a 红字 in `PANTONE Red 032 C` read positive)."""
    spot = [c for c in chars if _DIGIT.fullmatch(c.get("text", "")) and c.get("spot")]
    for cell, inside in cell_chars(grid, spot) if spot else ():
        if inside:
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：“{quoted(cell.text)}”印成{inside[0]['spot']}，读不出是不是"
                "红字（红字表示负数）；整份报表不读，请报送机构改用 RGB 或 CMYK 颜色导出后重新报送",
                details={"file": grid.file})
    digits = [c for c in chars if _DIGIT.fullmatch(c.get("text", ""))]
    two = [c for c in digits if _printed_red(c) is None]
    for cell, inside in cell_chars(grid, two) if two else ():
        if inside:
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：“{quoted(cell.text)}”的数字填充与描边一红一不红，读不出是不是"
                "红字（红字表示负数）；整份报表不读，请报送机构改正后重新报送", details={"file": grid.file})
    red = [c for c in digits if _printed_red(c)]
    if not red:
        return
    for cell, inside in list(cell_chars(grid, red)):
        if inside and not cell.red:
            grid.put(replace(cell, red=True))


def _printed_red(char: dict[str, Any]) -> bool | None:
    """Whether a PDF digit prints red: by its stroke when only its outline is drawn (tester BK F24)
    or its fill is about white (hollow digits), by its fill when its stroke is about white; None for
    a digit filled in one colour and stroked in the other, one red (BK's c91c: black digits edged
    red, read as black)."""
    fill, stroke = char.get("non_stroking_color"), char.get("stroking_color")
    if char.get("outline") or (char.get("stroked") and (lightness(fill) or 0) >= _PAPER):
        return _red_paint(stroke)
    if not char.get("stroked") or (lightness(stroke) or 0) >= _PAPER:
        return _red_paint(fill)
    if _red_paint(fill) == _red_paint(stroke):
        return _red_paint(fill)
    return None


def says_red_is_negative(grid: Grid) -> str | None:
    """The report's own words that red figures are negative (注：红字表示负数), or None."""
    texts = [*grid.preamble, *grid.below, *(t for _, t in (*grid.continued, *grid.continued_below)),
             *(c.text for c in grid.cells.values())]
    for text in texts:
        match = _SAYS.search(normalise(text))
        if match:
            return match.group(0)
    return None


def signed(cell: GridCell, value: Decimal, grid: Grid, where: str, what: str,
           column: str) -> tuple[Decimal, str | None]:
    """A red figure's value and the note saying it was read as negative (see the module docstring);
    a figure not red, or red with its own minus, is as printed. Only a figure in a column of
    changes (`column`: 较上日, 增减额) can be a 红字 negative: one in another column is refused."""
    if not cell.red or value <= 0:
        return value, None
    if not _CHANGE.search(normalise(column)):
        raise UnreadableFigure(
            f"{where}：{what} 印为红字 {quoted(cell.text)}，而“{column}”栏不是增减额：余额或数量不会是负数，"
            "红字在这里是何意（标注？负数？）无法确定；整份报表不读，请向报送机构核实",
            details={"file": grid.file})
    said = says_red_is_negative(grid)
    if said is None:
        raise UnreadableFigure(
            f"{where}：{what} 印为红字 {quoted(cell.text)}，不带负号；红字按会计习惯表示负数，报表却没有"
            "注明（如“注：红字表示负数”），不知是正是负；整份报表不读，请向报送机构核实",
            details={"file": grid.file})
    return -value, f"红字读作负数 {where} {what}: {quoted(cell.text)}，报表注明“{said}”"
