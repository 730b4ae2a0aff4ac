"""Extract one report file with its spec: figures with provenance, and the file's own checks.

    spec = load_spec("summary_daily", Path("config/specs"))
    extraction = extract_file(Path("summary_daily_2026-03-05.xlsx"), spec)

A figure is found by its row label and column header, never by a fixed cell address. A label
that is missing, found twice, or a figure that does not parse is an ExtractionError naming
the file and the place: never a silent zero or a wrong number.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from flows.report_extraction.checks import totals_checks
from flows.report_extraction.header import Header, find_header, nearest
from flows.report_extraction.models import Extraction, Figure
from flows.report_extraction.numbers import (
    NumberFormatError,
    normalise,
    parse_figure,
    split_unit,
    stated_unit,
    to_yuan,
)
from flows.report_extraction.pdf_reader import read_pdf
from flows.report_extraction.specs import ExtractionSpec, Label
from flows.report_extraction.tables import Grid, GridCell
from flows.report_extraction.xlsx_reader import read_xlsx
from rpa.errors import DuplicateHeader, ExtractionError, InputFileError, LabelNotFound, UnreadableFigure
from rpa.input_files import check_input_path

TOTAL = "合计"


def extract_file(path: Path, spec: ExtractionSpec) -> Extraction:
    """Every figure the spec names, from one xlsx or PDF file, and the file's totals checks."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in spec.formats:
        raise InputFileError(
            f"{path.name}: spec {spec.name} reads {', '.join(spec.formats)} files, not {fmt!r}",
            details={"file": str(path)})
    check_input_path(path)  # a FIFO or a device would block read_bytes
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise InputFileError(f"{path.name}: cannot be read ({error.strerror})",
                             details={"file": str(path)}) from error
    grid = read_xlsx(path, spec) if fmt == "xlsx" else read_pdf(path, spec)
    reading = _Reading(grid, spec, find_header(grid, spec))
    figures = reading.figures()
    return Extraction(spec=spec.name, file=path.name, sha256=digest, figures=figures,
                      checks=totals_checks(figures, spec, path.name) if spec.checks.totals else [],
                      branch=reading.info_branch, report_date=reading.report_date())


@dataclass
class _Reading:
    grid: Grid
    spec: ExtractionSpec
    header: Header
    seen_labels: dict[str | None, list[str]] = field(default_factory=dict)
    info_branch: str | None = None

    def preamble(self) -> list[str]:
        above = [" ".join(t for t in self.grid.row_texts(r) if t) for r in range(self.header.start)]
        return [*self.grid.preamble, *above]

    def report_date(self) -> str | None:
        for line in self.preamble():
            match = re.search(self.spec.date_pattern, normalise(line))
            if match:
                year, month, day = match.group("y"), int(match.group("m")), match.groupdict().get("d")
                return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
        return None

    def table_unit(self) -> str | None:
        return next((u for u in map(stated_unit, self.preamble()) if u), None)

    def figures(self) -> list[Figure]:
        if self.spec.branch.source == "info":
            self.info_branch = self._info_branch()
        if self.spec.layout == "branches_as_rows":
            return self._branches_as_rows()
        return self._metrics_as_rows()

    def _info_branch(self) -> str:
        pattern = re.compile(self.spec.branch.pattern)
        for line in self.preamble():
            match = pattern.search(normalise(line))
            if match:
                return match.group("code")
        seen = " | ".join(self.preamble()[:4]) or "none"
        raise LabelNotFound(f"{self.grid.file}: no branch above the table "
                            f"(pattern {self.spec.branch.pattern}); text seen: {seen}",
                            details={"file": self.grid.file})

    def _branch_of(self, text: str) -> str | None:
        if self.spec.totals_label is not None and self.spec.totals_label.matches(text):
            return TOTAL
        match = re.search(self.spec.branch.pattern, text)
        return match.group("code") if match else None

    def _match_row(self, text: str) -> Label | None:
        return next((label for label in self.spec.rows if label.matches(text)), None)

    def _metrics_as_rows(self) -> list[Figure]:
        figures: list[Figure] = []
        found: dict[tuple[str | None, str], GridCell] = {}
        group_text, branches = "", [] if self.header.group_col is not None else [self.info_branch]
        for row in self.grid.visible_rows(self.header.body_start):
            if self.header.group_col is not None:
                group_text = self.grid.text(row, self.header.group_col) or group_text
            label_cell = self.grid.at(row, self.header.label_col)
            label_text = self.grid.text(row, self.header.label_col)
            if not label_text or label_cell is None:
                continue
            branch = self.info_branch
            if self.header.group_col is not None:
                branch = self._branch_of(group_text)
            self.seen_labels.setdefault(branch, []).append(split_unit(label_text)[0])
            metric = self._match_row(label_text)
            if metric is None:
                continue
            if self.header.group_col is not None:
                if branch is None:
                    raise ExtractionError(
                        f"{label_cell.provenance.describe()}: row {metric.name!r} is under {group_text!r}, "
                        f"which names no branch (pattern {self.spec.branch.pattern})",
                        details={"file": self.grid.file})
                if branch not in branches:
                    branches.append(branch)
            self._claim(found, (branch, metric.name), label_cell, f"row label {metric.name!r}")
            _, label_unit = split_unit(label_text)
            row_unit = self.grid.text(row, self.header.unit_col) if self.header.unit_col is not None else ""
            for column in self.spec.columns:
                col = self.header.columns.get(column.name)
                if col is None:
                    continue
                shown = row_unit or label_unit or self.header.shown_units.get(col) or self.table_unit()
                figure = self._figure(row, col, branch, metric.name, column.name,
                                      self.spec.unit_for(metric, column), shown)
                if figure is not None:
                    figures.append(figure)
        self._require_rows(found, branches)
        return figures

    def _require_rows(self, found: dict[tuple[str | None, str], GridCell],
                      branches: list[str | None]) -> None:
        missing = [(branch, label.name) for branch in branches for label in self.spec.rows
                   if label.required and (branch, label.name) not in found]
        if not branches:
            missing = [(None, label.name) for label in self.spec.rows if label.required]
        if missing:
            names = ", ".join(f"{name!r}" + (f" (branch {b})" if b else "") for b, name in missing)
            seen = self.seen_labels.get(missing[0][0]) or [t for ts in self.seen_labels.values() for t in ts]
            raise LabelNotFound(f"{self.grid.file}: row label(s) {names} not found; nearest labels seen: "
                                f"{nearest(missing[0][1], seen)}",
                                details={"file": self.grid.file, "labels": [n for _, n in missing]})

    def _branches_as_rows(self) -> list[Figure]:
        figures: list[Figure] = []
        found: dict[tuple[str | None, str], GridCell] = {}
        for row in self.grid.visible_rows(self.header.body_start):
            label_cell = self.grid.at(row, self.header.label_col)
            label_text = self.grid.text(row, self.header.label_col)
            if not label_text or label_cell is None:
                continue
            self.seen_labels.setdefault(None, []).append(label_text)
            branch = self._branch_of(label_text)
            if branch is None:
                continue
            self._claim(found, (branch, ""), label_cell, f"branch row {branch!r}")
            for column in self.spec.columns:
                col = self.header.columns.get(column.name)
                if col is None:
                    continue
                shown = self.header.shown_units.get(col) or self.table_unit()
                figure = self._figure(row, col, branch, column.name, self.spec.value_column,
                                      self.spec.unit_for(None, column), shown)
                if figure is not None:
                    figures.append(figure)
        totals = self.spec.totals_label
        missing = [totals.name] if totals is not None and totals.required and (TOTAL, "") not in found else []
        if missing or not any(branch != TOTAL for branch, _ in found):
            what = missing[0] if missing else "a branch row"
            seen = nearest(what, self.seen_labels.get(None, []))
            raise LabelNotFound(f"{self.grid.file}: {what!r} not found; nearest labels seen: {seen}",
                                details={"file": self.grid.file})
        return figures

    def _claim(self, found: dict[tuple[str | None, str], GridCell], key: tuple[str | None, str],
               cell: GridCell, what: str) -> None:
        if key in found:
            first = found[key].provenance.describe()
            raise DuplicateHeader(f"{self.grid.file}: {what} found twice: {first} and "
                                  f"{cell.provenance.describe()}",
                                  details={"file": self.grid.file, "label": key[1] or key[0]})
        found[key] = cell

    def _figure(self, row: int, col: int, branch: str | None, metric: str, column: str,
                declared_unit: str, shown_unit: str | None) -> Figure | None:
        cell = self.grid.at(row, col)
        where = self.grid.provenance_at(row, col)
        if shown_unit is not None and shown_unit != declared_unit:
            raise UnreadableFigure(f"{where.describe()}: {metric} {column} is shown in {shown_unit}, "
                                   f"the spec expects {declared_unit}", details={"file": self.grid.file})
        if cell is None or (cell.row, cell.col) != (row, col):
            raise UnreadableFigure(f"{where.describe()}: {metric} {column}"
                                   f"{f' of branch {branch}' if branch else ''} is empty",
                                   details={"file": self.grid.file})
        try:
            value = parse_figure(cell.value, self.spec.sign_styles())
        except NumberFormatError as error:
            raise UnreadableFigure(f"{where.describe()}: {metric} {column}: {error}",
                                   details={"file": self.grid.file}) from error
        if value is None:
            raise UnreadableFigure(f"{where.describe()}: {metric} {column} is empty",
                                   details={"file": self.grid.file})
        return Figure(branch=branch, metric=metric, column=column, value_yuan=to_yuan(value, declared_unit),
                      raw=cell.text, unit=declared_unit, provenance=where)
