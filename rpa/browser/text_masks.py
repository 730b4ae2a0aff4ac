"""Masks by value for a failure screenshot: whatever page an item failed on, every element that
shows one of the item's personal values is blacked out, known to the selectors or not.

    with text_masks(page, personal_values(item.payload, kept)) as by_value:
        take_screenshot(page, path, mask=[*selector_masks, *by_value])

The selector masks (`rpa.browser.evidence.personal_masks`) know the portal's own screens; a page
they do not know (an error page echoing the input, a page cut short, a portal that changed)
masks nothing by them. So in every frame a script marks, with an attribute, the innermost
elements whose text holds a value (whitespace, full-/half-width and letter case aside), every
input and textarea whose value holds one and every select showing one; the screenshot masks the
marked elements, and the marks are taken off again. Elements that hold no value, the portal's
message among them, stay readable. A frame that cannot be read is masked whole (its frame
element); when the page itself cannot be read, or changed while it was masked (a navigation
that ended, a frame that came or went, marks lost to a re-rendering: the screenshot may show a
value unmarked), the masking ends in a PlaywrightError, and the caller keeps no screenshot.

Failure screenshots are masked this way. A success screenshot shows a screen the selectors know
and is masked by them; by value only for a value that is a person's on some rows alone (a
无字号个体工商户's name: `PortalWorker.screenshot`'s `personal`), as the cost counts (two more
round trips per frame).
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Locator, Page

MARK = "data-rpa-personal"

# ([values, mark, token]) -> {n: how many elements it marked}; values come normalised as `_normalised`
# does; the token, left on the window, tells afterwards whether the document is still the one marked
_MARK_SCRIPT = """([values, mark, token]) => {
  window.__rpaPersonalMarks = token;
  const norm = (s) => (s || '').normalize('NFKC').replace(/\\s+/g, '').toLowerCase();
  const holds = (text) => { const t = norm(text); return values.filter((v) => t.includes(v)); };
  let marked = 0;
  const markIt = (el) => { el.setAttribute(mark, ''); marked += 1; };
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') {
        if (holds(el.value).length) markIt(el);
      } else if (el.tagName === 'SELECT') {
        if (holds(Array.from(el.selectedOptions, (o) => o.text).join(' ')).length) markIt(el);
      } else {
        const children = Array.from(el.children, (c) => norm(c.textContent));
        if (holds(el.textContent).some((v) => !children.some((c) => c.includes(v)))) markIt(el);
      }
    }
  };
  visit(document);
  return {n: marked};
}"""
# ([mark, token]) -> {n: how many marks it took off, -1 when the document is not the one marked}
_UNMARK_SCRIPT = """([mark, token]) => {
  const same = window.__rpaPersonalMarks === token;
  delete window.__rpaPersonalMarks;
  let removed = 0;
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (el.hasAttribute(mark)) { el.removeAttribute(mark); removed += 1; }
    }
  };
  visit(document);
  return {n: same ? removed : -1};
}"""


class PageChanged(PlaywrightError):
    """The page changed while its values were masked: a screenshot taken meanwhile may show
    values unmasked."""


def _normalised(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _run(frame: Frame, script: str, arg: object, timeout_ms: float) -> int:
    """`script(arg)`'s `n` in the frame's document. A page whose navigation is under way has no
    document to run it in until the answer comes: wait for that at most `timeout_ms` (a plain
    evaluate would wait as long as the portal takes), then TimeoutError."""
    handle = frame.wait_for_function(script, arg=arg, timeout=timeout_ms, polling=100)
    try:
        return int(handle.json_value()["n"])
    finally:
        handle.dispose()


@contextmanager
def text_masks(page: Page, values: Sequence[str], *, timeout_ms: float = 5_000) -> Iterator[list[Locator]]:
    """The masks of every element of `page`, in every frame, that shows one of `values` (values
    of fewer than 2 characters, whitespace aside, are left out); the marks they rely on are
    taken off at the end. PageChanged at the end when the page changed meanwhile; TimeoutError
    when a frame had no document to read within `timeout_ms`."""
    wanted = sorted({n for n in map(_normalised, values) if len(n) >= 2})
    if not wanted:
        yield []
        return
    token, frames = secrets.token_hex(8), list(page.frames)
    marks: dict[Frame, int] = {}  # frame -> how many marks it holds
    try:
        for frame in frames:
            try:
                found = _run(frame, _MARK_SCRIPT, [wanted, MARK, token], timeout_ms)
                marks[frame] = marks.get(frame, 0) + found
            except PlaywrightError:
                parent = frame.parent_frame
                if parent is None:
                    raise  # the page itself: no screenshot rather than one unmasked
                frame.frame_element().evaluate("(el, mark) => el.setAttribute(mark, '')", MARK)
                marks[parent] = marks.get(parent, 0) + 1
        yield [frame.locator(f"[{MARK}]") for frame, count in marks.items() if count]
    finally:
        unchanged = page.frames == frames
        for frame, count in marks.items():
            try:  # every mark still there, on the same document
                unchanged = _run(frame, _UNMARK_SCRIPT, [MARK, token], timeout_ms) == count and unchanged
            except PlaywrightError:  # a frame gone since
                unchanged = False
    if not unchanged:
        raise PageChanged("页面在遮盖个人信息时发生了变化，截图可能未遮盖完整")
