"""Read a report sheet from an xlsx workbook into a Grid (openpyxl).

Merged cells become one spanning cell; hidden rows, columns and sheets are marked so the
extraction skips them; numbers stored as text stay text (the extraction parses them); formulas
are read as the cached values a spreadsheet program saved: a formula without one is an error.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from flows.report_extraction.branch_names import BranchNames
from flows.report_extraction.conditional_formats import covering, sheet_rules
from flows.report_extraction.date_forms import in_digits, periods
from flows.report_extraction.models import Provenance
from flows.report_extraction.number_formats import affixes, shown_red
from flows.report_extraction.numbers import normalise
from flows.report_extraction.red_figures import red_font
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.tables import Grid, GridCell
from flows.report_extraction.xlsx_formulas import stale_results
from flows.report_extraction.xlsx_layout import centred_across, printed_around
from flows.report_extraction.xlsx_rich_text import runs_painted, shown_text, white_font
from rpa.errors import InputFileError, LabelNotFound, UnreadableFigure
from rpa.input_files import check_xlsx, reading
from rpa.xlsx_files import load_xlsx

_TITLE_ROWS = 10  # a title is looked for in the first rows of a sheet


def _open(path: Path, *, data_only: bool) -> Any:
    """The workbook, rich text kept as runs: read through `shown_text`, a raised footnote mark
    stays raised, never a digit of the figure (xlsx_rich_text)."""
    check_xlsx(path)
    try:
        with reading(path):
            return load_xlsx(path, read_only=False, data_only=data_only, rich_text=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputFileError(f"{path.name}：不是能读的 xlsx 工作簿（文件损坏、未下载完整或并非 Excel 文件；"
                             f"{type(error).__name__}），请重新下载或另存为 xlsx",
                             details={"file": str(path)}) from error


def _first_texts(ws: Worksheet) -> list[str]:
    texts: list[str] = []
    for row in ws.iter_rows(min_row=1, max_row=_TITLE_ROWS, values_only=True):
        for value in map(shown_text, row):
            if isinstance(value, datetime | date):
                texts.append(value.strftime("%Y-%m-%d"))
            elif isinstance(value, str) and value.strip():
                texts.append(normalise(value))
    return texts


def sheet_date(texts: list[str], spec: ExtractionSpec) -> str | None:
    """The report date the first rows of a sheet print, as YYYY-MM-DD (or YYYY-MM); a period's
    end (报表期间：2026年1-11月 is 2026-11)."""
    for text in texts:
        ranges, text = periods(in_digits(text))
        if ranges:
            return ranges[0].end
        match = re.search(spec.date_pattern, text)
        if match:
            year, month, day = match.group("y"), int(match.group("m")), match.groupdict().get("d")
            return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    return None


def _matches(ws: Worksheet, spec: ExtractionSpec, texts: list[str]) -> bool:
    name = normalise(ws.title)
    if spec.locate.sheet is not None and name == normalise(spec.locate.sheet):
        return True
    if spec.locate.sheet_title_pattern is not None and re.search(spec.locate.sheet_title_pattern, ws.title):
        return True
    title = normalise(spec.locate.title or spec.title)
    return bool(title) and any(title in text for text in texts)


def _pick_sheet(book: Any, spec: ExtractionSpec, path: Path, report_date: str | None,
                branch: str | None = None) -> Worksheet:
    """The sheet by its name, name pattern or title, never by position; hidden sheets only when
    the spec names one; two that match are told apart by the requested date and branch, or
    refused."""
    allowed_hidden = normalise(spec.locate.hidden_sheet) if spec.locate.hidden_sheet else None
    candidates: list[tuple[Worksheet, list[str]]] = []
    for ws in book.worksheets:
        if ws.sheet_state != "visible" and normalise(ws.title) != allowed_hidden:
            continue
        texts = _first_texts(ws)
        if _matches(ws, spec, texts):
            candidates.append((ws, texts))
    if len(candidates) == 1:
        return candidates[0][0]
    title = normalise(spec.locate.title or spec.title)
    if not candidates:
        names = "、".join(ws.title + ("" if ws.sheet_state == "visible" else "（隐藏）")
                          for ws in book.worksheets)
        hint = ("（隐藏的工作表不读，除非规格的 locate.hidden_sheet 指明）"
                if any(ws.sheet_state != "visible" for ws in book.worksheets) else "")
        wanted = "、".join(dict.fromkeys(f"“{w}”" for w in (spec.locate.sheet, title) if w)) or "（规格未写）"
        raise LabelNotFound(f"{path.name}：找不到名为或标题为 {wanted} 的可见工作表；"
                            f"工作簿中的工作表：{names}{hint}", details={"file": str(path)})
    dates = {ws.title: sheet_date(texts, spec) for ws, texts in candidates}
    if branch is not None:
        of_branch = _of_branch(candidates, BranchNames(spec, path.name), branch)
        if len(of_branch) == 1:
            return of_branch[0][0]
        candidates = of_branch or candidates
    if report_date is not None:
        same = [ws for ws, _ in candidates if dates[ws.title] is not None
                and report_date.startswith(str(dates[ws.title]))]
        if len(same) == 1:
            return same[0]
    _refuse_alike(path, spec, title, [(ws.title, dates[ws.title], texts) for ws, texts in candidates],
                  report_date, branch)


def _of_branch(candidates: list[tuple[Worksheet, list[str]]], names: BranchNames,
               branch: str) -> list[tuple[Worksheet, list[str]]]:
    """The sheets whose labelled line names `branch` (机构：110101), else those printing it as a
    whole code: 110101 is not in 1101012 or 20261101010."""
    labelled = [(ws, texts) for ws, texts in candidates if names.sheet_branch(texts) == branch]
    code = re.compile(rf"(?<![0-9]){re.escape(branch)}(?![0-9])")
    return labelled or [(ws, texts) for ws, texts in candidates
                        if any(code.search(normalise(text)) for text in texts)]


def _refuse_alike(path: Path, spec: ExtractionSpec, title: str,
                  sheets: list[tuple[str, str | None, list[str]]], report_date: str | None,
                  branch: str | None) -> NoReturn:
    """Refuse a workbook with several sheets of one report, naming each sheet's branch and day and
    the option that chooses: --branch when they differ by branch, --date when by day."""
    names = BranchNames(spec, path.name)
    branches = {name: names.sheet_branch(texts) for name, _, texts in sheets}
    of = {name: f"机构 {code}，" if code else "" for name, code in branches.items()}
    shown = "、".join(f"“{name}”（{of[name]}报表日期 {when or '未印'}）" for name, when, _ in sheets)
    asks = [(what, given, option) for what, given, option, differ in (
        ("机构", branch, "--branch 指明机构", len(set(branches.values())) > 1),
        ("日期", report_date, "--date 指明日期", len({when for _, when, _ in sheets}) > 1)) if differ]
    wanted = "，".join(f"请求的{what} {given}" if given else f"未给出{what}" for what, given, _ in asks)
    how = ("，".join(f"用 {option}" for _, _, option in asks) + "，或在规格的 locate.sheet 写明工作表" if asks
           else "各工作表的机构和报表日期都一样，请在规格的 locate.sheet 写明工作表，或删去多余的工作表")
    raise LabelNotFound(f"{path.name}: 有 {len(sheets)} 个工作表都是“{title}”：{shown}；"
                        f"{wanted + '，' if wanted else ''}无法确定读哪一个（{how}）",
                        details={"file": str(path), "sheets": [name for name, _, _ in sheets]})


def _zero_padded(value: object, number_format: str) -> str | None:
    """A code stored as a number with format `000000` reads as shown: 1101 -> `001101`."""
    if isinstance(value, int) and not isinstance(value, bool) and re.fullmatch(r"0{2,}", number_format):
        return f"{value:0{number_format.count('0')}d}"
    return None


def _places(number_format: str) -> int | None:
    match = re.search(r"0\.(0+)", number_format)
    if match:
        return len(match.group(1))
    return 0 if "0" in number_format else None


def _shown(value: object, number_format: str) -> str:
    """The value as the sheet shows it (enough for provenance and rounding tolerance)."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    padded = _zero_padded(value, number_format)
    if padded is not None:
        return padded
    if isinstance(value, float) and value.is_integer() and re.fullmatch(r"0{2,}", number_format):
        return f"{int(value):0{len(number_format)}d}"
    if isinstance(value, int | float):
        places = _places(number_format)
        if places is not None and "%" in number_format:
            return f"{value * 100:.{places}f}%"
        if places is not None:
            text = f"{abs(value):,.{places}f}"
            if value < 0:
                text = f"({text})" if "(" in number_format else f"-{text}"
            # the unit or currency the format prints beside the digits (2,345,600元, ¥52.00); its signs above
            before, after = (re.sub(r"[-+()−－△▲]", "", part) for part in affixes(number_format, value))
            return before + text + after
        return repr(value)
    return str(value)


def read_xlsx(path: Path, spec: ExtractionSpec, report_date: str | None = None,
              branch: str | None = None) -> Grid:
    """The report sheet as a Grid; raises InputFileError, LabelNotFound or UnreadableFigure.
    `report_date` (YYYY-MM-DD) and `branch` tell apart sheets of the same report for other
    dates or branches."""
    book = _open(path, data_only=False)
    sheet = _pick_sheet(book, spec, path, report_date, branch)
    formulas = {c.coordinate for row in sheet.iter_rows() for c in row
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))}
    cached: dict[str, object] = {}
    if formulas:
        values_sheet = _open(path, data_only=True)[sheet.title]
        cached = {ref: values_sheet[ref].value for ref in formulas}
        missing = sorted(ref for ref, value in cached.items() if value is None)
        if missing:
            shown = "、".join(missing[:5]) + (f" 等 {len(missing)} 格" if len(missing) > 5 else "")
            raise UnreadableFigure(
                f"{path.name}，工作表 {sheet.title}：{shown} 是公式，却没有保存计算结果"
                "（工作簿从未重新计算过；请用 Excel/WPS 打开并保存后再提取）",
                details={"file": str(path), "cells": missing})
        written = {ref: str(sheet[ref].value) for ref in formulas}
        for ref, formula, computed, saved in stale_results(written, cached, lambda r: values_sheet[r].value):
            raise UnreadableFigure(
                f"{path.name}，工作表 {sheet.title}：{ref} 的公式 {formula[:40]} 算得 {computed}，"
                f"文件中保存的结果却是 {saved}（Excel/WPS 打开时重新计算，印出的是前者）："
                "请用 Excel/WPS 打开并保存后再提取", details={"file": str(path), "cells": [ref]})
    grid = Grid(file=path.name, sheet=sheet.title, printed_around=printed_around(sheet, spec))
    rules = sheet_rules(sheet)
    spans = {(m.min_row, m.min_col): (m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
             for m in sheet.merged_cells.ranges}
    covered = {(r, c) for m in sheet.merged_cells.ranges
               for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for (row_at, col_at), width in centred_across(sheet, covered).items():  # prints as a merge does
        spans[(row_at, col_at)] = (1, width)
        covered |= {(row_at, c) for c in range(col_at, col_at + width)}
    for row in sheet.iter_rows():
        for cell in row:
            position = (cell.row, cell.column)
            if position in covered and position not in spans:
                continue
            if (runs_painted(cell.value, white_font) or _white_figure(cell)) and not _filled(cell):
                raise UnreadableFigure(
                    f"{path.name}，工作表 {sheet.title}：{cell.coordinate} 中有白色（印出来看不见）的"
                    "数字或符号，印出的数与存的数不同：请报送机构改正后重新报送",
                    details={"file": str(path), "cells": [cell.coordinate]})
            value = cached.get(cell.coordinate, shown_text(cell.value, cell.font.sz))
            if value is None and position not in spans:
                continue
            row_span, col_span = spans.get(position, (1, 1))
            assert cell.row is not None and cell.column is not None
            grid.put(GridCell(
                text=_shown(value, cell.number_format), value=value, row=cell.row - 1, col=cell.column - 1,
                provenance=Provenance(file=path.name, sheet=sheet.title, cell=cell.coordinate),
                row_span=row_span, col_span=col_span, number_format=cell.number_format or "",
                red=red_font(cell.font.color) or shown_red(cell.number_format or "", value)
                or runs_painted(cell.value, red_font),
                conditional=covering(rules, cell.row, cell.column)))
    # a row under 1 pt high or a column under half a character wide is as unseen as a hidden one
    grid.hidden_rows = {r - 1 for r, dim in sheet.row_dimensions.items()  # (tester BF F13)
                        if dim.hidden or (dim.ht is not None and dim.ht < 1)}
    grid.hidden_cols = {c - 1 for c in range(1, grid.n_cols + 1)
                        if (dim := sheet.column_dimensions[get_column_letter(c)]).hidden
                        or (dim.width is not None and dim.width < 0.5)}
    return grid


def _white_figure(cell: Any) -> bool:
    """A number, or text holding a digit or sign, in a white font: the cell prints empty (tester BO
    F5, 2026-12-08: a white 83,630.87 was read, as a white run of rich text is refused)."""
    value = cell.value
    figure = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and re.search(r"[0-9０-９]", value) is not None)
    return figure and white_font(cell.font.color)


def _filled(cell: Any) -> bool:
    """Whether the cell is shaded in a colour other than white (white text shows on it)."""
    fill = cell.fill
    return getattr(fill, "fill_type", None) not in (None, "none") and not white_font(fill.fgColor)
