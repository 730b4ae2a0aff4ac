"""The colours Excel paints a cell's text and background in, as RGB, so that text in (about) its
own background's colour is seen for what it is: not shown. Tester BG (2026-12-07, F9) saw a
black run of rich text in a black-filled cell filed joined to the rest; a white run was the only
one judged.

    >>> palette = theme_palette(workbook)               # the workbook's theme, Office's if none
    >>> rgb(colour_attributes, palette)                 # 'FFC000' (or None: automatic, unknown)
    >>> alike("FFFFFF", "F2F2F2")                       # True: every channel within 0x20

A colour is given as its attributes (`rgb`, `theme`, `indexed`, `tint`), as a run's XML or
openpyxl's `Color` hold them; a theme colour is looked up in the workbook's theme part
(`loaded_theme`), the tint lightening or darkening it as Excel does (in HLS lightness).
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import ParseError, fromstring

from openpyxl.styles.colors import COLOR_INDEX

_DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_HEX = re.compile(r"[0-9A-Fa-f]{6}")
_NUMBER = re.compile(r"-?\d*\.?\d+")
# Excel's theme colour index -> the theme's scheme name (0 and 1, 2 and 3 are swapped)
_SCHEME = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6",
           "hlink", "folHlink")
_OFFICE = ("FFFFFF", "000000", "E7E6E6", "44546A", "4472C4", "ED7D31", "A5A5A5", "FFC000", "5B9BD5",
           "70AD47", "0563C1", "954F72")  # Office's theme, for a workbook without one
_ALIKE = 0x20  # channels within this of each other: the text cannot be told from its background


def theme_palette(workbook: Any) -> tuple[str, ...]:
    """The workbook's theme colours by Excel's index (0 the light background, 1 the dark text ...);
    Office's where its theme part is missing or does not read."""
    theme = getattr(workbook, "loaded_theme", None)
    if not theme:
        return _OFFICE
    try:
        scheme = fromstring(theme).find(f".//{_DRAWING}clrScheme")
    except (ParseError, TypeError, ValueError):
        return _OFFICE
    if scheme is None:
        return _OFFICE
    found = []
    for at, name in enumerate(_SCHEME):
        element = scheme.find(f"{_DRAWING}{name}")
        value = None
        for child in element if element is not None else ():
            value = child.get("val") if child.tag == f"{_DRAWING}srgbClr" else child.get("lastClr")
        found.append(value.upper() if value and _HEX.fullmatch(value) else _OFFICE[at])
    return tuple(found)


def _tinted(hex_rgb: str, tint: float) -> str:
    red, green, blue = (int(hex_rgb[at:at + 2], 16) / 255 for at in (0, 2, 4))
    hue, light, saturation = colorsys.rgb_to_hls(red, green, blue)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    return "".join(f"{round(part * 255):02X}" for part in colorsys.hls_to_rgb(hue, light, saturation))


def rgb(colour: Mapping[str, Any], palette: Sequence[str]) -> str | None:
    """A colour's RGB (six hex digits, upper case) from its attributes; None when it is automatic
    or cannot be told (the caller decides what automatic means)."""
    if str(colour.get("auto")) in ("1", "true", "True"):
        return None
    tint = float(colour.get("tint") or 0) if _NUMBER.fullmatch(str(colour.get("tint") or 0)) else 0.0
    value, theme, indexed = colour.get("rgb"), colour.get("theme"), colour.get("indexed")
    found = None
    if isinstance(value, str) and _HEX.fullmatch(value[-6:]):
        found = value[-6:].upper()
    elif str(theme).isdigit() and int(str(theme)) < len(palette):
        found = palette[int(str(theme))]
    elif str(indexed).isdigit() and int(str(indexed)) < len(COLOR_INDEX):  # 64, the system's text: None
        found = COLOR_INDEX[int(str(indexed))][-6:].upper()
    return _tinted(found, max(-1.0, min(1.0, tint))) if found and tint else found


def attributes(colour: Any) -> dict[str, Any]:
    """An openpyxl `Color`'s attributes as `rgb` takes them ({} for none)."""
    if colour is None:
        return {}
    kind = getattr(colour, "type", None)
    found = {"tint": getattr(colour, "tint", 0)}
    if kind in ("rgb", "theme", "indexed", "auto"):
        found[str(kind)] = getattr(colour, str(kind), None)
    return found


def alike(one: str, other: str) -> bool:
    """Whether text of one colour on the other cannot be told from it: each channel within 0x20."""
    return all(abs(int(one[at:at + 2], 16) - int(other[at:at + 2], 16)) <= _ALIKE for at in (0, 2, 4))
