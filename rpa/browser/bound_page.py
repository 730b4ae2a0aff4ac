"""One page's selectors bound to a live Playwright page or frame: elements located by their
first matching candidate (the remembered winner first), read, probed.

    login = selectors.bind(page, "login", timeout_ms=settings.action_timeout_ms)
    login.locate("operator_code").fill(code)
    login.present("error_banner")          # no waiting
    login.probe()                          # which candidate matches each element, for `rpa portal probe`

An element with a `scope` is looked for inside its section only (the section's first candidate
that matches exactly one element, found without waiting: a section is part of a loaded page).
In a file with `unique: true`, a candidate that matches more than one element (and the element
does not say `many`) is `PortalChanged` coded `selector_ambiguous`: typing into the first of
two 姓名 fields could fill the wrong person's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Protocol, TypeVar

from loguru import logger

from rpa.browser.session import wait_until_attached
from rpa.errors import PortalChanged, SelectorNotFound

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page

    from rpa.browser.selector_models import Candidate, PageSelectors

    Scope = Page | Frame | FrameLocator | Locator

T = TypeVar("T")


class SelectorCatalogue(Protocol):
    """What a bound page asks of its portal's selectors (`rpa.browser.selectors.PortalSelectors`,
    which binds pages through this module: the catalogue is named by what it does, not imported)."""

    unique: bool

    @property
    def portal(self) -> str: ...

    def page(self, page_name: str) -> PageSelectors: ...

    def require(self, page_name: str, *elements: str) -> None: ...

    def winner(self, page_name: str, element: str) -> int: ...

    def remember(self, page_name: str, element: str, index: int) -> bool: ...


@dataclass(frozen=True)
class Probed:
    """What one element's candidates match right now: `index` and `candidate` (its description)
    of the one that matched, or `problem` (`missing`, `ambiguous`, `no_section`) and `count`
    (how many elements the ambiguous candidate matched)."""

    index: int | None = None
    candidate: str | None = None
    problem: str | None = None
    count: int = 0


class BoundPage:
    """One page's selectors bound to a live Playwright page or frame."""

    def __init__(
        self,
        selectors: SelectorCatalogue,
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

    def _root_of(self, element: str) -> Scope:
        """Where the element is looked for: its section, if it has one, else the page (frame)."""
        section = self._page.element_scopes.get(element)
        if section is None:
            return self._root
        candidates = self._page.sections[section]
        for candidate in candidates:
            found = candidate.locator(self._root)
            count = found.count()
            if count == 1:
                return found
            if count > 1:
                raise self._ambiguous(f"区块 {section!r}", candidate, count)
        tried = "; ".join(f"{n}) {c.describe()}" for n, c in enumerate(candidates, 1))
        raise SelectorNotFound(
            f"portal {self._selectors.portal!r}, page {self.page_name!r}: section {section!r} of "
            f"element {element!r} is not shown; tried {tried}",
            details={"portal": self._selectors.portal, "page": self.page_name, "section": section},
        )

    def _strict(self, element: str) -> bool:
        return self._selectors.unique and element not in self._page.many_elements

    def strict(self, element: str) -> bool:
        """Whether the element must match exactly one element (`unique: true`, not `many`)."""
        return self._strict(element)

    def scoped(self, element: str) -> bool:
        """Whether the element is looked for inside a section of the page."""
        return element in self._page.element_scopes

    def _one(self, element: str, index: int, locator: Locator, count: int) -> Locator:
        """The matched locator, once it is known to match one element (or may match many)."""
        if count > 1 and self._strict(element):
            raise self._ambiguous(f"元素 {element!r}", self._page.elements[element][index], count)
        return self._matched(element, index, locator)

    def _ambiguous(self, what: str, candidate: Candidate, count: int) -> PortalChanged:
        return PortalChanged(
            f"门户 {self._selectors.portal!r} 页面 {self.page_name!r}：{what} 的候选 "
            f"{candidate.describe()} 匹配到 {count} 个元素而不是一个；请把它限定在所在区块内或写得更精确",
            code="selector_ambiguous",
            details={"portal": self._selectors.portal, "page": self.page_name, "what": what,
                     "candidate": candidate.describe(), "count": count},
        )

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
        root = self._root_of(element)
        locators = {i: candidates[i].locator(root) for i in order}
        count = locators[winner].count()
        if count:
            return self._one(element, winner, locators[winner], count)
        any_candidate = reduce(lambda a, b: a.or_(b), locators.values())
        if wait_until_attached(any_candidate, self.timeout_ms if timeout_ms is None else timeout_ms):
            for i in order:
                count = locators[i].count()
                if count:
                    return self._one(element, i, locators[i], count)
        raise self._not_found(element, candidates)

    def seen(self, element: str, saw: Callable[[Candidate], bool]) -> Locator | None:
        """The element by its remembered winner, if `saw` says that candidate matched on the
        page as last read (no round trip of its own); None otherwise: `locate` it. An element
        with a section is always located (a mark counts on the whole page)."""
        candidates, (winner, *_) = self._winner_first(element)
        if element in self._page.element_scopes or not saw(candidates[winner]):
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
        root = self._root_of(element)
        for i in order:
            locator = candidates[i].locator(root)
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
                "选择器 {}.{}.{} 由第 {} 个候选找到 | {}",
                self._selectors.portal, self.page_name, element, index + 1, candidate.describe(),
            )
        return locator

    def _not_found(self, element: str, candidates: list[Candidate]) -> Exception:
        tried = "; ".join(f"{n}) {c.describe()}" for n, c in enumerate(candidates, 1))
        where = f"门户 {self._selectors.portal!r} 页面 {self.page_name!r}"
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
            message = f"{where}：元素 {element!r} 的候选都没有匹配；试过 {tried}"
            return SelectorNotFound(message, details=details)
        message = (
            f"{where} 的元素（{', '.join(self._page.elements)}）一个也没有匹配："
            f"门户已改版；元素 {element!r} 试过 {tried}"
        )
        return PortalChanged(message, details=details)

    def present(self, element: str) -> bool:
        """Whether any candidate matches right now (no waiting); for optional banners and dialogs.
        An element whose section is not shown is not present."""
        candidates = self._candidates(element)
        try:
            root = self._root_of(element)
        except (SelectorNotFound, PortalChanged):
            return False
        return any(c.locator(root).count() for c in candidates)

    def probe(self) -> dict[str, str | None]:
        """Each element's first matching candidate right now (None: nothing matches, or, in a
        file with `unique: true`, it matches more than one element); never raises."""
        return {element: found.candidate for element, found in self.probe_detail().items()}

    def probe_detail(self) -> dict[str, Probed]:
        """Each element as `probe` sees it, with the candidate's number and what is wrong."""
        return {element: self._probe_one(element) for element in self._page.elements}

    def _probe_one(self, element: str) -> Probed:
        try:
            root = self._root_of(element)
        except SelectorNotFound:
            return Probed(problem="no_section")
        except PortalChanged as exc:
            return Probed(problem="ambiguous_section", count=int(exc.details.get("count", 0)))
        for index, candidate in enumerate(self._page.elements[element]):
            count = candidate.locator(root).count()
            if count > 1 and self._strict(element):
                return Probed(index, None, "ambiguous", count)
            if count:
                return Probed(index, candidate.describe(), None, count)
        return Probed(problem="missing")
