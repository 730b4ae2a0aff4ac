"""Extraction specs: one YAML file per report type, validated into models before use.

    spec = load_spec("branch_daily", Path("config/specs"))

A spec says which formats the report comes in, whether it is of a day or a month (`period`),
where its table is (sheet name or name
pattern, title text, page range, the one hidden sheet it may read), how it is laid out
(metrics as rows, or branches as rows), the row labels and column headers to read with their
aliases, the unit of each figure and whether an unstated unit may be assumed
(`unit_always`), what a dash means (`dash_means_zero`), the report's sign conventions, and
the checks to run. What varies between report systems is a spec change, not code.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.report_extraction.numbers import UNIT_FACTORS, SignStyle, normalise, split_unit
from flows.report_extraction.safe_pattern import safe_pattern
from rpa.config_files import read_yaml, safe_load
from rpa.errors import ConfigError

# 其中： / 一、 / 1. / （一） before a row label
_PREFIX = re.compile(r"^(?:其中[:：]?|[一二三四五六七八九十]+[、.]|\d+[、.]|\([一二三四五六七八九十\d]+\))")


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
            raise ValueError(f"不认识的单位 {unit!r}；可用：{'、'.join(UNIT_FACTORS)}")
        return unit

    def matches(self, text: str) -> bool:
        """True when `text` (spaces, full-width forms, a unit suffix, a colon after it and a
        numbering or 其中： prefix aside) is this label: `合计：` is 合计 (tester BF F12)."""
        flat = split_unit(text)[0].rstrip(":")
        return flat in self.keys or _PREFIX.sub("", flat) in self.keys

    @cached_property
    def keys(self) -> frozenset[str]:
        """The normalised names this label answers to."""
        return frozenset(normalise(n) for n in (self.name, *self.aliases))


class Locate(_Model):
    """Where the table is: a sheet name or name pattern (xlsx), a title above it, a page range
    (pdf). Hidden sheets are read only when `hidden_sheet` names one."""

    sheet: str | None = None
    sheet_title_pattern: str | None = None  # a regular expression a sheet's name matches
    hidden_sheet: str | None = None  # the one hidden sheet this report type is read from, if any
    title: str | None = None
    pages: str | None = None  # "1-3", "2-", "1"; None = every page

    @field_validator("sheet_title_pattern")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"不是正则表达式（{error}）") from error
        return pattern

    @field_validator("pages")
    @classmethod
    def _page_range(cls, pages: str | None) -> str | None:
        if pages is not None and not re.fullmatch(r"\d+(-\d*)?", pages):
            raise ValueError(f"页码范围 {pages!r} 应写成 '1'、'1-3' 或 '2-'")
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
    # info: the labelled lines that name the report's branch, and those that never do
    labels: list[str] = Field(
        default_factory=lambda: ["机构", "报送机构", "填报机构", "机构代码", "机构名称", "网点"])
    never: list[str] = Field(default_factory=lambda: ["上级机构", "管辖行", "汇总机构", "上级行", "管辖机构"])

    @field_validator("pattern")
    @classmethod
    def _has_code_group(cls, pattern: str) -> str:
        compiled = safe_pattern(pattern)
        if "code" not in compiled.groupindex:
            raise ValueError("代码格式 pattern 要有命名分组 (?P<code>...)")
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
    value_aliases: list[str] = Field(default_factory=list)  # its other names under a metric (本期, 当日)
    totals_label: Label | None = None
    subtotal_label: str | None = None
    unit: str  # the money unit the spec expects; used for an unstated unit only with unit_always
    unit_always: bool = False  # the report type is always in `unit`: an unstated unit may be assumed
    dash_means_zero: bool = False  # `-` / `—` print a zero (else they, like a blank, are no figure)
    signs: list[SignStyle]
    # filled by load_spec from branches.yaml beside the specs folder: {code: name}
    known_branches: dict[str, str] = Field(default_factory=dict)
    date_pattern: str = r"(?P<y>\d{4})[-年/](?P<m>\d{1,2})(?:[-月/](?P<d>\d{1,2}))?"
    # day: the report is of one day and must print it (a month alone is refused); month: of one
    # month, and a month range it prints (报表期间：2026年1-11月) is read as its last month
    period: Literal["day", "month"] = "day"
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
            raise ValueError(f"不认识的单位 {unit!r}；可用：{'、'.join(UNIT_FACTORS)}")
        return unit

    @model_validator(mode="after")
    def _consistent(self) -> ExtractionSpec:
        if self.layout == "metrics_as_rows" and not self.rows:
            raise ValueError("layout 为 metrics_as_rows 时须在 rows 列出要读的行标签")
        if self.branch.source == "group" and self.group_column is None:
            raise ValueError("branch.source 为 group 时须写 group_column")
        if self.branch.source == "row" and self.layout != "branches_as_rows":
            raise ValueError("branch.source 为 row 只用于 layout 为 branches_as_rows 的报表")
        for kind, labels in (("rows", self.rows), ("columns", self.columns)):
            seen: dict[str, str] = {}
            for label in labels:
                for key in sorted(label.keys):
                    if key in seen and seen[key] != label.name:
                        raise ValueError(f"{kind}：{key!r} 既指 {seen[key]!r} 又指 {label.name!r}")
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
        raise ConfigError(f"规格名 {name!r} 只能由字母、数字、'_' 或 '-' 组成")
    try:
        data = read_yaml(path)
    except FileNotFoundError as error:
        known = sorted(p.stem for p in specs_dir.glob("*.yaml")) if specs_dir.is_dir() else []
        raise ConfigError(f"没有提取规格 {path}；现有规格：{', '.join(known) or '无'}") from error
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ConfigError(f"无法读取提取规格 {path}：{_read_problem(error)}") from error
    if not isinstance(data, dict):
        raise ConfigError(f"提取规格 {path}：最外层应是“键: 值”的映射")
    branches_file = specs_dir.parent / "branches.yaml"
    if branches_file.is_file() and "known_branches" not in data:
        data["known_branches"] = _branch_list(branches_file)
    try:
        return ExtractionSpec.model_validate(data)
    except ValidationError as error:
        problems = "\n".join(
            f"提取规格 {path} 的 {'.'.join(str(part) for part in issue['loc']) or '最外层'}："
            f"{_problem(issue)}" for issue in error.errors()
        )
        raise ConfigError(problems) from error


_PROBLEMS = {
    "missing": "缺少此项",
    "extra_forbidden": "不认识的设置项（拼写错误？）",
    "literal_error": "取值不在允许之列",
    "enum": "取值不在允许之列",
    "string_type": "应是文字",
    "list_type": "应是列表",
    "bool_type": "应是 true 或 false",
    "bool_parsing": "应是 true 或 false",
    "dict_type": "应是映射",
    "model_type": "应是映射",
    "decimal_parsing": "应是数字",
    "decimal_type": "应是数字",
}


def _problem(issue: Any) -> str:
    """One validation problem in Chinese: our own validators' words, or pydantic's kind."""
    if issue["type"] == "value_error":
        return str(issue["ctx"]["error"]) if "ctx" in issue else str(issue["msg"])
    words = _PROBLEMS.get(issue["type"], f"取值无效（{issue['type']}）")
    expected = issue.get("ctx", {}).get("expected")
    return f"{words}，应为 {expected}" if expected else words


def _read_problem(error: Exception) -> str:
    """Why a spec or list file could not be read, without the system's English sentence."""
    if isinstance(error, yaml.YAMLError):
        mark = getattr(error, "problem_mark", None)
        return f"YAML 格式错误（第{mark.line + 1}行第{mark.column + 1}列）" if mark else "YAML 格式错误"
    if isinstance(error, UnicodeDecodeError):
        return "不是 UTF-8 编码的文字文件"
    return f"系统错误 {getattr(error, 'errno', '')}".strip()


def _branch_list(path: Path) -> dict[str, str]:
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
        entries = [(entry["code"], str(entry["name"])) for entry in data["branches"]]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError) as error:
        unreadable = isinstance(error, OSError | UnicodeDecodeError | yaml.YAMLError)
        reason = _read_problem(error) if unreadable else "应是 branches: 列表，每项有 code 和 name"
        raise ConfigError(f"无法读取网点名单 {path}：{reason}") from error
    unquoted = [repr(code) for code, _ in entries if not isinstance(code, str)]
    if unquoted:  # YAML reads 001101 as a number and drops the leading zeros
        raise ConfigError(f"{path}：机构代码 {', '.join(unquoted)} 须加引号写成文字，"
                          '如 code: "001101"，否则开头的 0 会丢失')
    return dict(entries)
