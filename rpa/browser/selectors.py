"""Selectors: `selectors/<portal>.yaml` loaded into validated models, candidates tried in order.

    pages:
      login:
        frame: null                     # or the CSS of the <iframe> the page lives in
        elements:
          operator_code:
            - css: "input[name=userCode]"
            - label: "操作员代码"          # the last: by visible label, role or text

    selectors = load_selectors("ams", settings.selectors_dir)
    login = selectors.bind(page, "login", timeout_ms=settings.action_timeout_ms)
    login.require("operator_code", "password", "submit")   # in the bot's __init__
    login.locate("operator_code").fill(code)

Every element lists at least two candidates and ends with one a person can read on the screen,
so a redesign that renames ids still finds the field. The winning candidate is remembered for
the rest of the process. When nothing matches an element the item is retried
(`SelectorNotFound`); when nothing matches any element of the page the portal changed and the
run stops (`PortalChanged`).

A page may name `sections` (a part of the page, e.g. the 法定代表人 rows apart from the 经办人
rows that reuse the labels 姓名 and 证件号码); an element written as a mapping with `scope` is
looked for only inside its section. An element holding personal data (an ID number, a person's
name, an account number) says `personal: true`: evidence screenshots mask exactly those
(`rpa.browser.evidence.personal_masks`), so labels and the portal's messages stay readable. With
`unique: true` at the top of the file a candidate that matches more than one element is an
error (`PortalChanged`, code `selector_ambiguous`), never its first match; elements meant
to match many (the cells a screenshot masks) say `many: true`.
A page's `tables` name a table element, the header texts of its columns (aliases, any one may
be shown) and the patterns of its row count (`共N行`):

    pages:
      open_form:
        sections:
          legal_rep:
            - xpath: "//tbody[tr/td[normalize-space(.)='法定代表人信息']]"
        elements:
          legal_rep_name:
            scope: legal_rep
            candidates:
              - xpath: "//td[normalize-space(.)='姓名']/following-sibling::td[1]//input"
              - {role: textbox, name: "姓名"}
      lookup:
        tables:
          history:
            table: history_table
            columns: {filing_no: ["备案编号", "备案号"]}
            row_count: ['共\\s*(\\d+)\\s*行']
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from rpa.errors import ConfigError

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page

    from rpa.browser.bound_page import BoundPage

    Scope = Page | Frame | FrameLocator | Locator

KINDS = ("css", "xpath", "text", "label", "role", "placeholder")
READABLE_KINDS = frozenset({"label", "role", "text"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def _check_names(names: dict[str, Any]) -> dict[str, Any]:
    for name in names:
        if not _NAME.match(name):
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
    sections: Annotated[dict[str, SectionCandidates], AfterValidator(_check_names)] = {}
    elements: Annotated[dict[str, Candidates], AfterValidator(_check_names)]
    element_scopes: dict[str, str] = {}
    many_elements: frozenset[str] = frozenset()
    personal_elements: frozenset[str] = frozenset()
    tables: Annotated[dict[str, TableSelectors], AfterValidator(_check_names)] = {}

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
        return self


class PortalSelectors(BaseModel):
    """All pages of one portal. Remembers, per process, which candidate won for each element."""

    model_config = ConfigDict(extra="forbid")

    unique: bool = False
    pages: Annotated[dict[str, PageSelectors], AfterValidator(_check_names)]
    _portal: str = PrivateAttr(default="?")
    _source: str = PrivateAttr(default="?")
    _sha256: str = PrivateAttr(default="")
    _winners: dict[tuple[str, str], int] = PrivateAttr(default_factory=dict)

    @property
    def portal(self) -> str:
        return self._portal

    @property
    def sha256(self) -> str:
        """Hash of the YAML file, for run.json."""
        return self._sha256

    def page(self, page_name: str) -> PageSelectors:
        try:
            return self.pages[page_name]
        except KeyError:
            raise ConfigError(
                f"{self._source}: no page {page_name!r} (pages: {', '.join(sorted(self.pages))})"
            ) from None

    def require(self, page_name: str, *elements: str) -> None:
        """Fail now (ConfigError) if the page or any of these elements is missing from the YAML."""
        missing = [name for name in elements if name not in self.page(page_name).elements]
        if missing:
            raise ConfigError(f"{self._source}: page {page_name!r} lacks element(s) {', '.join(missing)}")

    def table(self, page_name: str, table: str, *columns: str) -> TableSelectors:
        """A page's table; ConfigError now if it, or any of these columns, is missing from the YAML."""
        found = self.page(page_name).tables.get(table)
        if found is None:
            raise ConfigError(f"{self._source}: page {page_name!r} has no table {table!r}")
        missing = [name for name in columns if name not in found.columns]
        if missing:
            raise ConfigError(
                f"{self._source}: page {page_name!r}, table {table!r} lacks column(s) {', '.join(missing)}"
            )
        return found

    def bind(
        self,
        scope: Page | Frame,
        page_name: str,
        *,
        timeout_ms: float = 5_000,
        frame: Frame | None = None,
    ) -> BoundPage:
        """The page's elements, located inside `scope` (its iframe, if the YAML names one).
        `frame`: that iframe's Frame, when the caller has found it already (and keeps it
        current: a Frame is gone once its iframe is replaced)."""
        from rpa.browser.bound_page import BoundPage

        return BoundPage(self, page_name, scope, timeout_ms=timeout_ms, frame=frame)

    def personal(self) -> list[tuple[str, str]]:
        """(page, element) of every element marked `personal: true`, in the file's order, each
        set of candidates once (pages that share an element through a YAML anchor list it once)."""
        seen: set[tuple[Candidate, ...]] = set()
        found = []
        for page_name, page in self.pages.items():
            for element in page.elements:
                key = tuple(page.elements[element])
                if element in page.personal_elements and key not in seen:
                    seen.add(key)
                    found.append((page_name, element))
        return found

    def winner(self, page_name: str, element: str) -> int:
        """The candidate that last matched the element in this process (0 until one did)."""
        return self._winners.get((page_name, element), 0)

    def remember(self, page_name: str, element: str, index: int) -> bool:
        """Remember the candidate that matched; True when it is a change."""
        changed = self._winners.get((page_name, element)) != index
        self._winners[(page_name, element)] = index
        return changed


def _where(loc: tuple[int | str, ...]) -> str:
    """('pages', 'login', 'elements', 'submit', 0) -> "page 'login', element 'submit', candidate 1"."""
    parts: list[str] = []
    items = list(loc)
    while items:
        head = items.pop(0)
        if head in ("pages", "elements") and items:
            parts.append(f"{'page' if head == 'pages' else 'element'} {items.pop(0)!r}")
        elif isinstance(head, int):
            parts.append(f"candidate {head + 1}")
        else:
            parts.append(f"field {head!r}")
    return ", ".join(parts) or "top level"


def load_selectors(portal: str, selectors_dir: Path) -> PortalSelectors:
    """Read and validate `selectors_dir/<portal>.yaml`; any problem is a ConfigError naming the
    file, the page and the element."""
    if not _NAME.match(portal):
        raise ConfigError(f"{portal!r} is not a portal name")
    path = selectors_dir / f"{portal}.yaml"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read selectors for portal {portal!r}: {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        selectors = PortalSelectors.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(err['loc'])}: {err['msg'].removeprefix('Value error, ')}" for err in exc.errors()
        )
        raise ConfigError(f"{path}: {problems}") from None
    selectors._portal, selectors._source = portal, str(path)
    selectors._sha256 = hashlib.sha256(raw).hexdigest()
    return selectors
