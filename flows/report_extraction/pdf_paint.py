"""How each character of a PDF page is painted, beyond its colour: its opacity, whether only its
outline is drawn, whether it lies in an optional-content layer that is hidden, and the spot ink
(a Separation or DeviceN colour) it is filled in.

pdfminer reads a character's colour but leaves its graphics state's opacity (`/ca`, `/CA` of an
ExtGState set by `gs`), the text render mode (`Tr`) and optional content (`/OC` marked content, a
form XObject's `/OC`) and a spot colour's name out of what it keeps. Watermark tools draw their
text in exactly those: black at 12-15 % opacity, outline-only, in a layer (tester BI of
2026-12-07, F5 and F13: a watermark's faint `1` read 24.39 as 124.39, a hidden layer's text as
printed); a spot ink's tint is kept but not its hue (F12: a figure in `PANTONE Red 032 C`, a 红字,
read positive). `painted(page)` reads the page with an interpreter that keeps them on each
character's graphic state, and `paint(char)` says them. A form XObject starts with the opacity
and layer it is painted in. A soft mask is noted (`masked`: a figure under one is refused, tester
BK F8), not read; nor are blend modes, a transparency group's own opacity, a spot ink's hue (its
tint transform). Clipping paths are kept by their bounds (`clipped_out`).

    page = painted(pdf.pages[0])
    paint(char)        # Paint(opacity=0.12, outline=False, hidden=False, spot='') for an LTChar of it
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from pdfminer.layout import LTChar, LTPage
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFStackT, PDFTextState
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import Matrix, apply_matrix_pt
from pdfplumber.page import Page

from flows.report_extraction.pdf_fonts import FontDevice
from flows.report_extraction.pdf_optional_content import hidden_layers, layer_hidden

_OUTLINE_ONLY = {1, 5}  # stroke (and add to the clip path): the glyph's inside is not painted
_FILL_AND_STROKE = {2, 6}
_SPOT = {"Separation", "DeviceN"}
_HUE_UNREAD = {"Indexed": "索引色（Indexed）", "Lab": "Lab 颜色", "Pattern": "图案或渐变（Pattern）颜色"}
_RUNS = itertools.count()
_BLACK = ("black", "黑")  # a colorant named so prints black (PANTONE Black 6 C); `All` is every plate


@dataclass(frozen=True)
class Paint:
    """How a character is painted: its opacity (0 none, 1 opaque), outline only or filled and
    stroked, in a hidden layer or not, the colour whose hue is not read, under a soft mask or not,
    and the string (text operator) it belongs to."""

    opacity: float = 1.0
    outline: bool = False
    hidden: bool = False
    spot: str = ""  # the colour it is filled in when its hue is not read (a spot ink but black): its name
    masked: bool = False  # painted under a soft mask: whether and how it prints is not read
    run: int = -1  # the text-showing operator that painted it: the characters of one string share it
    stroked: bool = False  # filled and stroked (modes 2, 6): it prints as the darker of the two


class _State(PDFGraphicState):
    """A graphic state that also keeps what `Paint` says, and the clipping paths' bounds."""

    def __init__(self) -> None:
        super().__init__()
        self.fill_alpha, self.stroke_alpha, self.render, self.hidden = 1.0, 1.0, 0, False
        self.spot = ""  # the colorants of the fill's colour space when it was last set to a spot one
        self.masked = False
        self.run = -1
        self.clip: tuple[float, float, float, float] | None = None  # the clipping paths' bounds, on the page

    def copy(self) -> _State:
        state = _State()
        state.__dict__.update(self.__dict__)
        return state


def paint(char: LTChar) -> Paint:
    """How the character prints (opaque, filled, shown when its layout was not read by `painted`)."""
    state = char.graphicstate
    if not isinstance(state, _State):
        return Paint()
    if state.render in _OUTLINE_ONLY:
        return Paint(state.stroke_alpha, True, state.hidden, masked=state.masked, run=state.run)
    both = state.render in _FILL_AND_STROKE
    spot = state.spot if getattr(state.ncs, "name", "") in _SPOT | _HUE_UNREAD.keys() else ""
    return Paint(max(state.fill_alpha, state.stroke_alpha) if both else state.fill_alpha, False, state.hidden,
                 spot, state.masked, state.run, both)


def clipped_out(char: LTChar) -> bool:
    """Whether the character lies wholly outside the bounds of the clipping path it is painted in
    (it prints nothing: tester BK F9, 2026-12-07, a `1` clipped out of view joined 24.39); one
    inside the bounds of a path that is not a rectangle is not judged."""
    clip = getattr(char.graphicstate, "clip", None)
    return clip is not None and (char.x1 <= clip[0] + 0.5 or char.x0 >= clip[2] - 0.5
                                 or char.y1 <= clip[1] + 0.5 or char.y0 >= clip[3] - 0.5)


class _Interpreter(PDFPageInterpreter):
    """pdfminer's interpreter keeping opacity, render mode and hidden layers on the graphic state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start = _State()
        self.off: frozenset[int] = frozenset()  # the object ids of layers hidden by default
        self.layers: list[bool] = []  # the open marked-content sequences: each hides or not

    def process_page(self, page: PDFPage) -> None:
        self.off = hidden_layers(getattr(page.doc, "catalog", {}))
        super().process_page(page)

    def init_resources(self, resources: dict[object, object]) -> None:
        super().init_resources(resources)
        specs = resolve1((resolve1(resources) or {}).get("Font")) if resources else None
        if isinstance(self.device, FontDevice) and isinstance(specs, dict):
            self.device.specs.update({id(font): resolve1(specs[name]) for name, font in self.fontmap.items()})

    def init_state(self, ctm: Matrix) -> None:
        super().init_state(ctm)
        self.graphicstate = self.start.copy()

    def subinterp(self) -> PDFPageInterpreter:
        inner = super().subinterp()
        assert isinstance(inner, _Interpreter)
        inner.off = self.off
        outer = self.graphicstate
        if isinstance(outer, _State):  # a form is painted in the opacity and layer it is drawn in
            inner.start.fill_alpha, inner.start.stroke_alpha = outer.fill_alpha, outer.stroke_alpha
            inner.start.render, inner.start.hidden = outer.render, outer.hidden
            inner.start.masked, inner.start.clip = outer.masked, outer.clip
        return inner

    def set_current_state(self, state: tuple[Matrix, PDFTextState, PDFGraphicState]) -> None:
        super().set_current_state(state)
        self._mark()

    def do_gs(self, name: PDFStackT) -> None:
        states = resolve1((self.resources or {}).get("ExtGState")) or {}
        found = resolve1(states.get(getattr(name, "name", name))) if isinstance(states, dict) else None
        if isinstance(found, dict) and isinstance(self.graphicstate, _State):
            for key, attr in (("ca", "fill_alpha"), ("CA", "stroke_alpha")):
                value = resolve1(found.get(key))
                if isinstance(value, int | float):
                    setattr(self.graphicstate, attr, min(max(float(value), 0.0), 1.0))
            if "SMask" in found:  # a mask dictionary, or /None taking it away
                self.graphicstate.masked = getattr(resolve1(found["SMask"]), "name", "") != "None"

    def do_cs(self, name: PDFStackT) -> None:
        super().do_cs(name)
        spaces = resolve1((self.resources or {}).get("ColorSpace")) or {}
        space = resolve1(spaces.get(getattr(name, "name", name))) if isinstance(spaces, dict) else None
        if isinstance(self.graphicstate, _State):
            self.graphicstate.spot = _spot(name if space is None else space)  # `/Pattern cs`: no resource

    def do_W(self) -> None:
        self._clip()
        super().do_W()

    def do_W_a(self) -> None:
        self._clip()
        super().do_W_a()

    def _clip(self) -> None:
        """The clipping path's bounds on the page, within the clip before it (pdfminer keeps none)."""
        points = [apply_matrix_pt(self.ctm, (float(seg[at]), float(seg[at + 1])))
                  for seg in self.curpath for at in range(1, len(seg) - 1, 2)]
        if not points or not isinstance(self.graphicstate, _State):
            return
        xs, ys = [x for x, _ in points], [y for _, y in points]
        box, before = (min(xs), min(ys), max(xs), max(ys)), self.graphicstate.clip
        self.graphicstate.clip = box if before is None else (
            max(before[0], box[0]), max(before[1], box[1]), min(before[2], box[2]), min(before[3], box[3]))

    def do_TJ(self, seq: PDFStackT) -> None:
        if isinstance(self.graphicstate, _State):
            self.graphicstate.run = next(_RUNS)  # Tj, ' and " show their string through TJ
        super().do_TJ(seq)

    def do_Tr(self, render: PDFStackT) -> None:
        super().do_Tr(render)
        if isinstance(self.graphicstate, _State):
            self.graphicstate.render = self.textstate.render

    def do_BMC(self, tag: PDFStackT) -> None:
        super().do_BMC(tag)
        self._open(False)

    def do_BDC(self, tag: PDFStackT, props: PDFStackT) -> None:
        super().do_BDC(tag, props)
        layer: Any = props
        if isinstance(props, PSLiteral):
            named = resolve1((self.resources or {}).get("Properties")) or {}
            layer = named.get(props.name) if isinstance(named, dict) else None
        self._open(isinstance(tag, PSLiteral) and tag.name == "OC" and layer_hidden(layer, self.off))

    def do_EMC(self) -> None:
        super().do_EMC()
        if self.layers:
            self.layers.pop()
        self._mark()

    def do_Do(self, xobjid_arg: PDFStackT) -> None:
        name = getattr(xobjid_arg, "name", xobjid_arg)
        form = resolve1(self.xobjmap.get(name)) if isinstance(name, str) else None
        self._open(layer_hidden(getattr(form, "attrs", {}).get("OC"), self.off))
        try:
            super().do_Do(xobjid_arg)
        finally:
            self.layers.pop()
            self._mark()

    def _open(self, hides: bool) -> None:
        self.layers.append(hides)
        self._mark()

    def _mark(self) -> None:
        if isinstance(self.graphicstate, _State):
            self.graphicstate.hidden = self.start.hidden or any(self.layers)


def _spot(space: Any) -> str:
    """How a colour space whose hue is not read is named: a Separation's or DeviceN's colorants
    (专色“PANTONE Red 032 C”), an indexed, Lab or pattern colour (tester BK F4, F22, 2026-12-07: a
    red 红字 in each read positive); '' for another, or for inks of black alone (`None` paints nothing: it is
    named, not taken for black)."""
    family = getattr(space[0] if isinstance(space, list) and space else space, "name", "")
    if family in _HUE_UNREAD:
        return _HUE_UNREAD[family]
    if family not in _SPOT or not isinstance(space, list) or len(space) < 2:
        return ""
    names = resolve1(space[1])
    found = [getattr(n, "name", str(n)) for n in (names if isinstance(names, list) else [names])]
    black = [n for n in found if n == "All" or any(word in n.lower() for word in _BLACK)]
    kind = "专色" if family == "Separation" else "多色油墨"
    return "" if len(black) == len(found) else f"{kind}“{'、'.join(found)}”"


class _PaintedPage(Page):
    """A pdfplumber page whose layout is read by `_Interpreter`; `fonts`, the device that read it,
    holds the fonts and codes it drew (`pdf_fonts`)."""

    @property
    def layout(self) -> LTPage:
        if not hasattr(self, "_painted"):
            self.fonts = FontDevice(self.pdf.rsrcmgr, pageno=self.page_number, laparams=self.pdf.laparams)
            _Interpreter(self.pdf.rsrcmgr, self.fonts).process_page(self.page_obj)
            self._painted: LTPage = self.fonts.get_result()
        return self._painted


def painted(page: Page) -> Page:
    """The page read again so that `paint` tells each of its characters' opacity, outline and layer."""
    return _PaintedPage(page.pdf, page.page_obj, page_number=page.page_number,
                        initial_doctop=page.initial_doctop)
