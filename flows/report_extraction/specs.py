"""Extraction specs: one YAML file per report type, validated into models before use.

    spec = load_spec("branch_daily", Path("config/specs"))

A spec says which formats the report comes in, where its table is (sheet name, title text,
page range), how it is laid out (metrics as rows, or branches as rows), the row labels and
column headers to read with their aliases, the unit of each figure, the report's sign
conventions, and the checks to run.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.report_extraction.numbers import UNIT_FACTORS, SignStyle, normalise, split_unit
from flows.report_extraction.safe_pattern import safe_pattern
from rpa.errors import ConfigError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Model):
    """A row label or column header: its canonical name and the other names reports use."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    required: bool = True
    unit: str | None = None  # overrides the spec's unit for this row or column

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str | None) -> str | None:
        if unit is not None and unit not in UNIT_FACTORS:
            raise ValueError(f"unknown unit {unit!r}; known: {', '.join(UNIT_FACTORS)}")
        return unit

    def matches(self, text: str) -> bool:
        """True when `text` (spaces, full-width forms and a unit suffix aside) is this label."""
        flat, _ = split_unit(text)
        return flat in self.keys

    @cached_property
    def keys(self) -> frozenset[str]:
        """The normalised names this label answers to."""
        return frozenset(normalise(n) for n in (self.name, *self.aliases))


class Locate(_Model):
    """Where the table is: a sheet name (xlsx), a title above it, a page range (pdf)."""

    sheet: str | None = None
    title: str | None = None
    pages: str | None = None  # "1-3", "2-", "1"; None = every page

    @field_validator("pages")
    @classmethod
    def _page_range(cls, pages: str | None) -> str | None:
        if pages is not None and not re.fullmatch(r"\d+(-\d*)?", pages):
            raise ValueError(f"page range {pages!r} is not like '1', '1-3' or '2-'")
        return pages

    def page_numbers(self, page_count: int) -> list[int]:
        """1-based page numbers this spec reads in a document of `page_count` pages."""
        if self.pages is None:
            return list(range(1, page_count + 1))
        first, _, last = self.pages.partition("-")
        end = int(last) if last else page_count if "-" in self.pages else int(first)
        return [n for n in range(int(first), min(end, page_count) + 1)]


class BranchSource(_Model):
    """Where a figure's branch comes from: the lines above the table, a group column, the row
    label, or nowhere (a report without branches)."""

    source: Literal["info", "group", "row", "none"]
    pattern: str = r"(?P<code>\d{6})"

    @field_validator("pattern")
    @classmethod
    def _has_code_group(cls, pattern: str) -> str:
        compiled = safe_pattern(pattern)
        if "code" not in compiled.groupindex:
            raise ValueError("the pattern needs a named group (?P<code>...)")
        return pattern


class Checks(_Model):
    """Checks on one file (totals) and across files (day over day); tolerance None = by unit."""

    totals: bool = True
    tolerance_yuan: Decimal | None = None
    max_change_share: Decimal | None = None  # day over day, e.g. 0.2 = 20 %
    # what the day-over-day check compares (None = all): balances, not daily flows that swing by nature
    day_over_day_metrics: list[str] | None = None
    day_over_day_columns: list[str] | None = None


class ExtractionSpec(_Model):
    """One report type's extraction: formats, location, layout, labels, units, signs, checks."""

    name: str
    title: str
    formats: list[Literal["xlsx", "pdf"]]
    locate: Locate = Field(default_factory=Locate)
    layout: Literal["metrics_as_rows", "branches_as_rows"]
    label_column: Label
    group_column: Label | None = None
    unit_column: Label | None = None
    branch: BranchSource
    rows: list[Label] = Field(default_factory=list)
    columns: list[Label]
    value_column: str = "本日"  # branches_as_rows: the name of the one value each metric column holds
    totals_label: Label | None = None
    subtotal_label: str | None = None
    unit: str
    signs: list[SignStyle]
    date_pattern: str = r"(?P<y>\d{4})[-年/](?P<m>\d{1,2})(?:[-月/](?P<d>\d{1,2}))?"
    checks: Checks = Field(default_factory=Checks)

    @field_validator("date_pattern")
    @classmethod
    def _safe_date_pattern(cls, pattern: str) -> str:
        safe_pattern(pattern)
        return pattern

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in UNIT_FACTORS:
            raise ValueError(f"unknown unit {unit!r}; known: {', '.join(UNIT_FACTORS)}")
        return unit

    @model_validator(mode="after")
    def _consistent(self) -> ExtractionSpec:
        if self.layout == "metrics_as_rows" and not self.rows:
            raise ValueError("layout metrics_as_rows needs the row labels to read (rows)")
        if self.branch.source == "group" and self.group_column is None:
            raise ValueError("branch source 'group' needs a group_column")
        if self.branch.source == "row" and self.layout != "branches_as_rows":
            raise ValueError("branch source 'row' is for layout branches_as_rows")
        for kind, labels in (("rows", self.rows), ("columns", self.columns)):
            seen: dict[str, str] = {}
            for label in labels:
                for key in sorted(label.keys):
                    if key in seen and seen[key] != label.name:
                        raise ValueError(f"{kind}: {key!r} names both {seen[key]!r} and {label.name!r}")
                    seen[key] = label.name
        return self

    def sign_styles(self) -> frozenset[SignStyle]:
        """The sign conventions as a set."""
        return frozenset(self.signs)

    def unit_for(self, row: Label | None, column: Label | None) -> str:
        """The declared unit of one figure: the row's, else the column's, else the spec's."""
        for label in (row, column):
            if label is not None and label.unit is not None:
                return label.unit
        return self.unit


def load_spec(name: str, specs_dir: Path) -> ExtractionSpec:
    """Read and validate `specs_dir/<name>.yaml`; ConfigError names the file and the field."""
    path = specs_dir / f"{name}.yaml"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ConfigError(f"spec name {name!r} must be letters, digits, '_' or '-'")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        known = sorted(p.stem for p in specs_dir.glob("*.yaml")) if specs_dir.is_dir() else []
        raise ConfigError(f"no extraction spec {path}; known specs: {', '.join(known) or 'none'}") from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read extraction spec {path}: {error}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"extraction spec {path}: expected a mapping at the top level")
    try:
        return ExtractionSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top level)'}: {issue['msg']}"
            for issue in error.errors()
        )
        raise ConfigError(f"extraction spec {path} is invalid: {problems}") from error
