"""A click in one round trip when the element plainly takes it, Playwright's full click otherwise.

    quick_click(frame.locator("a[href*='D0101-20261127-110101']"))

Playwright's `click()` scrolls the element into view, waits until it is visible, enabled and
stable over two animation frames, checks that nothing covers it and then sends the mouse
events: some ten messages through the driver and about 50 ms of CPU across the processes per
click (benchmarks/README.md). For a bot that clicks a list's download links one after another
that is most of a file's cost. `quick_click` asks the page once: if the element is attached,
enabled, shown and is what a person would hit at its centre, it is clicked there and then
(`HTMLElement.click()`, the activation a mouse click has); anything else (hidden, covered,
disabled, not there yet) goes to Playwright's click, which waits for it and explains a failure.
"""

from __future__ import annotations

from playwright.sync_api import Locator

CLICKED = "clicked"
# returns CLICKED, or why the page would not take the click as it is
_CLICK_IF_PLAIN = """el => {
  if (el.disabled || el.getAttribute("aria-disabled") === "true") return "disabled";
  el.scrollIntoView({block: "nearest", inline: "nearest"});
  const box = el.getBoundingClientRect();
  const style = el.ownerDocument.defaultView.getComputedStyle(el);
  if (!box.width || !box.height || style.visibility !== "visible") return "hidden";
  const hit = el.ownerDocument.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  if (hit === null || !(hit === el || el.contains(hit))) return "covered";
  el.click();
  return "clicked";
}"""


def quick_click(locator: Locator, *, timeout_ms: float | None = None) -> str:
    """Click `locator`'s element; returns CLICKED when it took the one-message way, else why
    not (the full click then did it). Raises as `Locator.click` does when neither can."""
    answer = str(locator.evaluate(_CLICK_IF_PLAIN, timeout=timeout_ms))
    if answer != CLICKED:
        locator.click(timeout=timeout_ms)
    return answer
