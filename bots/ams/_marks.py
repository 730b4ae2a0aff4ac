"""Page marks: the selectors that tell AMS's pages apart, counted in the same round trip that
reads a page's text.

Every page the bot reads is checked to be the page it asked for, by one of its elements (the
look-up by its history table, 信息核对 by its 确认提交 button, ...). Locating that element is a
round trip of its own through Playwright's driver, four per filing. So the first time an element
is located the ordinary way, and its matching candidate, if it is a CSS or XPath query the page
can run itself, becomes a mark; from then on each read of a page's text also counts every mark.
A mark counted on the page just read stands for locating its element. A mark not counted there,
or a candidate only Playwright resolves (by role, label or text), is located the ordinary way.
A count in the page can only be lower than Playwright's (which also looks into shadow roots),
never higher, so a mark never passes a page that locating would not. A mark stands only when it
counts exactly one element: two are for locating to call ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Frame

    from rpa.browser.selectors import Candidate

_READ = """(queries) => {
  const text = document.body ? document.body.innerText : '';
  const counts = queries.map(([kind, query]) => {
    try {
      if (kind === 'css') return document.querySelectorAll(query).length;
      return document.evaluate(
        query, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null).snapshotLength;
    } catch (error) {
      return 0;
    }
  });
  return [text, counts];
}"""

Query = tuple[str, str]


@dataclass(frozen=True)
class PageRead:
    """A page's visible text and the marks that matched on it."""

    text: str
    marked: frozenset[Query]


class PageMarks:
    """The marks learned so far; one set for all the tabs of one bot."""

    def __init__(self) -> None:
        self._queries: list[Query] = []

    def learn(self, candidate: Candidate) -> None:
        """Count `candidate` on every page read from now on (if the page can run it)."""
        query = candidate.page_query()
        if query is not None and query not in self._queries:
            self._queries.append(query)

    def read(self, frame: Frame) -> PageRead:
        """The frame's text (innerText: what an operator reads) and which marks match on it."""
        queries = list(self._queries)
        text, counts = frame.evaluate(_READ, queries)
        return PageRead(str(text), frozenset(q for q, n in zip(queries, counts, strict=True) if n == 1))
