"""The shape of `selectors/<portal>.yaml`, one validated model per level: a candidate (one way
to find an element), a table (its element, column headers with aliases, row count), a page
(frame, sections, elements, tables). `rpa.browser.selectors` holds the whole file and loads it;
`rpa.browser.bound_page` finds these on a live page.

    Candidate(css="input[name=userCode]").describe()    # "css=input[name=userCode]"
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page

    Scope = Page | Frame | FrameLocator | Locator

KINDS = ("css", "xpath", "text", "label", "role", "placeholder")
READABLE_KINDS = frozenset({"label", "role", "text"})
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Candidate(BaseModel):
    """One way to find an element: exactly one of css, xpath, text, label, role, placeholder.
    `name` (the accessible name) goes with `role`; `exact` applies to the readable kinds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    css: str | None = None
    xpath: str | None = None
    text: str | None = None
    label: str | None = None
    role: str | None = None
    placeholder: str | None = None
    name: str | None = None
    exact: bool = True

    @model_validator(mode="after")
    def _one_kind(self) -> Candidate:
        given = [kind for kind in KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)} (got {', '.join(given) or 'none'})")
        if not getattr(self, given[0]).strip():
            raise ValueError(f"{given[0]} is empty")
        if self.name is not None and self.role is None:
            raise ValueError("name goes only with role")
        if self.role is not None and not self.role.isalpha():
            raise ValueError(f"role {self.role!r} is not an ARIA role name")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in KINDS if getattr(self, kind) is not None)

    def describe(self) -> str:
        """Short text for logs and errors, e.g. `css=#userCode` or `role=button[name="登录"]`."""
        value = getattr(self, self.kind)
        if self.role is not None and self.name is not None:
            return f'role={value}[name="{self.name}"]'
        return f"{self.kind}={value}"

    def page_query(self) -> tuple[str, str] | None:
        """("css", selector) or ("xpath", expression): the candidate as a query the page can
        run itself; None for the kinds only Playwright resolves (text, label, role, placeholder)."""
        if self.css is not None:
            return ("css", self.css)
        if self.xpath is not None:
            return ("xpath", self.xpath)
        return None

    def locator(self, scope: Scope) -> Locator:
        if self.css is not None:
            return scope.locator(f"css={self.css}")
        if self.xpath is not None:
            return scope.locator(f"xpath={self.xpath}")
        if self.text is not None:
            return scope.get_by_text(self.text, exact=self.exact)
        if self.label is not None:
            return scope.get_by_label(self.label, exact=self.exact)
        if self.placeholder is not None:
            return scope.get_by_placeholder(self.placeholder, exact=self.exact)
        assert self.role is not None
        exact = self.exact if self.name is not None else None
        return scope.get_by_role(self.role, name=self.name, exact=exact)  # type: ignore[arg-type]


def _check_candidates(candidates: list[Candidate]) -> list[Candidate]:
    if len(candidates) < 2:
        raise ValueError("needs at least two candidates")
    if candidates[-1].kind not in READABLE_KINDS:
        raise ValueError(f"the last candidate must be by label, role or text, not {candidates[-1].kind}")
    return candidates


def check_names(names: dict[str, Any]) -> dict[str, Any]:
    for name in names:
        if not NAME.match(name):
            raise ValueError(f"{name!r} is not a plain name (letters, digits, _)")
    return names


Candidates = Annotated[list[Candidate], AfterValidator(_check_candidates)]


def _check_section(candidates: list[Candidate]) -> list[Candidate]:
    if not candidates:
        raise ValueError("a section needs at least one candidate")
    return candidates


SectionCandidates = Annotated[list[Candidate], AfterValidator(_check_section)]


class TableSelectors(BaseModel):
    """A table read by its header texts: the element that finds it, each column's header texts
    (aliases: the first shown wins) and the patterns of its row count, each with one group (N)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    columns: dict[str, list[str]]
    row_count: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> TableSelectors:
        if not self.columns:
            raise ValueError("a table needs at least one column")
        for column, headers in self.columns.items():
            if not headers or not all(h.strip() for h in headers):
                raise ValueError(f"column {column!r} needs at least one header text, none empty")
        for pattern in self.row_count:
            try:
                groups = re.compile(pattern).groups
            except re.error as exc:
                problem = f"row_count pattern {pattern!r} is not a regular expression: {exc}"
                raise ValueError(problem) from None
            if groups != 1:
                raise ValueError(f"row_count pattern {pattern!r} needs exactly one group (the count)")
        return self

    def count_in(self, text: str) -> tuple[int, str] | None:
        """The row count the page's text shows, and the pattern that read it; None if none did."""
        for pattern in self.row_count:
            found = re.search(pattern, text)
            if found:
                return int(found.group(1)), pattern
        return None


class PageSelectors(BaseModel):
    """One portal screen: optional frame and sections, its elements by name, its tables.

    An element is a list of candidates, or a mapping `{scope: SECTION, many: BOOL, personal: BOOL,
    candidates: [...]}`; the mapping's extras are kept in `element_scopes`, `many_elements` and
    `personal_elements`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frame: str | None = None
    sections: Annotated[dict[str, SectionCandidates], AfterValidator(check_names)] = {}
    elements: Annotated[dict[str, Candidates], AfterValidator(check_names)]
    element_scopes: dict[str, str] = {}
    many_elements: frozenset[str] = frozenset()
    personal_elements: frozenset[str] = frozenset()
    tables: Annotated[dict[str, TableSelectors], AfterValidator(check_names)] = {}
    # the shape of a value the page shows, a regular expression the whole value must match
    # (AMS's 备案编号 on its 成功 page): a value of another shape is not read as shown
    shapes: dict[str, str] = {}

    def shaped(self, name: str, value: str) -> bool:
        """Whether `value` has the shape `shapes` gives `name` (any value when it gives none)."""
        return name not in self.shapes or re.fullmatch(self.shapes[name], value) is not None

    @model_validator(mode="before")
    @classmethod
    def _element_mappings(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("elements"), dict):
            return data
        if "element_scopes" in data or "many_elements" in data or "personal_elements" in data:
            raise ValueError("give scope, many and personal on the element itself")
        elements, scopes, many, personal = {}, {}, set(), set()
        for name, value in data["elements"].items():
            if isinstance(value, dict):
                extra = set(value) - {"scope", "many", "personal", "candidates"}
                if extra or "candidates" not in value:
                    raise ValueError(
                        f"element {name!r}: a mapping takes candidates, scope, many and personal"
                        + (f" (not {', '.join(sorted(extra))})" if extra else " (candidates missing)")
                    )
                if value.get("scope") is not None:
                    scopes[name] = value["scope"]
                if value.get("many"):
                    many.add(name)
                if value.get("personal"):
                    personal.add(name)
                value = value["candidates"]
            elements[name] = value
        return {**data, "elements": elements, "element_scopes": scopes, "many_elements": many,
                "personal_elements": personal}

    @model_validator(mode="after")
    def _has_elements(self) -> PageSelectors:
        if not self.elements:
            raise ValueError("a page needs at least one element")
        for element, section in self.element_scopes.items():
            if section not in self.sections:
                raise ValueError(f"element {element!r}: scope {section!r} is not one of the page's sections")
        for name, table in self.tables.items():
            if table.table not in self.elements:
                raise ValueError(f"table {name!r}: element {table.table!r} is not one of the page's elements")
        for name, pattern in self.shapes.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"shape {name!r}: {pattern!r} is not a regular expression: {exc}") from None
        return self
