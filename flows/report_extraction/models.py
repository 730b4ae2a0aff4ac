"""What an extraction yields: figures with provenance, and the results of the checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Provenance:
    """Where a figure was read: the file, then the sheet and cell, or the page and bounding box."""

    file: str
    sheet: str | None = None
    page: int | None = None
    cell: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom in PDF points

    def describe(self) -> str:
        """`file, 分行汇总日报!C6`, `file, 工作表 分行汇总日报` or
        `file, 第2页（位置 x0, top, x1, bottom）`."""
        if self.sheet is not None:
            return f"{self.file}, {self.sheet}!{self.cell}" if self.cell else (
                f"{self.file}, 工作表 {self.sheet}")
        if self.page is not None:
            where = f"{self.file}, 第{self.page}页"
            if self.bbox:
                return f"{where}（位置 {', '.join(f'{v:g}' for v in self.bbox)}）"
            return where
        return self.file

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"file": self.file, "sheet": self.sheet, "page": self.page, "cell": self.cell,
                "bbox": list(self.bbox) if self.bbox else None}


@dataclass(frozen=True)
class Figure:
    """One figure, converted to 元 (counts stay counts), with the text it was read from.

    `unit` is the unit the figure is printed in, `unit_source` where the report states it
    (`单位行 A2`, `表头 C3`, `单位列 B6`, `脚注 A20`, or `规格默认（假定）` when the report states
    none and the spec says the report always has that unit), `multiplier` what turned the
    printed number into 元, `branch_source` where the figure's branch was read."""

    branch: str | None  # branch code, "合计" for a totals row, None when the report has no branch
    metric: str
    column: str
    value_yuan: Decimal
    raw: str
    unit: str
    provenance: Provenance
    unit_source: str = ""
    multiplier: Decimal = Decimal(1)
    branch_source: str = ""

    @property
    def unit_assumed(self) -> bool:
        """True when the unit is the spec's default, not stated by the report."""
        return "假定" in self.unit_source

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the value as a Decimal string."""
        return {"branch": self.branch, "metric": self.metric, "column": self.column,
                "value_yuan": str(self.value_yuan), "raw": self.raw, "unit": self.unit,
                "unit_source": self.unit_source, "multiplier": str(self.multiplier),
                "unit_assumed": self.unit_assumed, "branch_source": self.branch_source,
                "provenance": self.provenance.to_json()}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check; a failed one names where to look."""

    name: str
    ok: bool
    message: str
    provenance: list[Provenance] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "ok": self.ok, "message": self.message,
                "provenance": [p.to_json() for p in self.provenance]}


@dataclass
class Extraction:
    """Every figure of one report file, and the checks run on the file on its own."""

    spec: str
    file: str
    sha256: str
    figures: list[Figure]
    checks: list[CheckResult]
    branch: str | None = None  # the branch a single-branch report is about
    report_date: str | None = None  # as printed in the report, normalised to YYYY-MM-DD when possible
    # what was read but is not a figure, for a clerk to check: "无数字 C9 对公贷款余额 较上日",
    # "略过的行 A12 其中：…", "未用的列 F4 备注", "单位假定 …"
    notes: list[str] = field(default_factory=list)

    @property
    def units_assumed(self) -> list[Figure]:
        """The figures whose unit is the spec's default, not stated by the report."""
        return [f for f in self.figures if f.unit_assumed]

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    def value(self, metric: str, column: str, branch: str | None = None) -> Decimal:
        """The value of one figure; KeyError when the extraction has no such figure."""
        for figure in self.figures:
            if figure.metric == metric and figure.column == column and figure.branch == branch:
                return figure.value_yuan
        raise KeyError((branch, metric, column))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the records with provenance and the checks."""
        return {"spec": self.spec, "file": self.file, "sha256": self.sha256, "branch": self.branch,
                "report_date": self.report_date, "ok": self.ok, "notes": list(self.notes),
                "units_assumed": len(self.units_assumed),
                "figures": [f.to_json() for f in self.figures], "checks": [c.to_json() for c in self.checks]}
