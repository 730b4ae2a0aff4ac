"""Setting a form's fields in one round trip, as a person's typing and choosing would.

    for step, left in fill_fields(frame, form, selectors.page("query"), steps):
        ...  # left.reason "read_only" (left.shown: what it holds) or "no_option": the caller's call

A small script finds each field by the page's own candidates from selectors/<portal>.yaml (css
and xpath, in order), sets it and fires the input and change events the page listens for (a
checkbox is clicked, so its handler runs). One `evaluate` instead of a locate and an action per
field, each a round trip through Playwright's driver. A field its candidates do not find that
way is set through Playwright with the remaining candidates (label, role). What neither can do
is handed back, in the steps' order: a read-only or disabled field (with what it shows) and a
select without the value; what each means is the caller's to say. A field scoped to a section
of the page, or a candidate that matches two fields where the selectors must be unique, is left
to Playwright, whose locating knows sections and calls two matches an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from rpa.bound_page import BoundPage
    from rpa.selectors import PageSelectors

_SET_JS = """(steps) => {
  // the first match; 'many' for a candidate that must match one element and matches more
  const find = (c) => {
    try {
      let all;
      if (c.css) all = Array.from(document.querySelectorAll(c.css));
      else {
        const found = document.evaluate(c.xpath, document, null,
                                        XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
        all = Array.from({length: found.snapshotLength}, (_, i) => found.snapshotItem(i));
      }
      return all.length > 1 && c.unique ? 'many' : (all[0] || null);
    } catch (e) { return null; }
  };
  const left = [];
  for (const step of steps) {
    let el = null;
    for (const c of step.candidates) { el = find(c); if (el) break; }
    // not found, or found twice: Playwright's locating names the error (or finds it by label)
    if (!el || el === 'many') {
      left.push({element: step.element, reason: 'missing', value: null}); continue;
    }
    if (el.readOnly || el.disabled) {
      left.push({element: step.element, reason: 'read_only', value: el.value}); continue;
    }
    if (step.kind === 'check') { if (el.checked !== step.value) el.click(); continue; }
    if (el.tagName === 'SELECT' && !Array.from(el.options).some(o => o.value === step.value)) {
      left.push({element: step.element, reason: 'no_option', value: null}); continue;
    }
    el.value = step.value;
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  }
  return left;
}"""


@dataclass(frozen=True)
class Step:
    """Set one form element: text or select `value`, or a checkbox to `checked`."""

    element: str
    value: str | bool
    kind: Literal["value", "check"] = "value"


@dataclass(frozen=True)
class FieldLeft:
    """A step the script did not do, why, and (read-only fields) what the field shows."""

    element: str
    reason: Literal["missing", "read_only", "no_option"]
    shown: str | None


def fill_fields(
    frame: Frame, form: BoundPage, page: PageSelectors, steps: list[Step]
) -> Iterator[tuple[Step, FieldLeft]]:
    """Do `steps` on the form in `frame`, in order; yields each step neither the script nor
    Playwright could do, with why (see the module docstring)."""
    wanted = {step.element: step for step in steps}
    for left in _set_in_page(frame, form, page, steps):
        step = wanted[left.element]
        if left.reason == "missing":
            _set_with_playwright(form, step)
        else:
            yield step, left


def _set_in_page(frame: Frame, form: BoundPage, page: PageSelectors, steps: list[Step]) -> list[FieldLeft]:
    """The script's part, in one round trip; returns the steps it did not do."""
    plan = [
        {"element": s.element, "value": s.value, "kind": s.kind,
         "candidates": _script_candidates(page, form, s.element)}
        for s in steps
    ]
    left = frame.evaluate(_SET_JS, plan)
    return [FieldLeft(str(p["element"]), p["reason"], p["value"]) for p in left]


def _set_with_playwright(form: BoundPage, step: Step) -> None:
    """A field the script could not find by css or xpath: the remaining candidates (label, role)."""
    field = form.locate(step.element)
    if step.kind == "check":
        field.set_checked(bool(step.value))
    elif field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value=str(step.value))
    else:
        field.fill(str(step.value))


def _script_candidates(page: PageSelectors, form: BoundPage, element: str) -> list[dict[str, str | bool]]:
    if form.scoped(element):
        return []
    unique = form.strict(element)
    return [
        {"css": c.css, "unique": unique} if c.css is not None else {"xpath": c.xpath or "", "unique": unique}
        for c in page.elements[element]
        if c.css is not None or c.xpath is not None
    ]
