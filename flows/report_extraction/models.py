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
        """`file, sheet 分行汇总日报!C6` or `file, page 2 (x0, top, x1, bottom)`."""
        if self.sheet is not None:
            return f"{self.file}, {self.sheet}!{self.cell}" if self.cell else f"{self.file}, {self.sheet}"
        if self.page is not None:
            where = f"{self.file}, page {self.page}"
            return f"{where} {self.bbox}" if self.bbox else where
        return self.file

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"file": self.file, "sheet": self.sheet, "page": self.page, "cell": self.cell,
                "bbox": list(self.bbox) if self.bbox else None}


@dataclass(frozen=True)
class Figure:
    """One figure, converted to 元 (counts stay counts), with the text it was read from."""

    branch: str | None  # branch code, "合计" for a totals row, None when the report has no branch
    metric: str
    column: str
    value_yuan: Decimal
    raw: str
    unit: str
    provenance: Provenance

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; the value as a Decimal string."""
        return {"branch": self.branch, "metric": self.metric, "column": self.column,
                "value_yuan": str(self.value_yuan), "raw": self.raw, "unit": self.unit,
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
                "report_date": self.report_date, "ok": self.ok,
                "figures": [f.to_json() for f in self.figures], "checks": [c.to_json() for c in self.checks]}
