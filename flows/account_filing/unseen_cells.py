"""Cell styles under which Excel shows a text cell blank or struck out: a white font on no fill,
a font struck through (a clerk's usual mark of a cancelled row), or a number format whose text
section is empty (`;;;`). Tester BA (2026-12-07) saw such cells filed without a word: a name under
`;;;`, a 经营范围 in white, a whole row struck through.

    >>> unseen = unseen_styles(workbook)          # .marks: style index -> what hides or strikes
    >>> rows = rows_with_formats(cell_rows, unseen)  # shown_numbers: such text cells marked

The styles are read once per workbook from openpyxl's tables; a workbook without such a style
(the usual export) is read as before. A text cell in one becomes a `MarkedText`, which the row
refuses naming the cell (rich_text_marked), as a struck or white run of rich text is; a white run
in a cell whose solid fill is dark is seen, and not a mark (`UnseenStyles.white_shown`). Text, or
a run of rich text, in about its background's colour (black on a black fill, a grey near white on
none: `cell_colours.alike`) is marked 与底色相近的颜色 (tester BG F9, 2026-12-07).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

from flows.account_filing.cell_colours import alike, attributes, rgb, theme_palette
from flows.account_filing.rich_text_cells import ALIKE, MarkedText, is_white

_QUOTED = re.compile(r'"[^"]*"|\\.')
_RGB = re.compile(r"[0-9A-Fa-f]{6}")


def _text_hidden(number_format: str) -> bool:
    """Whether the format's fourth (text) section is there and empty: `;;;`, `0;-0;0;`."""
    sections = _QUOTED.sub("x", number_format).split(";")
    return len(sections) >= 4 and not sections[3].strip()


def _white(colour: Any) -> bool:
    if colour is None:
        return False
    tint = getattr(colour, "tint", 0) or 0
    return is_white(getattr(colour, "rgb", None), getattr(colour, "theme", None),
                    getattr(colour, "indexed", None), tint)


def _unfilled(fill: Any) -> bool:
    """No fill, or a white one: white text on it cannot be seen."""
    if fill is None or getattr(fill, "patternType", None) in (None, "none"):
        return True
    return _white(getattr(fill, "fgColor", None))


def _shows_white(fill: Any) -> bool:
    """Whether a fill is solid and dark enough that white text on it is seen: an RGB or legacy
    palette colour of luminance under 0.6, or a theme colour other than the light ones (lt1,
    lt2) not lightened past 40% (tester BC F7, 2026-12-07: a white run on a dark fill refused)."""
    colour = getattr(fill, "fgColor", None)
    if getattr(fill, "patternType", None) != "solid" or colour is None:
        return False
    theme, indexed, rgb = getattr(colour, "theme", None), getattr(colour, "indexed", None), None
    if isinstance(theme, int) and getattr(colour, "type", None) == "theme":
        return theme not in (0, 2) and (getattr(colour, "tint", 0) or 0) < 0.4
    if isinstance(indexed, int) and getattr(colour, "type", None) == "indexed":
        rgb = COLOR_INDEX[indexed] if 0 <= indexed < len(COLOR_INDEX) else None
    elif isinstance(getattr(colour, "rgb", None), str):
        rgb = colour.rgb
    if not rgb or not _RGB.fullmatch(rgb[-6:]):
        return False
    red, green, blue = (int(rgb[-6:][at:at + 2], 16) for at in (0, 2, 4))
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255 < 0.6


@dataclass(frozen=True)
class UnseenStyles:
    """A workbook's cell styles: `marks`, style index -> what strikes a text cell or shows it
    blank (删除线, 白色, 隐藏文字的格式「;;;」, 与底色相近的颜色); `white_shown`, the styles whose
    dark fill shows a white run of rich text; `backgrounds`, the RGB of each style's solid fill
    (white for the others), against which the colour of a rich text's run is judged; `runs`,
    whether the sheet's strings hold marked or coloured runs (then every text cell is judged)."""

    marks: dict[int, str] = field(default_factory=dict)
    white_shown: frozenset[int] = frozenset()
    backgrounds: dict[int, str] = field(default_factory=dict)
    runs: bool = False

    def __bool__(self) -> bool:
        return bool(self.marks or self.white_shown or self.runs)

    def shown(self, text: MarkedText, style: int) -> str:
        """`text` as a cell of `style` shows it (`MarkedText.shown_on`)."""
        return text.shown_on(self.backgrounds.get(style, "FFFFFF"), style in self.white_shown)


def _background(fill: Any, palette: tuple[str, ...]) -> str:
    """A fill's colour as text on it is seen against: a solid fill's, else white."""
    if getattr(fill, "patternType", None) != "solid":
        return "FFFFFF"
    return rgb(attributes(getattr(fill, "fgColor", None)), palette) or "FFFFFF"


def unseen_styles(workbook: Any, *, white_runs: bool = True) -> UnseenStyles:
    """The workbook's `UnseenStyles` (`white_shown` and `backgrounds` only when `white_runs`: a
    marked or coloured run was found); none when the tables cannot be read (the cells read as
    before)."""
    styles, fonts = getattr(workbook, "_cell_styles", None), getattr(workbook, "_fonts", None)
    fills, custom = getattr(workbook, "_fills", None), getattr(workbook, "_number_formats", None)
    if styles is None or fonts is None or fills is None or custom is None:
        return UnseenStyles()
    found: dict[int, str] = {}
    white_shown: set[int] = set()
    backgrounds: dict[int, str] = {}
    palette = theme_palette(workbook)
    for index, style in enumerate(styles):
        try:
            font, fill = fonts[style.fontId], fills[style.fillId]
            number = style.numFmtId
            number_format = (BUILTIN_FORMATS.get(number, "General") if number < BUILTIN_FORMATS_MAX_SIZE
                             else custom[number - BUILTIN_FORMATS_MAX_SIZE])
        except (IndexError, TypeError):
            continue
        marks = ["删除线"] if getattr(font, "strike", False) else []
        marks += ["白色"] if _white(getattr(font, "color", None)) and _unfilled(fill) else []
        marks += [f"隐藏文字的格式「{number_format}」"] if _text_hidden(str(number_format)) else []
        background = _background(fill, palette)
        text_colour = rgb(attributes(getattr(font, "color", None)), palette) or "000000"  # automatic: black
        marks += [ALIKE] if "白色" not in marks and alike(text_colour, background) else []
        if marks:
            found[index] = "、".join(marks)
        if white_runs and _shows_white(fill):
            white_shown.add(index)
        if white_runs and background != "FFFFFF":
            backgrounds[index] = background
    return UnseenStyles(found, frozenset(white_shown), backgrounds, white_runs)


def marked_if_unseen(value: Any, cell: Any, unseen: UnseenStyles) -> Any:
    """`value` (a cell's) as a `MarkedText` when it is text under a style of `unseen`, and without
    its 白色 mark when its fill shows white."""
    if not isinstance(value, str) or not value.strip():
        return value
    style = getattr(cell, "_style_id", 0) or 0
    if isinstance(value, MarkedText):
        value = unseen.shown(value, style)
    if not (mark := unseen.marks.get(style)):
        return value
    counts = dict(value.counts) if isinstance(value, MarkedText) else {}
    return MarkedText(value, counts | dict.fromkeys(mark.split("、"), len(value.strip())))
