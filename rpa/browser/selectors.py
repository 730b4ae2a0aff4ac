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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr, ValidationError

from rpa.browser.selector_models import (
    KINDS,
    NAME,
    READABLE_KINDS,
    Candidate,
    PageSelectors,
    TableSelectors,
    check_names,
)
from rpa.config_files import DuplicateKey, safe_load
from rpa.errors import ConfigError

if TYPE_CHECKING:
    from playwright.sync_api import Frame, Page

    from rpa.browser.bound_page import BoundPage

# the models are here too for the callers that load selectors
__all__ = [
    "KINDS",
    "READABLE_KINDS",
    "Candidate",
    "PageSelectors",
    "PortalSelectors",
    "TableSelectors",
    "load_selectors",
]


class PortalSelectors(BaseModel):
    """All pages of one portal. Remembers, per process, which candidate won for each element."""

    model_config = ConfigDict(extra="forbid")

    unique: bool = False
    pages: Annotated[dict[str, PageSelectors], AfterValidator(check_names)]
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
                f"选择器文件 {self._source} 中没有页面 {page_name}（已有：{'、'.join(sorted(self.pages))}）："
                "机器人要用它，请补上或改正拼错的页面名"
            ) from None

    def require(self, page_name: str, *elements: str) -> None:
        """Fail now (ConfigError) if the page or any of these elements is missing from the YAML."""
        missing = [name for name in elements if name not in self.page(page_name).elements]
        if missing:
            raise ConfigError(f"选择器文件 {self._source} 的页面 {page_name} 缺少元素 {'、'.join(missing)}："
                              "机器人要用它们，请补上或改正拼错的键名")

    def require_all(self, pages: Mapping[str, Sequence[str]]) -> None:
        """`require` of each page's elements: a bot's whole list, checked before a run."""
        for page_name, elements in pages.items():
            self.require(page_name, *elements)

    def table(self, page_name: str, table: str, *columns: str) -> TableSelectors:
        """A page's table; ConfigError now if it, or any of these columns, is missing from the YAML."""
        found = self.page(page_name).tables.get(table)
        if found is None:
            raise ConfigError(f"选择器文件 {self._source} 的页面 {page_name} 没有表格 {table}："
                              "机器人要用它，请补上或改正拼错的键名")
        missing = [name for name in columns if name not in found.columns]
        if missing:
            raise ConfigError(f"选择器文件 {self._source} 的页面 {page_name} 的表格 {table} 缺少列 "
                              f"{'、'.join(missing)}：机器人要用它们，请补上或改正拼错的键名")
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
    if not NAME.match(portal):
        raise ConfigError(f"{portal!r} 不是门户名：门户名只含字母、数字和下划线")
    path = selectors_dir / f"{portal}.yaml"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取门户 {portal} 的选择器文件 {path}（{exc.strerror}）："
                          "请检查 RPA_SELECTORS_DIR") from None
    try:
        data = safe_load(raw)
    except yaml.YAMLError as exc:
        if isinstance(exc, DuplicateKey):
            raise ConfigError(f"选择器文件 {path} {exc}") from None
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行" if mark is not None else ""
        raise ConfigError(f"选择器文件 {path} {where}不是有效的 YAML（{getattr(exc, 'problem', '')}）："
                          "请改正后重试") from None
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
