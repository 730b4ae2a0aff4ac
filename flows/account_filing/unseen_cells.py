"""Cell styles under which Excel shows a text cell blank or struck out: a white font on no fill,
a font struck through (a clerk's usual mark of a cancelled row), or a number format whose text
section is empty (`;;;`). Tester BA (2026-12-07) saw such cells filed without a word: a name under
`;;;`, a 经营范围 in white, a whole row struck through.

    >>> unseen = unseen_styles(workbook)          # style index -> what hides or strikes the text
    >>> rows = rows_with_formats(cell_rows, unseen)  # shown_numbers: such text cells marked

The styles are read once per workbook from openpyxl's tables; a workbook without such a style
(the usual export) is read as before. A text cell in one becomes a `MarkedText`, which the row
refuses naming the cell (rich_text_marked), as a struck or white run of rich text is.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

from flows.account_filing.rich_text_cells import MarkedText, is_white

_QUOTED = re.compile(r'"[^"]*"|\\.')


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


def unseen_styles(workbook: Any) -> dict[int, str]:
    """Style index -> the mark (删除线, 白色, 隐藏文字的格式「;;;」) of each cell style that strikes
    a text cell or shows it blank; {} when the tables cannot be read (the cells read as before)."""
    styles, fonts = getattr(workbook, "_cell_styles", None), getattr(workbook, "_fonts", None)
    fills, custom = getattr(workbook, "_fills", None), getattr(workbook, "_number_formats", None)
    if styles is None or fonts is None or fills is None or custom is None:
        return {}
    found: dict[int, str] = {}
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
        if marks:
            found[index] = "、".join(marks)
    return found


def marked_if_unseen(value: Any, cell: Any, unseen: dict[int, str]) -> Any:
    """`value` (a cell's) as a `MarkedText` when it is text under a style of `unseen`."""
    if not isinstance(value, str) or not value.strip():
        return value
    mark = unseen.get(getattr(cell, "_style_id", 0) or 0)
    return MarkedText(value, mark, len(value.strip())) if mark else value
