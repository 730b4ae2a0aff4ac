"""Optional content (a layer) added to a PDF by hand, as an incremental update: the way layer and
watermark tools add a layer to a report server's PDF. reportlab writes no layers.

    hide_in_layer(path, "WM", visible=False)   # a PDF whose content draws in `/OC /WM BDC ... EMC`

The PDF's first page must name the layer in its content (`/OC /WM BDC ... EMC`, written with
reportlab's `addLiteral`); this adds the optional-content group (`/WM` in the page's resources,
on or off in the document's default configuration) and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path


def _object(data: bytes, marker: bytes) -> tuple[int, bytes]:
    """The number and dictionary text of the first object whose dictionary matches `marker`."""
    for found in re.finditer(rb"(\d+) 0 obj\s*(<<.*?)\s*endobj", data, re.S):
        if re.search(marker, found.group(2)):
            return int(found.group(1)), found.group(2)
    raise AssertionError(f"no object with {marker!r}")


def hide_in_layer(path: Path, name: str = "WM", *, visible: bool = False, printed: bool | None = None,
                  policy: str = "") -> Path:
    """Add the layer `name` (shown or hidden by default) to the PDF at `path`, in place; `printed`:
    its print state as well (`/Usage /Print /PrintState` with an automatic state for printing);
    `policy`: the content names a membership dictionary of the layer with this `/P` (AllOff ...)."""
    data = path.read_bytes()
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    root, catalog = _object(data, rb"/Type /Catalog\b")
    page_number, page = _object(data, rb"/Type /Page\b(?!s)")
    layer, membership = size, size + 1
    state = b"/ON" if visible else b"/OFF"
    usage = automatic = b""
    if printed is not None:
        usage = b" /Usage << /Print << /PrintState /%s >> >>" % (b"ON" if printed else b"OFF")
        automatic = b" /AS [<< /Event /Print /Category [/Print] /OCGs [%d 0 R] >>]" % layer
    catalog = catalog.replace(b"<<", b"<< /OCProperties << /OCGs [%d 0 R] /D << %s [%d 0 R]%s >> >>"
                              % (layer, state, layer, automatic), 1)
    named = membership if policy else layer
    page = page.replace(b"/Resources <<", b"/Resources << /Properties << /%s %d 0 R >>"
                        % (name.encode(), named), 1)
    assert b"/Properties" in page, "the page's resources are not written inline"
    objects = [(layer, b"<< /Type /OCG /Name (%s)%s >>" % (name.encode(), usage)), (root, catalog),
               (page_number, page)]
    if policy:
        objects.append((membership, b"<< /Type /OCMD /OCGs [%d 0 R] /P /%s >>" % (layer, policy.encode())))
    update, offsets = b"\n", {}
    for number, body in objects:
        offsets[number] = len(data) + len(update)
        update += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(data) + len(update)
    table = b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, at) for n, at in sorted(offsets.items()))
    trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        max(offsets) + 1, root, previous, xref_at)
    path.write_bytes(data + update + table + trailer)
    return path


def add_colour_space(path: Path, name: str, space: bytes) -> Path:
    """Add the colour space `space` (`[/Indexed /DeviceRGB 1 <000000FF0000>]`) to the first page's
    resources as `name`, in place, for content that sets it with `/name cs` (reportlab's `addLiteral`)."""
    return _add_resource(path, b"ColorSpace", name, space)


def add_ext_g_state(path: Path, name: str, state: bytes) -> Path:
    """Add the graphics state parameter dictionary `state` to the first page's resources as `name`,
    in place, for content that sets it with `/name gs`; the page must have no ExtGState yet."""
    return _add_resource(path, b"ExtGState", name, state)


def add_pattern(path: Path, name: str, pattern: bytes) -> Path:
    """Add the pattern `pattern` (a shading's dictionary) to the first page's resources as `name`, in
    place, for content that paints with it (`/Pattern cs /name scn`)."""
    return _add_resource(path, b"Pattern", name, pattern)


def _add_resource(path: Path, category: bytes, name: str, value: bytes) -> Path:
    data = path.read_bytes()
    size = int(re.findall(rb"/Size (\d+)", data)[-1])
    previous = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    root = int(re.findall(rb"/Root (\d+) 0 R", data)[-1])
    page_number, page = _object(data, rb"/Type /Page\b(?!s)")
    assert b"/" + category + b" " not in page, "the page has resources of this kind already"
    entry = b"/Resources << /%s << /%s %s >>" % (category, name.encode(), value)
    page = page.replace(b"/Resources <<", entry, 1)
    update = b"\n%d 0 obj\n%s\nendobj\n" % (page_number, page)
    table = b"xref\n%d 1\n%010d 00000 n \n" % (page_number, len(data) + 1)
    trailer = b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, previous, len(data) + len(update))
    path.write_bytes(data + update + table + trailer)
    return path
