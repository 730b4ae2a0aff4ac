"""Setting a form's fields in one round trip, as a person's typing and choosing would.

    left = set_fields(frame, selectors.page("query"), [Step("report_type", "D0101"), ...])
    # each field not set: FieldLeft("report_type", "no_option", None), "missing" or "read_only"

A small script finds each field by the page's own candidates from selectors/<portal>.yaml (css
and xpath, in order), sets it and fires the input and change events the page listens for (a
checkbox is clicked, so its handler runs). One `evaluate` instead of a locate and an action per
field, each a round trip through Playwright's driver. What the script cannot do comes back:
a field its candidates do not find that way ("missing": `set_with_playwright` tries the
remaining candidates, by label or role), a read-only or disabled one ("read_only", with what it
shows) and a select without the value ("no_option"): what each means is the caller's to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from rpa.bound_page import BoundPage
    from rpa.selectors import PageSelectors

_SET_JS = """(steps) => {
  const find = (c) => {
    try {
      if (c.css) return document.querySelector(c.css);
      return document.evaluate(c.xpath, document, null,
                               XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    } catch (e) { return null; }
  };
  const left = [];
  for (const step of steps) {
    let el = null;
    for (const c of step.candidates) { el = find(c); if (el) break; }
    if (!el) { left.push({element: step.element, reason: 'missing', value: null}); continue; }
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


def set_fields(frame: Frame, page: PageSelectors, steps: list[Step]) -> list[FieldLeft]:
    """Do `steps` on the form in `frame`, in order, in one round trip; returns those not done."""
    plan = [
        {"element": s.element, "value": s.value, "kind": s.kind,
         "candidates": _script_candidates(page, s.element)}
        for s in steps
    ]
    left = frame.evaluate(_SET_JS, plan)
    return [FieldLeft(str(p["element"]), p["reason"], p["value"]) for p in left]


def set_with_playwright(form: BoundPage, step: Step) -> None:
    """A field the script could not find by css or xpath: the remaining candidates (label, role)."""
    field = form.locate(step.element)
    if step.kind == "check":
        field.set_checked(bool(step.value))
    elif field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value=str(step.value))
    else:
        field.fill(str(step.value))


def _script_candidates(page: PageSelectors, element: str) -> list[dict[str, str]]:
    return [
        {"css": c.css} if c.css is not None else {"xpath": c.xpath or ""}
        for c in page.elements[element]
        if c.css is not None or c.xpath is not None
    ]
