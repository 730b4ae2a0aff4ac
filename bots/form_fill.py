"""Setting a form's fields in one round trip, as a person's typing and choosing would.

    for step, left in fill_fields(frame, form, selectors.page("query"), steps):
        ...  # left.reason "read_only" (left.shown: what it holds) or "no_option" (left.shown:
             # the labels the select offers, one a line): the caller's call

A small script finds each field by the page's own candidates from selectors/<portal>.yaml (css
and xpath, in order), sets it and fires the input and change events the page listens for (a
checkbox is clicked, so its handler runs). One `evaluate` instead of a locate and an action per
field, each a round trip through Playwright's driver. A field its candidates do not find that
way is set through Playwright with the remaining candidates (label, role). What neither can do
is handed back, in the steps' order: a read-only or disabled field (with what it shows) and a
select without the wanted option; what each means is the caller's to say. A field scoped to a
section of the page, or a candidate that matches two fields where the selectors must be unique,
is left to Playwright, whose locating knows sections and calls two matches an error.

A coded field is chosen by the option's visible label (`Step(kind="option")`), never by a code
of the caller's: the page's own option values are whatever the portal numbers them. Labels are
compared in one normal form (`option_text`: NFKC, no whitespace, no `01-` code before the label).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from rpa.browser.bound_page import BoundPage
    from rpa.browser.selectors import PageSelectors

_CODE_BEFORE_LABEL = re.compile(r"^\d{1,2}[-.、:]?(?=\D)")
_SET_JS = """(steps) => {
  // the first match; 'many' for a candidate that must match one element and matches more
  const label = (t) => (t || '').normalize('NFKC').replace(/\\s+/g, '')
                                .replace(/^\\d{1,2}[-.、:]?(?=\\D)/, '');
  // a select chosen by label shows its selected option's label; anything else its value
  const shown = (el, step) => (step.kind === 'option' && el.tagName === 'SELECT')
    ? (el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '') : el.value;
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
      left.push({element: step.element, reason: 'read_only', value: shown(el, step)}); continue;
    }
    if (step.kind === 'check') { if (el.checked !== step.value) el.click(); continue; }
    let value = step.value;
    if (step.kind === 'option') {
      const options = Array.from(el.options || []).filter(o => o.value !== '');
      const match = options.find(o => label(o.text) === label(step.value));
      if (!match) {
        left.push({element: step.element, reason: 'no_option',
                   value: options.map(o => label(o.text)).join('\\n')});
        continue;
      }
      value = match.value;
    } else if (el.tagName === 'SELECT' && !Array.from(el.options).some(o => o.value === value)) {
      left.push({element: step.element, reason: 'no_option', value: null}); continue;
    }
    el.value = value;
    el.dispatchEvent(new Event('input', {bubbles: true}));
    el.dispatchEvent(new Event('change', {bubbles: true}));
  }
  return left;
}"""


@dataclass(frozen=True)
class Step:
    """Set one form element: text or select `value`, a select's option by its label
    (`kind="option"`), or a checkbox to `checked`."""

    element: str
    value: str | bool
    kind: Literal["value", "check", "option"] = "value"


@dataclass(frozen=True)
class FieldLeft:
    """A step the script did not do, why, and (read-only fields) what the field shows."""

    element: str
    reason: Literal["missing", "read_only", "no_option"]
    shown: str | None


def option_text(text: str) -> str:
    """An option's label as compared: NFKC, no whitespace, no `01-` code before it."""
    return _CODE_BEFORE_LABEL.sub("", "".join(unicodedata.normalize("NFKC", text).split()))


def fill_fields(
    frame: Frame, form: BoundPage, page: PageSelectors, steps: list[Step]
) -> Iterator[tuple[Step, FieldLeft]]:
    """Do `steps` on the form in `frame`, in order; yields each step neither the script nor
    Playwright could do, with why (see the module docstring)."""
    wanted = {step.element: step for step in steps}
    for left in _set_in_page(frame, form, page, steps):
        step = wanted[left.element]
        if left.reason == "missing":
            still = _set_with_playwright(form, step)
            if still is not None:
                yield step, still
        else:
            yield step, left


def fill_fields_one_by_one(form: BoundPage, steps: list[Step]) -> Iterator[tuple[Step, FieldLeft]]:
    """The same steps through Playwright alone, one locate and one action per field (the
    reference `fill_fields` is checked against); yields what it could not do, as `fill_fields`."""
    for step in steps:
        field = form.locate(step.element)
        if not field.is_editable():
            shown = field.evaluate(_SHOWN_JS, step.kind == "option")
            yield step, FieldLeft(step.element, "read_only", None if shown is None else str(shown))
            continue
        still = _set_with_playwright(form, step)
        if still is not None:
            yield step, still


_SHOWN_JS = """(el, byLabel) => (byLabel && el.tagName === 'SELECT')
  ? (el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : '') : el.value"""


def _set_in_page(frame: Frame, form: BoundPage, page: PageSelectors, steps: list[Step]) -> list[FieldLeft]:
    """The script's part, in one round trip; returns the steps it did not do."""
    plan = [
        {"element": s.element, "value": s.value, "kind": s.kind,
         "candidates": _script_candidates(page, form, s.element)}
        for s in steps
    ]
    left = frame.evaluate(_SET_JS, plan)
    return [FieldLeft(str(p["element"]), p["reason"], p["value"]) for p in left]


def _set_with_playwright(form: BoundPage, step: Step) -> FieldLeft | None:
    """A field the script could not find by css or xpath: the remaining candidates (label, role).
    A select without the wanted option is handed back, with the labels it offers."""
    field = form.locate(step.element)
    if step.kind == "check":
        field.set_checked(bool(step.value))
    elif step.kind == "option":
        options: list[list[str]] = field.evaluate(
            "el => Array.from(el.options).filter(o => o.value !== '').map(o => [o.value, o.text])"
        )
        wanted = option_text(str(step.value))
        value = next((v for v, text in options if option_text(text) == wanted), None)
        if value is None:
            offered = "\n".join(option_text(text) for _, text in options)
            return FieldLeft(step.element, "no_option", offered)
        field.select_option(value=value)
    elif field.evaluate("el => el.tagName") == "SELECT":
        field.select_option(value=str(step.value))
    else:
        field.fill(str(step.value))
    return None


def _script_candidates(page: PageSelectors, form: BoundPage, element: str) -> list[dict[str, str | bool]]:
    if form.scoped(element):
        return []
    unique = form.strict(element)
    return [
        {"css": c.css, "unique": unique} if c.css is not None else {"xpath": c.xpath or "", "unique": unique}
        for c in page.elements[element]
        if c.css is not None or c.xpath is not None
    ]
