"""Reading the core-banking export (.xlsx or .csv) into raw rows, streamed.

    >>> with read_export(Path("accounts.xlsx"), aliases=load_aliases(Path("config"))) as export:
    ...     for raw_row in export.rows:
    ...         ...

The header row is found by its words (title rows above it are skipped), headers are mapped to
record fields through the aliases, and rows come one at a time: .xlsx through openpyxl's
read-only mode (defusedxml guards the XML), .csv strictly (`csv_source`). Nothing is validated
here, but what would be read wrong silently is marked or refused:

- the sheet read is the one the user sees: the active sheet, else the first visible one with a
  header; a hidden sheet only when asked for by name (the skipped ones are listed); another
  visible sheet with the header and rows refuses the file unless one is named (`other_sheets`);
- a formula cell without a cached value, or a cell holding a control character, is marked
  (`RawRow.bad`, `unusable_cells`), never taken for blank;
- a number in an identity or text column is read as Excel shows it, or marked (`shown_numbers`);
- with one date column per action (开户日期, 变更日期, 撤销日期), a row's date is its action's
  (`date_columns`);
- a header that looks like a field's but is none of its aliases is listed (`look_alikes`);
- a header cell merged over several columns or rows (a two-row header), a cell merged over a
  column read on a data row (`merged_cells`) and a hidden (filtered) data row (`hidden_rows`)
  refuse the file. What it gives is in `export_rows` (no footer: `footer_rows`).
"""

from __future__ import annotations

import csv
import functools
import itertools
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from flows.account_filing.aliases import HeaderAliases
from flows.account_filing.csv_source import CsvRows, open_csv_rows, refuse_a_sheet
from flows.account_filing.date_columns import DATE_FIELD, PerActionDates, columns_read
from flows.account_filing.export_rows import (
    MULTILINE_FIELDS,
    Column,
    ExportReadResult,
    LookAlike,
    RawRow,
    RowValues,
    cell_at,
    file_and_sheet,
    unique_headers,
)
from flows.account_filing.header_row import find_header, missing_columns
from flows.account_filing.hidden_rows import refuse_hidden_rows
from flows.account_filing.merged_cells import refuse_merged_header, refuse_merged_rows
from flows.account_filing.misplaced_rows import refuse_rows_above, second_headers
from flows.account_filing.normalise import CellValue, cell_text, header_key
from flows.account_filing.other_sheets import refuse_other_export_sheets
from flows.account_filing.shown_numbers import shown_numbers
from flows.account_filing.unusable_cells import bad_cells
from flows.account_filing.xlsx_source import MergedRange, open_read_only, sheet_order, sheet_rows
from rpa.errors import InputFileError
from rpa.input_files import check_input_path, check_xlsx, reading

HEADER_SEARCH_ROWS = 30
MIN_HEADER_MATCHES = 3
# rows below the header read at most (setting RPA_MAX_EXPORT_ROWS); more is refused, not cut
DEFAULT_MAX_ROWS = 500_000
MAX_ROWS_SETTING = "RPA_MAX_EXPORT_ROWS"
XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}


class _NoHeader(Exception):
    """No row among the first ones looks like the header."""


def read_export(
    path: Path, *, aliases: HeaderAliases, sheet: str | None = None, max_rows: int = DEFAULT_MAX_ROWS
) -> ExportReadResult:
    """Open an export and find its header. InputFileError (naming the file and why) if unreadable.

    `max_rows`: sheet rows below the header the stream reads; the row after them raises an
    InputFileError naming the limit (blank rows count: walking them is what costs)."""
    check_input_path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, aliases, sheet, max_rows)
    if suffix in CSV_SUFFIXES:
        refuse_a_sheet(path, sheet)
        rows, encoding = open_csv_rows(path)
        try:
            result = _start(
                path, path.name, _guarded(path, rows), aliases, rows.close, max_rows=max_rows, source=rows
            )
        except _NoHeader:
            rows.close()
            raise InputFileError(f"无法读取 {path.name}：在前{HEADER_SEARCH_ROWS}行中未找到表头，"
                                 "请确认是核心系统导出的账户清单（表头含账号、业务类型等列）") from None
        except BaseException:
            rows.close()
            raise
        result.encoding = encoding
        return result
    if suffix == ".xls":
        raise InputFileError(f"无法读取 {path.name}：不支持旧版 .xls 格式，请另存为 .xlsx")
    raise InputFileError(f"无法读取 {path.name}：只支持 .xlsx 和 .csv 文件")


def _read_xlsx(path: Path, aliases: HeaderAliases, sheet: str | None, max_rows: int) -> ExportReadResult:
    check_xlsx(path)
    try:
        with reading(path):
            workbook = open_read_only(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputFileError(f"无法读取 {path.name}：不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    if sheet is not None and sheet not in workbook.sheetnames:
        workbook.close()
        raise InputFileError(f"{path.name} 中没有工作表「{sheet}」，现有：{'、'.join(workbook.sheetnames)}")
    names, hidden = sheet_order(workbook, sheet)
    for name in names:
        worksheet = workbook[name]
        if not hasattr(worksheet, "iter_rows"):
            continue  # a chart sheet
        try:
            rows, release, merged, hidden_rows, hidden_columns = sheet_rows(path, worksheet)
        except BaseException:
            workbook.close()
            raise
        close = _both(workbook.close, release)
        try:
            result = _start(path, name, _guarded(path, rows), aliases, close,
                            max_rows=max_rows, merged=merged)
            if sheet is None:  # another visible sheet's rows would be dropped without a word
                later = names[names.index(name) + 1 :]
                refuse_other_export_sheets(
                    path, workbook, name, later, lambda row: _header_columns(row, aliases),
                    search_rows=HEADER_SEARCH_ROWS, max_rows=max_rows)
        except _NoHeader:
            release()
            continue
        except BaseException:
            close()
            raise
        seen = refuse_hidden_rows(path, name, result.rows, hidden_rows, (hidden_columns, result.columns))
        result.rows = refuse_merged_rows(path, name, seen, result.header_row, result.columns, merged)
        result.hidden_sheets = hidden
        return result
    workbook.close()
    where = f"工作表「{sheet}」" if sheet else "任何可见的工作表"
    skipped = f"（已跳过隐藏的工作表：{'、'.join(hidden)}）" if hidden else ""
    raise InputFileError(f"无法读取 {path.name}：在{where}的前{HEADER_SEARCH_ROWS}行中未找到表头{skipped}")


def _header_columns(values: Sequence[CellValue], aliases: HeaderAliases) -> list[int] | None:
    """The columns a row maps to fields when it reads as the export's header, else None."""
    columns = [c for c in _columns(values, aliases) if c.field]
    return [c.index for c in columns] if len({c.field for c in columns}) >= MIN_HEADER_MATCHES else None


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def close() -> None:
        try:
            first()
        finally:
            second()

    return close


def _guarded(path: Path, rows: Iterable[Sequence[CellValue]]) -> Iterator[Sequence[CellValue]]:
    """Turn a failure in the middle of the file (a corrupt part) into an InputFileError."""
    try:
        with reading(path):
            yield from rows
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        raise InputFileError(f"无法读取 {path.name}：文件内容损坏（{type(exc).__name__}）") from None


def _start(
    path: Path,
    sheet: str,
    rows: Iterable[Sequence[CellValue]],
    aliases: HeaderAliases,
    close: Callable[[], None],
    *,
    max_rows: int,
    source: CsvRows | None = None,
    merged: Sequence[MergedRange] = (),
) -> ExportReadResult:
    found = find_header(iter(rows), lambda row: len({c.field for c in _columns(row, aliases)} - {None}),
                        minimum=MIN_HEADER_MATCHES, search=HEADER_SEARCH_ROWS, look_ahead=source is None)
    if found is None:
        raise _NoHeader
    number, values = found.number, found.header
    columns = _columns(values, aliases)
    refuse_merged_header(path, sheet, number, values, merged)  # a two-row header
    of_row, where = functools.partial(_columns, aliases=aliases), (path.name, sheet, number)
    refuse_rows_above(found.above, columns, of_row, where)
    dates = PerActionDates.of(columns, aliases)
    _check_columns(path, sheet, number, dates.one_date(columns) if dates else columns, aliases)
    if source is not None:  # from here on a field may span lines where the column allows it
        source.width = len(values)
        source.multiline_columns = frozenset(c.index for c in columns if c.field in MULTILINE_FIELDS)
    iterator = second_headers(itertools.chain(found.under, found.rest), columns, of_row, where)
    canonical = {name: aliases.canonical_header(name) for name in aliases.fields}
    stream = _data_rows(iterator, number, columns, close, _RowLimit(path, sheet, max_rows), dates)
    look_alikes = [LookAlike(c.header, *similar) for c in columns
                   if c.field is None and (similar := aliases.resembled(c.header)) is not None]
    if unread := [alike for alike in look_alikes if alike.field not in {c.field for c in columns}]:
        place, alike = file_and_sheet(path.name, sheet), unread[0]
        raise InputFileError(alike.refusal(place, number, canonical[alike.field]))
    return ExportReadResult(path, sheet, number, columns, canonical, stream, look_alikes=look_alikes,
                            _close=close)


def _columns(values: Sequence[CellValue], aliases: HeaderAliases) -> list[Column]:
    columns = []
    for index, value in enumerate(values):
        header = cell_text(value).strip()
        if not header_key(header):
            continue
        match = aliases.match(header)
        columns.append(
            Column(
                index=index,
                letter=get_column_letter(index + 1),
                header=header,
                field=match.field if match else None,
                multiplier=match.multiplier if match else 1,
            )
        )
    return columns


def _check_columns(path: Path, sheet: str, row: int, columns: list[Column], aliases: HeaderAliases) -> None:
    first: dict[str, Column] = {}
    for column in columns:
        if column.field is None:
            continue
        earlier = first.setdefault(column.field, column)
        if earlier is not column:
            raise InputFileError(
                f"无法读取 {file_and_sheet(path.name, sheet)}：第{row}行的「{earlier.header}」与"
                f"「{column.header}」都对应「{aliases.canonical_header(column.field)}」"
            )
    missing = [aliases.canonical_header(name) for name in aliases.core_fields() if name not in first]
    if missing:
        unread = [column.header for column in columns if not column.field]
        raise InputFileError(missing_columns(file_and_sheet(path.name, sheet), missing, unread))


@dataclass(frozen=True, slots=True)
class _RowLimit:
    path: Path
    sheet: str
    rows: int

    def refusal(self, row: int) -> InputFileError:
        where = file_and_sheet(self.path.name, self.sheet)
        return InputFileError(
            f"无法读取 {where}：表头以下超过{self.rows}行"
            f"（第{row}行起；设置 {MAX_ROWS_SETTING}={self.rows}）。"
            f"\n请把导出拆成几个文件，或调大设置 {MAX_ROWS_SETTING}"
        )


def _data_rows(
    rows: Iterator[Sequence[CellValue]],
    header_row: int,
    columns: list[Column],
    close: Callable[[], None],
    limit: _RowLimit,
    dates: PerActionDates | None = None,
) -> Iterator[RawRow]:
    read = columns_read(columns, dates)
    mapped = [(name, c.index) for name, c in read]
    positions = {key: c.index for key, c in zip(unique_headers(columns), columns, strict=True)}
    last = header_row + limit.rows
    try:
        for number, values in enumerate(shown_numbers(rows, read), start=header_row + 1):
            if number > last:
                raise limit.refusal(number)
            cells = {name: cell_at(values, index) for name, index in mapped}
            bad = bad_cells(cells)
            if not bad and all(cell_text(v).strip() == "" for v in cells.values()):
                continue  # a blank line, or a note in a column the filing does not use
            read_from = None
            if dates is not None:  # the row's own date, from its action's column
                picked = dates.pick_into(cells, values)
                read_from, bad = {DATE_FIELD: picked.column}, bad_cells(cells) or picked.bad_cells
            raw = RowValues(positions, values)
            yield RawRow(row=number, values=cells, raw=raw, bad=bad, read_from=read_from)
    finally:
        if isinstance(rows, Generator):  # stopped early (the row limit): release the sheet's part
            rows.close()
        close()

