"""One page's selectors bound to a live Playwright page or frame: elements located by their
first matching candidate (the remembered winner first), read, probed.

    login = selectors.bind(page, "login", timeout_ms=settings.action_timeout_ms)
    login.locate("operator_code").fill(code)
    login.present("error_banner")          # no waiting
    login.probe()                          # which candidate matches each element, for `rpa portal probe`
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import TYPE_CHECKING, TypeVar

from loguru import logger

from rpa.browser import wait_until_attached
from rpa.errors import PortalChanged, SelectorNotFound

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page

    from rpa.selectors import Candidate, PortalSelectors

    Scope = Page | Frame | FrameLocator

T = TypeVar("T")


class BoundPage:
    """One page's selectors bound to a live Playwright page or frame."""

    def __init__(
        self,
        selectors: PortalSelectors,
        page_name: str,
        scope: Page | Frame,
        *,
        timeout_ms: float,
        frame: Frame | None = None,
    ) -> None:
        self._selectors = selectors
        self.page_name = page_name
        self._page = selectors.page(page_name)
        self._root: Scope = scope
        if self._page.frame:
            # A Frame already found is queried directly; a FrameLocator finds the iframe's
            # document again on every call (about 3x the round trip).
            self._root = frame if frame is not None else scope.frame_locator(self._page.frame)
        self.timeout_ms = timeout_ms

    def require(self, *elements: str) -> None:
        self._selectors.require(self.page_name, *elements)

    def _candidates(self, element: str) -> list[Candidate]:
        self.require(element)
        return self._page.elements[element]

    def _winner_first(self, element: str) -> tuple[list[Candidate], list[int]]:
        """The element's candidates, and their indexes with the remembered winner first."""
        candidates = self._candidates(element)
        winner = self._selectors.winner(self.page_name, element)
        return candidates, [winner, *(i for i in range(len(candidates)) if i != winner)]

    def locate(self, element: str, *, timeout_ms: float | None = None) -> Locator:
        """The element by its first matching candidate (the remembered winner is tried first).

        One Playwright wait covers all candidates together, so a missing first candidate costs
        no extra timeout. None within the timeout: SelectorNotFound naming every candidate, or
        PortalChanged if no element of the page matches at all.
        """
        candidates, order = self._winner_first(element)
        winner = order[0]
        locators = {i: candidates[i].locator(self._root) for i in order}
        if locators[winner].count():
            return self._matched(element, winner, locators[winner])
        any_candidate = reduce(lambda a, b: a.or_(b), locators.values())
        if wait_until_attached(any_candidate, self.timeout_ms if timeout_ms is None else timeout_ms):
            for i in order:
                if locators[i].count():
                    return self._matched(element, i, locators[i])
        raise self._not_found(element, candidates)

    def seen(self, element: str, saw: Callable[[Candidate], bool]) -> Locator | None:
        """The element by its remembered winner, if `saw` says that candidate matched on the
        page as last read (no round trip of its own); None otherwise: `locate` it."""
        candidates, (winner, *_) = self._winner_first(element)
        if not saw(candidates[winner]):
            return None
        return self._matched(element, winner, candidates[winner].locator(self._root))

    def winning(self, element: str) -> Candidate:
        """The candidate that last matched the element (the first until one has)."""
        candidates, (winner, *_) = self._winner_first(element)
        return candidates[winner]

    def read_first(self, element: str, read: Callable[[Locator], T | None]) -> T:
        """`read` through the element's candidates (the remembered winner first) until one gives
        something (not None, not empty); no waiting: for a page already loaded and checked. One
        round trip instead of locating first, then reading. None gives: as `locate`."""
        candidates, order = self._winner_first(element)
        for i in order:
            locator = candidates[i].locator(self._root)
            found = read(locator)
            if found:
                self._matched(element, i, locator)
                return found
        raise self._not_found(element, candidates)

    def _matched(self, element: str, index: int, locator: Locator) -> Locator:
        candidate = self._page.elements[element][index]
        if self._selectors.remember(self.page_name, element, index):
            log = logger.warning if index else logger.debug
            log(
                "selector {}.{}.{} matched candidate {}: {}",
                self._selectors.portal, self.page_name, element, index + 1, candidate.describe(),
            )
        return locator

    def _not_found(self, element: str, candidates: list[Candidate]) -> Exception:
        tried = "; ".join(f"{n}) {c.describe()}" for n, c in enumerate(candidates, 1))
        where = f"portal {self._selectors.portal!r}, page {self.page_name!r}"
        details = {
            "portal": self._selectors.portal,
            "page": self.page_name,
            "element": element,
            "candidates": [c.describe() for c in candidates],
        }
        every_candidate = reduce(
            lambda a, b: a.or_(b),
            (c.locator(self._root) for cands in self._page.elements.values() for c in cands),
        )
        if every_candidate.count():
            message = f"{where}: no candidate matched element {element!r}; tried {tried}"
            return SelectorNotFound(message, details=details)
        message = (
            f"{where} matches none of its elements ({', '.join(self._page.elements)}): "
            f"the portal changed; element {element!r} tried {tried}"
        )
        return PortalChanged(message, details=details)

    def present(self, element: str) -> bool:
        """Whether any candidate matches right now (no waiting); for optional banners and dialogs."""
        return any(c.locator(self._root).count() for c in self._candidates(element))

    def probe(self) -> dict[str, str | None]:
        """Each element's first matching candidate right now (None: nothing matches); never raises."""
        found: dict[str, str | None] = {}
        for element, candidates in self._page.elements.items():
            found[element] = next(
                (c.describe() for c in candidates if c.locator(self._root).count()), None
            )
        return found
