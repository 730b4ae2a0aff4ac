"""What a Type3 font's glyph procedure prints, read from the procedure itself (and the form
XObjects it paints), for `pdf_fonts`.

    why = procedure_problem(spec, "seven", "7")   # None, or why the glyph does not print 7 as text

- A procedure missing, painting nothing (no path, image, shading or text; an image mask with no
  sample painted, `pdf_masks`, is no image), or showing text in the
  Type3 font itself, directly or through a form (a loop: pdfium prints nothing; tester BL's P05,
  BN's F7 of 2026-12-08) prints nothing.
- A procedure showing a string in another font shows that string: `seven` showing (1) through a
  form printed 1 and was read 7 (BN F6); one showing its own digit in Helvetica prints it (BN F8:
  refused as painting nothing).
- A procedure setting its own colour (a `d0` glyph may) prints in that colour, not the text's:
  red digits under 红字表示负数 were read positive (BN F12). Any colour but black is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral

from flows.report_extraction.numbers import normalise
from flows.report_extraction.pdf_masks import blank_inline_masks, blank_mask

_PAINTS = re.compile(rb"(?<![\w*'\"/])(?:f\*?|F|B\*?|b\*?|S|s|BI|sh)(?![\w*])")  # not a name's /F1
_SHOWS = re.compile(rb"(?<![\w*'\"/])T[jJ](?![\w*])")
_DOES = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")
_SELECTS = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+[-\d.]+\s+Tf\b")
_STRING = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj")
_COLOUR = re.compile(rb"(?<![\w.\-])((?:[-\d.]+\s+){1,4})(rg|RG|k|K|g|G|sc|SC|scn|SCN)(?![\w*])")
_BLACK = {"rg": (0, 0, 0), "RG": (0, 0, 0), "k": (0, 0, 0, 1), "K": (0, 0, 0, 1), "g": (0,), "G": (0,)}
_ESCAPES = {b"n": "\n", b"r": "\r", b"t": "\t", b"b": "\b", b"f": "\f"}


def procedure_problem(spec: Mapping[str, Any], name: str, read: str) -> str | None:
    """Why the Type3 glyph `name` does not print `read` as the text does; None when it does."""
    procedure = resolve1((resolve1(spec.get("CharProcs")) or {}).get(name))
    if not isinstance(procedure, PDFStream):
        return f"的字形“{name}”什么也不画，印不出“{read}”"
    own = procedure.get_data()
    if (colour := _colour(own)) is not None:
        return f"的字形“{name}”自带颜色（{colour}），印出的颜色不是文字的颜色：读不出是否红字或是否印出"
    resources = resolve1(spec.get("Resources")) or {}
    parts = list(_parts(own, resources))
    painted = any(_PAINTS.search(data) or images for data, _, images in parts)
    shown = [(data, res) for data, res, _ in parts if _SHOWS.search(data)]
    if any(_font(res, selected) is spec for data, res in shown for selected in _SELECTS.findall(data)):
        return f"的字形“{name}”用它自己的字体写字（循环引用），什么也不印，印不出“{read}”"
    if not painted and not shown:
        return f"的字形“{name}”什么也不画，印不出“{read}”"
    strings = [text for data, _ in shown for text in _STRING.findall(data)]
    drawn = "".join(_unescaped(text) for text in strings).strip()
    if drawn and normalise(drawn) != normalise(read):
        return f"的字形“{name}”画的是“{drawn}”，文字层却写作“{read}”"
    return None


def _parts(own: bytes, resources: Mapping[str, Any]) -> Iterator[tuple[bytes, Mapping[str, Any], bool]]:
    """The procedure and each form it paints: (content, its resources, whether it paints an image)."""
    xobjects = resolve1(resources.get("XObject")) if isinstance(resources, Mapping) else None
    images = False
    for name in _DOES.findall(own):
        target = resolve1(xobjects.get(name.decode("latin-1"))) if isinstance(xobjects, Mapping) else None
        if not isinstance(target, PDFStream):
            continue
        if _is(target.get("Subtype"), "Form"):
            form_resources = resolve1(target.get("Resources")) or resources
            yield _without_blank_masks(target.get_data()), form_resources, False
        else:
            images = images or not blank_mask(target)  # an empty bitmap glyph prints nothing (BN F10)
    yield _without_blank_masks(own), resources, images


def _without_blank_masks(content: bytes) -> bytes:
    """`content` less its inline image masks that paint nothing (an empty bitmap glyph)."""
    for start, end in reversed(blank_inline_masks(content)):
        content = content[:start] + content[end:]
    return content


def _font(resources: Mapping[str, Any], selected: bytes) -> Any:
    fonts = resolve1(resources.get("Font")) if isinstance(resources, Mapping) else None
    return resolve1(fonts.get(selected.decode("latin-1"))) if isinstance(fonts, Mapping) else None


def _colour(data: bytes) -> str | None:
    """The first colour other than black the procedure sets, as written; None for none."""
    for numbers, op in _COLOUR.findall(data):
        try:
            values = tuple(float(v) for v in numbers.split())
        except ValueError:  # `1.2.3 rg`: no colour a viewer reads either
            return f"{numbers.decode().strip()} {op.decode()}"
        black = _BLACK.get(op.decode(), ())
        if values[-len(black):] != black if black else any(values):  # sc/scn: no colour space read
            shown = " ".join(numbers.decode().split()[-len(black):] if black else numbers.decode().split())
            return f"{shown} {op.decode()}"
    return None


def _unescaped(text: bytes) -> str:
    """A PDF literal string's bytes as the characters a simple standard font shows."""
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: _escape(m.group(1)).encode("latin-1"),
                  text, flags=re.S).decode("latin-1")


def _escape(code: bytes) -> str:
    if code[:1].isdigit():
        return chr(int(code, 8) & 0xFF)
    return _ESCAPES.get(code, code.decode("latin-1"))


def _is(value: Any, name: str) -> bool:
    value = resolve1(value)
    return isinstance(value, PSLiteral) and value.name == name
