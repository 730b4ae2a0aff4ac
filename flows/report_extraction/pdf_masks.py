"""Whether an image mask paints anything, for `pdf_type3`: a bitmap font's glyph procedure is
`d1` and a 1-bit image mask (inline `BI … ID … EI`, or an image XObject with /ImageMask true),
and an empty bitmap prints nothing, though the text layer names its digit (tester BN F10,
2026-12-08: a blank "seven" read 594,947.21 from paper showing 594,94 .21).

    blank_inline_masks(content)      # the inline image masks of a content stream that paint nothing
    blank_mask(xobject)              # an image XObject that is a mask painting nothing

A mask is blank when every sample (padding bits aside) leaves the page as it was: 1 under the
default /Decode [0 1], 0 under [1 0]. An image that is no mask, a filter not read here (only
ASCIIHex and Flate, or none), or data shorter than its size is taken as painting.
"""

from __future__ import annotations

import binascii
import re
import zlib
from typing import Any

from pdfminer.pdftypes import PDFStream, resolve1

_INLINE = re.compile(rb"(?<![\w*'\"/])BI\s(.*?)\sID\s", re.DOTALL)
_ENTRY = re.compile(rb"/(\w+)\s*(\[[^\]]*\]|/[\w.]+|[-\w.]+)")
_HEX = (b"/AHx", b"/ASCIIHexDecode")
_FLATE = (b"/Fl", b"/FlateDecode")


def blank_inline_masks(content: bytes) -> list[tuple[int, int]]:
    """(start, end) of each inline image mask in `content` that paints nothing, from BI to EI."""
    found = []
    for head in _INLINE.finditer(content):
        entries = dict(_ENTRY.findall(head.group(1)))
        data_at = head.end()
        filters = (entries.get(b"F") or entries.get(b"Filter") or b"").strip(b"[] ")
        mask = entries.get(b"IM", entries.get(b"ImageMask")) == b"true"
        size = _size(entries.get(b"W", entries.get(b"Width")), entries.get(b"H", entries.get(b"Height")))
        decoded, end = _inline_data(content, data_at, filters, size)
        ends = re.compile(rb"\sEI(?![\w*])").search(content, end)
        if mask and size and decoded is not None and ends is not None:
            inverted = (entries.get(b"D") or entries.get(b"Decode") or b"").split() == [b"[1", b"0]"]
            if _paints_nothing(decoded, *size, inverted=inverted):
                found.append((head.start(), ends.end()))
    return found


def blank_mask(image: PDFStream) -> bool:
    """An image XObject that is a 1-bit mask whose every sample leaves the page as it was."""
    if resolve1(image.get("ImageMask")) is not True:
        return False
    size = _size(resolve1(image.get("Width")), resolve1(image.get("Height")))
    decode = resolve1(image.get("Decode"))
    try:
        data = image.get_data()
    except Exception:  # a filter pdfminer cannot undo: not known to be blank
        return False
    inverted = isinstance(decode, list) and [resolve1(v) for v in decode] == [1, 0]
    return size is not None and _paints_nothing(data, *size, inverted=inverted)


def _size(width: Any, height: Any) -> tuple[int, int] | None:
    try:
        w, h = int(width), int(height)
    except (TypeError, ValueError):
        return None
    return (w, h) if 0 < w <= 10_000 and 0 < h <= 10_000 else None


def _inline_data(content: bytes, at: int, filters: bytes, size: tuple[int, int] | None
                 ) -> tuple[bytes | None, int]:
    """The image's samples decoded, and where its data ends; None for a filter not read here."""
    if not size:
        return None, at
    if filters in _HEX:
        end = content.find(b">", at)
        hexed = re.sub(rb"\s", b"", content[at:end if end >= 0 else len(content)])
        try:
            return binascii.unhexlify(hexed + b"0" * (len(hexed) % 2)), max(end, at)
        except binascii.Error:
            return None, at
    if filters in _FLATE:
        inflate = zlib.decompressobj()
        try:
            data = inflate.decompress(content[at:])
        except zlib.error:
            return None, at
        return data, len(content) - len(inflate.unused_data)
    if filters:
        return None, at
    length = (size[0] + 7) // 8 * size[1]
    return content[at:at + length], at + length


def _paints_nothing(data: bytes, width: int, height: int, *, inverted: bool) -> bool:
    row = (width + 7) // 8
    if len(data) < row * height:
        return False
    return all(_row_blank(data[line * row:(line + 1) * row], width, inverted) for line in range(height))


def _row_blank(row: bytes, width: int, inverted: bool) -> bool:
    whole, rest = divmod(width, 8)
    keep = 0xFF & ~(0xFF >> rest)  # the sample bits of the last, partial byte
    unpainted = 0x00 if inverted else 0xFF
    if any(byte != unpainted for byte in row[:whole]):
        return False
    return not rest or row[whole] & keep == unpainted & keep
