"""Extract one report file with its spec: figures with provenance, and the file's own checks.

    spec = load_spec("summary_daily", Path("config/specs"))
    extraction = extract_file(Path("summary_daily_2026-03-05.xlsx"), spec)

A figure is found by its row label and column header, never by a fixed cell address. A label
that is missing, found twice, or a figure that does not parse is an ExtractionError naming
the file and the place: never a silent zero or a wrong number.

A figure's unit is what the report states for it: its number format, its unit column or 备注,
its label's or header's suffix, a 单位 line, the title, a footnote. Two that disagree refuse the
file naming both; with none, a money figure takes the spec's unit only when the spec says the
report type always has it (`unit_always`), and says so. A figure's branch comes from the
report's labelled 机构 line, its group block, or its row, and must be a known branch.
Blank and dash cells are no figure, listed in the notes; `group_blocks` cuts a group column's
branch blocks, `figure_units` decides a figure's unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flows.report_extraction import surroundings
from flows.report_extraction.branch_names import TOTAL, BranchNames, row_label
from flows.report_extraction.checks import totals_checks
from flows.report_extraction.conditional_formats import cell_figure
from flows.report_extraction.currency import check_currency, check_row_currency
from flows.report_extraction.figure_units import (
    figure_unit,
    label_row_units,
    own_units,
    remark_row_units,
    unit_lines_kept,
)
from flows.report_extraction.group_blocks import group_blocks, matching_label
from flows.report_extraction.header import Header, find_header, nearest
from flows.report_extraction.header_repeats import header_repeat
from flows.report_extraction.models import Extraction, Figure
from flows.report_extraction.numbers import UNIT_FACTORS, NumberFormatError, is_no_figure, split_unit, to_yuan
from flows.report_extraction.pdf_reader import read_pdf
from flows.report_extraction.red_figures import signed
from flows.report_extraction.report_dates import PrintedDate, check_asked_date, printed_date
from flows.report_extraction.required_rows import require_rows
from flows.report_extraction.specs import ExtractionSpec, Label
from flows.report_extraction.surroundings import Line, is_note, row_place, table_lines, table_money_unit
from flows.report_extraction.tables import Grid, GridCell, hidden_notes
from flows.report_extraction.xlsx_reader import read_xlsx
from rpa.errors import DuplicateHeader, ExtractionError, InputFileError, LabelNotFound, UnreadableFigure
from rpa.input_files import check_input_path, os_reason


def extract_file(path: Path, spec: ExtractionSpec, report_date: str | None = None,
                 branch: str | None = None) -> Extraction:
    """Every figure the spec names, from one xlsx or PDF file, and the file's totals checks.

    `report_date` (YYYY-MM-DD) and `branch`, when known, pick the sheet of that date and
    branch in a workbook holding the same report several times; without them such a workbook
    is refused. A single-branch report about another branch than `branch` is refused."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in spec.formats:
        raise InputFileError(
            f"{path.name}：规格 {spec.name} 只读 {'、'.join(spec.formats)} 文件，不读 .{fmt} 文件",
            details={"file": str(path)})
    check_input_path(path)  # a FIFO or a device would block read_bytes
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise InputFileError(f"{path.name}：无法读取文件（{os_reason(error)}）",
                             details={"file": str(path)}) from error
    grid = read_xlsx(path, spec, report_date, branch) if fmt == "xlsx" else read_pdf(path, spec)
    header = find_header(grid, spec)
    reading = _Reading(grid, spec, header)
    figures = reading.figures()
    if not figures:  # a blank sheet, or figures pasted as a picture: no report to pass on
        blank = sum(note.startswith("无数字") for note in reading.notes)
        raise ExtractionError(f"{path.name}: 报表上一个数字也没有读到（{blank} 个该有数字的格都是空的或 -）；"
                              "若数字是图片（截图、扫描件）须人工录入，整份报表不读",
                              details={"file": str(path)})
    if branch is not None and reading.info_branch is not None and reading.info_branch != branch:
        raise ExtractionError(f"{path.name}: 报表的机构是 {reading.info_branch}（{reading.info_where}），"
                              f"不是要的 {branch}", details={"file": str(path)})
    if branch is not None and reading.info_branch is None and all(f.branch != branch for f in figures):
        raise ExtractionError(f"{path.name}: 报表中没有机构 {branch} 的数字", details={"file": str(path)})
    printed = reading.printed_date()
    if report_date is not None:
        check_asked_date(printed, report_date, spec, path.name)
    notes = [f"未用的列 {text}" for text in header.unused] + unit_lines_kept(reading.notes, figures)
    notes += [printed.note] if printed is not None and printed.note else []
    notes += [f"单位假定 {f.provenance.cell or f.provenance.describe()} {f.metric} {f.column}: "
              f"报表未注明单位，按规格默认 {f.unit}" for f in figures if f.unit_assumed]
    return Extraction(spec=spec.name, file=path.name, sha256=digest, figures=figures,
                      checks=totals_checks(figures, spec, path.name) if spec.checks.totals else [],
                      branch=reading.info_branch, report_date=printed.day if printed else None, notes=notes)


@dataclass
class _Reading:
    grid: Grid
    spec: ExtractionSpec
    header: Header
    seen_labels: dict[str | None, list[str]] = field(default_factory=dict)
    info_branch: str | None = None
    info_where: str = ""
    notes: list[str] = field(default_factory=list)
    below: str = ""  # where another table below the report's begins (`surroundings.is_appendix`)
    table_unit: tuple[str, str] | None = None  # the money unit stated around the table, and where
    names: BranchNames = field(init=False)
    lines: list[Line] = field(init=False)

    def __post_init__(self) -> None:
        self.names = BranchNames(self.spec, self.grid.file)
        self.lines = table_lines(self.grid, self.header)

    def _where(self, row: int) -> str:
        return row_place(self.grid, row)

    def printed_date(self) -> PrintedDate | None:
        return printed_date(self.lines, self.spec, self.grid.file, self.header.dates, faint=self.grid.faint)

    def figures(self) -> list[Figure]:
        check_currency(self.lines, self.grid.file)
        self.table_unit = table_money_unit(self.lines, self.header, self.grid.file)
        if self.spec.branch.source == "info":
            self.info_branch, self.info_where = self.names.info_branch(self.lines)
        if self.spec.layout == "branches_as_rows":
            return self._branches_as_rows()
        return self._metrics_as_rows()

    def _body_rows(self) -> list[int | None]:
        """Body rows to read; None where a blank or note row breaks the table."""
        rows: list[int | None] = []
        self.notes += hidden_notes(self.grid, self._where)  # never read, always said
        repeat_end = 0
        for row in self.grid.visible_rows(self.header.body_start):
            texts = [t for t in self.grid.row_texts(row) if t]
            if row < repeat_end:
                continue
            if texts and (depth := header_repeat(self.grid, self.header, self.spec.label_column, row)):
                self.notes.append(f"略过的重复表头 {self._where(row)} {texts[0][:20]}")
                repeat_end = row + depth
            elif not texts:
                self.notes.append(f"略过的空行 第{row + 1}行")
                rows.append(None)
            elif is_note(texts[0]):
                self.notes.append(f"略过的注释行 {self._where(row)} {texts[0][:20]}")
                rows.append(None)
            elif surroundings.is_appendix(texts[0]):
                self.below = f"；表格下方 {self._where(row)}“{texts[0][:20]}”起是另一张表，其中的行不读"
                self.notes.append(f"另一张表 {self._where(row)} {texts[0][:20]}：其下各行不是本表的，不读")
                break
            else:
                rows.append(row)
        return rows

    def _metrics_as_rows(self) -> list[Figure]:
        figures: list[Figure] = []
        found: dict[tuple[str | None, str], GridCell] = {}
        rows = self._body_rows()
        blocks: list[tuple[list[int], str | None, str]]
        if self.header.group_col is not None:
            blocks = list(group_blocks(self.grid, self.header, self.spec, self.names, rows, self.notes))
        else:
            blocks = [([r for r in rows if r is not None], self.info_branch, self.info_where)]
        branches: list[str | None] = []
        for block, branch, branch_where in blocks:
            if branch not in branches:
                branches.append(branch)
            for row in block:
                label_cell = self.grid.at(row, self.header.label_col)
                label_text = self.grid.text(row, self.header.label_col)
                if not label_text or label_cell is None:
                    continue
                self.seen_labels.setdefault(branch, []).append(split_unit(label_text)[0])
                metric = matching_label(self.spec, label_text)
                if metric is None:
                    at = label_cell.provenance.cell or self._where(row)  # B8, not the block's 机构 A5
                    self.notes.append(f"略过的行 {at} {label_text[:20]}")
                    continue
                self._claim(found, (branch, metric.name), label_cell, f"行标签“{metric.name}”")
                row_units = label_row_units(self.grid, self.header, row, label_text, label_cell)
                for column in self.spec.columns:
                    col = self.header.columns.get(column.name)
                    if col is None:
                        continue
                    figure = self._figure(row, col, branch, branch_where, metric, column,
                                          metric.name, column.name, row_units)
                    if figure is not None:
                        figures.append(figure)
        require_rows(self.grid.file, self.spec, found, branches, self.seen_labels, self.notes, self.below)
        return figures

    def _branches_as_rows(self) -> list[Figure]:
        figures: list[Figure] = []
        found: dict[tuple[str | None, str], GridCell] = {}
        for row in self._body_rows():
            if row is None:
                continue
            label_cell, label_text = row_label(self.grid, self.header, self.spec, row)  # 全辖合计 in 机构名称
            if not label_text or label_cell is None:
                texts = " ".join(filter(None, self.grid.row_texts(row)))  # 城区小计 10000.44, not glued
                self.notes.append(f"略过的行 {self._where(row)} {texts[:20]}")
                continue
            self.seen_labels.setdefault(None, []).append(label_text)
            place = label_cell.provenance.cell or self._where(row)
            branch: str | None
            if self.header.label_is_name:  # no code column: the name settles the branch
                where = f"机构名称 {place}（按网点名单）"
                branch = self.names.branch_by_name(label_text, f"机构名称 {place}")
            else:
                where = f"行标签 {place}"
                name = self.grid.text(row, self.header.name_col) if self.header.name_col is not None else ""
                branch = self.names.branch_of(label_text, where, name=name)
            if branch is None:
                self.notes.append(f"略过的行 {self._where(row)} {label_text[:20]}")
                continue
            self._claim(found, (branch, ""), label_cell, f"机构 {branch} 的行")
            for column in self.spec.columns:
                col = self.header.columns.get(column.name)
                if col is None:
                    continue
                figure = self._figure(row, col, branch, where, None, column, column.name,
                                      self.spec.value_column, remark_row_units(self.grid, self.header, row))
                if figure is not None:
                    figures.append(figure)
        totals = self.spec.totals_label
        missing = [totals.name] if totals is not None and totals.required and (TOTAL, "") not in found else []
        if missing or not any(branch != TOTAL for branch, _ in found):
            what = f"“{missing[0]}”行" if missing else "任何网点的行"
            seen = nearest(missing[0] if missing else "", self.seen_labels.get(None, []))
            raise LabelNotFound(f"{self.grid.file}：找不到{what}；表中相近的行标签：{seen}",
                                details={"file": self.grid.file})
        return figures

    def _claim(self, found: dict[tuple[str | None, str], GridCell], key: tuple[str | None, str],
               cell: GridCell, what: str) -> None:
        if key in found:
            one, first = found[key], found[key].provenance.describe()  # one merged cell: not A6 和 A6 (AE)
            twice = (f"是合并单元格（{first}），跨了不止一行" if (one.row, one.col) == (
                cell.row, cell.col) else f"出现两次：{first} 和 {cell.provenance.describe()}")
            raise DuplicateHeader(f"{self.grid.file}：{what}{twice}，不知读哪一个",
                                  details={"file": self.grid.file, "label": key[1] or key[0]})
        found[key] = cell

    def _figure(self, row: int, col: int, branch: str | None, branch_where: str, metric_label: Label | None,
                column_label: Label | None, metric: str, column: str,
                row_units: list[tuple[str, str]]) -> Figure | None:
        cell = self.grid.at(row, col)
        where = self.grid.provenance_at(row, col)
        declared = self.spec.unit_for(metric_label, column_label)
        check_row_currency(self.grid, self.header, row, f"{metric} {column}")
        unit, unit_source = figure_unit(where, metric, column, declared, row_units + own_units(cell, where),
                                        self.header.unit_places.get(col, []), table_unit=self.table_unit,
                                        spec=self.spec, file=self.grid.file)
        place = where.cell or where.describe()
        of_branch = f"（机构 {branch}）" if branch and branch != TOTAL else ""
        if cell is not None and (cell.row, cell.col) != (row, col):
            raise UnreadableFigure(f"{where.describe()}: {metric} {column}{of_branch} 所在格与别的格合并，"
                                   "无法确定是哪个数字", details={"file": self.grid.file})
        if cell is None or is_no_figure(cell.value):
            raw = cell.text if cell is not None else ""
            if raw.strip() and self.spec.dash_means_zero:
                value = Decimal(0)
                self.notes.append(f"记为0 {place} {metric} {column}{of_branch}: "
                                  f"报表印 {raw.strip()!r}，规格写明 -/— 即 0")
            else:
                shown = repr(raw.strip()) if raw.strip() else "空"
                self.notes.append(f"无数字 {place} {metric} {column}{of_branch}: 报表为{shown}")
                return None
        else:
            try:
                parsed = cell_figure(cell, unit, self.spec.sign_styles())
            except NumberFormatError as error:
                raise UnreadableFigure(f"{where.describe()}：{metric} {column}：{error}",
                                       details={"file": self.grid.file}) from error
            if parsed is None:  # pragma: no cover - is_no_figure answered blanks above
                return None
            value, red = signed(cell, parsed, self.grid, where.describe(), f"{metric} {column}{of_branch}",
                                column)
            self.notes += [red] if red else []
        return Figure(branch=branch, metric=metric, column=column, value_yuan=to_yuan(value, unit),
                      raw=cell.text if cell is not None else "", unit=unit, provenance=where,
                      unit_source=unit_source, multiplier=UNIT_FACTORS[unit], branch_source=branch_where)
