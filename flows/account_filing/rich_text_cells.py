"""Text in an xlsx cell that Excel shows as other than its characters read: a run of the cell's
rich text struck through, set raised or lowered, printed much smaller than the rest, or white.

openpyxl hands such a cell over with its runs glued together, and tester BA (2026-12-07) saw it
filed so: a struck-out old name before the new one filed as 北京旧名科技有限公司北京测试甲…; a
superscript footnote mark `2` after an account number filed as its twentieth digit, under an
account that is not the depositor's; a 6-point `1` after 500 (万元) filed as 5001 万元; tester BG
(F9) a black run in a black-filled cell filed joined (`cell_colours`: a run in about its cell's
background colour is a mark, 与底色相近的颜色, decided by the cell's style). Here each
such cell's value is a `MarkedText`, which the row refuses naming the cell (`unusable_cells`:
rich_text_marked), never files.

Shared strings (what Excel writes) are marked in the workbook's string table before any row is
read (`mark_shared_strings`); inline strings (what openpyxl and other programs write) by cell, from
a parse of the sheet made only when its XML holds run properties (`marked_inline_cells`). A part
that does not parse marks nothing: the data-only read reports the damage.

    >>> mark_shared_strings(path, worksheet)        # before worksheet.iter_rows()
    >>> marked_inline_cells(path, worksheet)        # {(row, column): MarkedText, ...}
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from flows.account_filing.cell_colours import alike, rgb, theme_palette
from rpa.input_files import reading

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RUN_PROPERTIES = re.compile(rb"<(?:\w+:)?rPr[\s>/]")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})")
_DEFAULT_SIZE = 11.0  # a run without its own size: the cell's, most often Excel's default 11 pt
_SMALL = 2 / 3  # a run under two thirds of the largest one's size is a mark, not the text
_WHITE_INDEXED = ("1", "9")  # the legacy palette's whites
_TRUE = ("1", "true", None)
Colours = tuple[tuple[str, int], ...]  # RGB -> how many characters of that colour
ALIKE = "与底色相近的颜色"  # the mark of a run (or a cell) in about its background's colour


class MarkedText(str):
    """A cell's text with a run Excel shows struck, raised, lowered, small or white: reads as the
    characters stored, never used; `counts` says how many characters each mark (删除线、上标 ...)
    covers, `mark` names the marks, `chars` the most characters one covers. `colours` holds the
    RGB of each coloured run (other than white) with its characters, until the cell's background
    is known (`shown_on`); text with colours and no marks is not refused."""

    counts: tuple[tuple[str, int], ...]
    colours: Colours

    def __new__(cls, text: str, counts: dict[str, int], colours: Colours = ()) -> MarkedText:
        value = super().__new__(cls, text)
        value.counts, value.colours = tuple(counts.items()), colours
        return value

    def __reduce__(self) -> tuple[type[MarkedText], tuple[str, dict[str, int], Colours]]:
        return (MarkedText, (str(self), dict(self.counts), self.colours))  # copy, pickle keep it

    @property
    def mark(self) -> str:
        return "、".join(name for name, _ in self.counts)

    @property
    def chars(self) -> int:
        return max((count for _, count in self.counts), default=0)

    def shown_on(self, background: str, white_seen: bool) -> str:
        """The text as a cell of `background` (RGB) shows it: a white run is no mark when
        `white_seen` (a dark fill), a run of about the background's colour is one; plain text
        when no mark is left."""
        left = {name: count for name, count in self.counts if not (white_seen and name == "白色")}
        for colour, count in self.colours:
            if alike(colour, background):
                left[ALIKE] = left.get(ALIKE, 0) + count
        return MarkedText(str(self), left) if left else str(self)


def marked_params(value: object) -> dict[str, object]:
    """A row issue's message parameters for a marked cell (what, how many characters); {} else."""
    return {"mark": value.mark, "count": value.chars} if isinstance(value, MarkedText) else {}


def _flag(properties: Element, name: str) -> bool:
    found = properties.find(f"{_NS}{name}")
    return found is not None and found.get("val") in _TRUE


def _size(properties: Element | None) -> float:
    found = properties.find(f"{_NS}sz") if properties is not None else None
    try:
        return float(found.get("val", _DEFAULT_SIZE)) if found is not None else _DEFAULT_SIZE
    except ValueError:
        return _DEFAULT_SIZE


def is_white(rgb: object, theme: object, indexed: object, tint: float) -> bool:
    """Whether a font colour is white: any ARGB ending FFFFFF (openpyxl writes 00FFFFFF), the
    legacy palette's whites, or theme colour 0 (lt1, the sheet's white) not darkened; the
    attributes as a run's XML or openpyxl's Color gives them."""
    return (str(rgb or "").upper()[-6:] == "FFFFFF" or str(indexed) in _WHITE_INDEXED
            or (str(theme) == "0" and tint > -0.1))


def _white(properties: Element) -> bool:
    colour = properties.find(f"{_NS}color")
    if colour is None:
        return False
    tint = float(colour.get("tint") or 0) if re.fullmatch(r"-?\d*\.?\d+", colour.get("tint") or "0") else 0.0
    return is_white(colour.get("rgb"), colour.get("theme"), colour.get("indexed"), tint)


def _colour(properties: Element | None, palette: tuple[str, ...]) -> str | None:
    colour = properties.find(f"{_NS}color") if properties is not None else None
    return rgb(colour.attrib, palette) if colour is not None else None


def marked(text: str, string: Element, palette: tuple[str, ...] = theme_palette(None)) -> MarkedText | None:
    """`text` (the string's characters as openpyxl reads them) marked when a run of `string` (an
    <si> or <is>) is struck, raised, lowered, much smaller than the largest run, or white; with
    the colours of its other coloured runs (`palette`: the workbook's theme) for the cell to judge."""
    runs = [(run.find(f"{_NS}rPr"), "".join(t.text or "" for t in run.iter(f"{_NS}t")))
            for run in string.findall(f"{_NS}r")]
    runs = [(properties, chars) for properties, chars in runs if chars.strip()]
    if not runs:
        return None
    largest = max(_size(properties) for properties, _ in runs)
    marks: dict[str, int] = {}
    colours: dict[str, int] = {}
    for properties, chars in runs:
        found = []
        if properties is not None:
            align = properties.find(f"{_NS}vertAlign")
            shift = align.get("val") if align is not None else None
            found += ["删除线"] if _flag(properties, "strike") else []
            found += ["上标"] if shift == "superscript" else ["下标"] if shift == "subscript" else []
            found += ["白色"] if _white(properties) else []
        found += ["小字号"] if _size(properties) < largest * _SMALL else []
        for mark in found:
            marks[mark] = marks.get(mark, 0) + len(chars.strip())
        if "白色" not in found and (colour := _colour(properties, palette)):
            colours[colour] = colours.get(colour, 0) + len(chars.strip())
    if not marks and not colours:
        return None
    return MarkedText(text, marks, tuple(colours.items()))


# an escape not itself escaped (`_x005F_x000A_` is the text _x000A_), and not `_x005F_` before one
_ESCAPE = re.compile(r"(?<!_x005F)_x([0-9A-Fa-f]{4})_(?<!_x005F_(?=x[0-9A-Fa-f]{4}_))")


def _character(found: re.Match[str]) -> str:
    code = int(found.group(1), 16)
    if (code < 0x20 and code not in (0x09, 0x0A, 0x0D)) or 0x7F <= code <= 0x9F:
        return found.group(0)  # a control character stays escaped: unusable_cells names it
    return chr(code)


def unescaped(text: str) -> str:
    """A cell's text with OOXML's escapes (`_x000D_`, `_x000A_`, `_x003F_`: how Excel and other
    writers store a character in XML) as the characters they stand for (tester BC, 2026-12-07: a
    name filed as 北京测试_x000A_科技有限公司); control characters stay escaped (control_char)."""
    return _ESCAPE.sub(_character, text) if "_x" in text else text


def unescape_shared_strings(worksheet: Any) -> None:
    """The workbook's shared string table (`worksheet`'s) with each string's escapes read."""
    table = getattr(worksheet, "_shared_strings", None)
    if isinstance(table, list):
        for index, text in enumerate(table):
            if type(text) is str and "_x" in text:
                table[index] = unescaped(text)


def _holds_runs(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether the part holds run properties (rich text) at all: most exports hold none."""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 16):
            if _RUN_PROPERTIES.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _strings(archive: zipfile.ZipFile, member: str, tag: str) -> Iterator[Element]:
    with archive.open(member) as handle:
        for _, element in iterparse(handle):
            if element.tag == f"{_NS}{tag}":
                yield element


def mark_shared_strings(path: Any, worksheet: Any) -> bool:
    """Mark, in the workbook's shared string table that `worksheet` reads, each string with a
    marked run (a string marked already, by another sheet's read, is marked again alike); whether
    a run was white or coloured (then a cell's fill decides, `unseen_cells.UnseenStyles.shown`)."""
    table = getattr(worksheet, "_shared_strings", None)
    white, palette = False, theme_palette(getattr(worksheet, "parent", None))
    if not isinstance(table, list) or not table:
        return white
    try:
        with reading(path), zipfile.ZipFile(path) as archive:
            member = _shared_strings_part(archive)
            if member is None or not _holds_runs(archive, member):
                return white
            for index, string in enumerate(_strings(archive, member, "si")):
                if index < len(table) and type(table[index]) is str:
                    table[index] = marked(unescaped(table[index]), string, palette) or table[index]
                    white = white or isinstance(table[index], MarkedText)
                string.clear()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        return white
    return white


_SHARED_STRINGS_PART = re.compile(rb'PartName="/?([^"]+)"[^>]*ContentType="[^"]*sharedStrings\+xml"'
                                  rb'|ContentType="[^"]*sharedStrings\+xml"[^>]*PartName="/?([^"]+)"')


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """The shared string table's part, as [Content_Types].xml names it (as openpyxl finds it)."""
    found = _SHARED_STRINGS_PART.search(archive.read("[Content_Types].xml"))
    name = (found.group(1) or found.group(2)).decode("utf-8", "replace") if found else None
    return name if name in archive.namelist() else None


def marked_inline_cells(
    path: Any, worksheet: Any, shown: Callable[[MarkedText, int], str] = lambda text, _: text
) -> dict[tuple[int, int], MarkedText]:
    """(row, column) -> the marked text of each inline-string cell of the sheet with a marked
    run, as `shown` (text, the cell's style) says its cell shows it (`UnseenStyles.shown`: a white
    run on a dark fill is seen, a run in the fill's colour is not); {} when the sheet's XML holds
    no run properties."""
    from openpyxl.utils import column_index_from_string

    member = getattr(worksheet, "_worksheet_path", None)
    found: dict[tuple[int, int], MarkedText] = {}
    palette = theme_palette(getattr(worksheet, "parent", None))
    if not member:
        return found
    try:
        with reading(path), zipfile.ZipFile(path) as archive:
            if not _holds_runs(archive, member):
                return found
            line = column = 0  # <row> and <c> may leave out r: then each follows the one before
            with archive.open(member) as handle:
                for event, element in iterparse(handle, events=("start", "end")):
                    if element.tag == f"{_NS}row" and event == "start":
                        line, column = int(element.get("r") or line + 1), 0
                    elif element.tag == f"{_NS}c" and event == "end":
                        ref = _CELL_REF.fullmatch(element.get("r") or "")
                        column = column_index_from_string(ref.group(1)) if ref else column + 1
                        inline = element.find(f"{_NS}is")
                        mark = marked(_inline_text(inline), inline, palette) if inline is not None else None
                        text = shown(mark, _style(element)) if mark else None
                        if isinstance(text, MarkedText) and text.counts:
                            found[(line, column)] = text
                        element.clear()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError):
        return {}
    return found


def _style(cell: Element) -> int:
    style = cell.get("s") or "0"
    return int(style) if style.isdigit() else 0


def _inline_text(inline: Element) -> str:
    return "".join(t.text or "" for t in inline.iter(f"{_NS}t") if t not in _phonetic(inline))


def _phonetic(string: Element) -> list[Element]:
    """The <t> of a string's phonetic runs (<rPh>), which Excel does not show in the cell."""
    return [t for ph in string.findall(f"{_NS}rPh") for t in ph.iter(f"{_NS}t")]
