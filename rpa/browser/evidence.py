"""Evidence of an item: masked screenshots and failure evidence per item attempt (screenshot and
trace), written with the owner-only file helpers of `rpa.browser.evidence_files`.

    with item_evidence(session, page, item_ref, attempt=item.attempts, mask=[bot.id_number_field],
                       personal=personal_values(item.payload, wctx.payload_not_personal)):
        bot.submit_filing(record)
    take_screenshot(page, evidence_dir / f"{item_ref}.png", mask=[bot.id_number_field])

Screenshots and traces are diagnostics (ARCHITECTURE.md): names are item_refs, never account
numbers, and personal data is masked in screenshots: by the selectors, and in a failure
screenshot also wherever the page shows one of the item's personal values (`text_masks`), so that
a page the selectors do not know is masked too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from rpa.browser.evidence_files import TRACE_SUFFIX, is_plain_stem, private_dir, prune_traces, unique_path
from rpa.browser.text_masks import text_masks

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator

    from rpa.browser.selectors import PortalSelectors
    from rpa.browser.session import BrowserSession

# the file helpers are here too for the callers that take evidence
__all__ = [
    "TRACE_SUFFIX",
    "ItemEvidence",
    "is_plain_stem",
    "item_evidence",
    "private_dir",
    "prune_traces",
    "take_screenshot",
    "unique_path",
]

@dataclass
class ItemEvidence:
    """What `item_evidence` kept for a failed item (both None while it has not failed)."""

    screenshot: Path | None = None
    trace: Path | None = None


@contextmanager
def item_evidence(
    session: BrowserSession,
    page: Page | Callable[[], Page | None],
    name: str,
    *,
    attempt: int,
    mask: Sequence[Locator] | Callable[[], Sequence[Locator]] = (),
    personal: Sequence[str] = (),
) -> Iterator[ItemEvidence]:
    """Trace one attempt of an item (as `settings.trace_items` says); on an exception keep a
    screenshot and the trace, then re-raise.

    `name` names the files (an item_ref, never an account number); `mask` hides fields such as
    ID numbers in the screenshot. A bot working in several tabs passes callables: the page it
    failed in and that page's masks, asked for only after the failure. `personal`: the item's
    personal values (`rpa.masking.personal_values`); every element, input or select showing one
    is masked too, whatever page the item failed on. Failing to keep evidence never hides the
    item's own error, and a page that cannot be masked keeps no screenshot.

    A screenshot shows the item's own work or nothing: none when `page` gives None (no page
    shows the item's work yet) or the error was decided without the portal (`RpaError.on_a_page`
    False: a row held behind another row), since any page shown then is another item's.
    """
    if not is_plain_stem(name):
        raise ValueError("the evidence name must be a plain file stem such as an item_ref")
    evidence = ItemEvidence()
    session.start_item_trace(attempt=attempt)
    try:
        yield evidence
    except Exception as failure:  # any failure: keep its evidence, then let it go on up
        if getattr(failure, "on_a_page", True):
            evidence.screenshot = _failure_shot(session, page, name, mask, personal)
        try:
            evidence.trace = session.end_item_trace(keep_as=name)
        except (PlaywrightError, OSError) as error:
            logger.warning("未能保存失败时的跟踪记录：{}", error)
        raise
    session.end_item_trace(keep_as=None)


def _failure_shot(
    session: BrowserSession,
    page: Page | Callable[[], Page | None],
    name: str,
    mask: Sequence[Locator] | Callable[[], Sequence[Locator]],
    personal: Sequence[str],
) -> Path | None:
    """The failed page's screenshot, masked (`item_evidence`); None when no page shows the
    item's work or the screenshot failed (logged)."""
    shot: Path | None = None
    try:
        failed_page = page() if callable(page) else page
        if failed_page is None:
            return None
        shot = unique_path(session.evidence_dir, name, "-failure.png")
        _has_document(failed_page, session.settings.action_timeout_ms)
        masks = mask() if callable(mask) else mask
        with text_masks(failed_page, personal, timeout_ms=session.settings.action_timeout_ms) as by_value:
            return take_screenshot(failed_page, shot, mask=[*masks, *by_value])
    except (PlaywrightError, OSError) as error:
        if shot is not None:  # a page that changed while it was masked: no screenshot
            shot.unlink(missing_ok=True)
        logger.warning("未能截取失败时的截图：{}", error)
        return None


def _has_document(page: Page, timeout_ms: float) -> None:
    """Wait at most `timeout_ms` for the page to have a document; else leave the navigation under
    way for about:blank and raise TimeoutError. A page whose portal stopped answering (tester V's
    2.2: a SIGSTOPped AMS) has none: the masks' look-ups (Locator.count) and the next attempt's
    Tracing.start, which have no timeout, would wait for it as long as the portal takes, and
    the run with them, deaf to a stop request."""
    try:
        page.main_frame.wait_for_function("() => true", timeout=timeout_ms)
    except PlaywrightError:
        with suppress(PlaywrightError):
            page.goto("about:blank", timeout=timeout_ms)
        raise


def take_screenshot(page: Page, path: Path, *, mask: Sequence[Locator] = ()) -> Path:
    """Full-page screenshot written owner-only (0600); `mask` boxes over personal data."""
    image = page.screenshot(full_page=True, mask=list(mask), animations="disabled")
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(image)
    return path


def personal_masks(selectors: PortalSelectors, page: Page) -> list[Locator]:
    """What a screenshot of `page` must black out, whatever screen it shows: every element the
    portal's selectors mark `personal: true`, by every one of its candidates, in the page's frame
    (or section). An element of `many` (cells) leaves out its last, broadest candidate (every
    cell): that would black out the portal's own message too. Labels, buttons and messages are
    never masked, so the screenshot stays readable.

    One locator per frame, all candidates joined with `or`: Playwright finds a mask's elements
    when it takes the screenshot, so nothing is looked for beforehand, and a candidate that
    matches nothing masks nothing. Looking for each element's first matching candidate
    beforehand cost a round trip to the browser for each candidate tried."""
    per_frame: dict[str | None, list[Locator]] = {}
    for page_name, element in selectors.personal():
        spec = selectors.page(page_name)
        root: Page | FrameLocator = page.frame_locator(spec.frame) if spec.frame else page
        candidates = spec.elements[element]
        if element in spec.many_elements:
            candidates = candidates[:-1]
        section = spec.element_scopes.get(element)
        scopes = [c.locator(root) for c in spec.sections[section]] if section else [root]
        per_frame.setdefault(spec.frame, []).extend(c.locator(scope) for c in candidates for scope in scopes)
    return [reduce(lambda a, b: a.or_(b), found) for found in per_frame.values() if found]
