"""What reading an export gives: its columns, its rows (`RawRow`: values by field, every cell's
text by header, cells that cannot be used marked) and the opened export itself
(`ExportReadResult`), whose rows are a stream read once.

    >>> export.column_for("account_no")
    Column(index=2, letter='C', header='账号', field='account_no', multiplier=1)
    >>> export.header_for("uscc")       # the sheet's own header, or the canonical one when absent
    '统一社会信用代码'

`reader.read_export` opens a file into these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from flows.account_filing.footer_rows import FooterRows
from flows.account_filing.normalise import CellValue, cell_text, header_key

# why a cell's value cannot be used (`RawRow.bad`)
FORMULA_UNCOMPUTED = "formula_uncomputed"
CONTROL_CHAR = "control_char"
FORMULA_STALE = "formula_stale"  # a formula in a workbook recalculated on open: its cache may be old
EXCEL_ERROR = "excel_error"  # #N/A, #REF!: a lookup or reference that failed, not data
PLACEHOLDER = "placeholder_text"  # NULL, None, nan: a database's or script's empty value as text
RICH_TEXT_MARKED = "rich_text_marked"  # a run struck, raised, small or white: not the text shown
LINE_BREAK = "line_break"  # Alt+Enter inside a cell of a column that is one line (a name)

# Columns whose cells may hold line breaks: elsewhere a CSV field spanning lines refuses the file,
# an xlsx cell over two lines is a row error (LINE_BREAK)
MULTILINE_FIELDS = frozenset({"business_scope", "change_items", "registered_address"})


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the sheet: where it is, its header as written, and the field it feeds."""

    index: int
    letter: str
    header: str
    field: str | None
    multiplier: int = 1


class RowValues(Mapping[str, str]):
    """A row's cell texts by header, in sheet order. The header index (header -> the column's
    place in the row) is shared by every row of a sheet, so a 10,000-row report does not hold
    10,000 dicts of the same keys; a cell's text is made when it is read (a report that keeps no
    texts makes none)."""

    __slots__ = ("_positions", "_values")

    def __init__(self, positions: dict[str, int], values: Sequence[CellValue]) -> None:
        self._positions = positions
        self._values = values

    def __getitem__(self, header: str) -> str:
        return cell_text(cell_at(self._values, self._positions[header]))

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)

    def __repr__(self) -> str:
        return f"RowValues({len(self)} columns)"  # no values: they are records, not diagnostics


@dataclass(slots=True)
class RawRow:
    """One data row: its sheet row number, cell values by field, and every cell's text by header.
    `bad`: field -> FORMULA_UNCOMPUTED or CONTROL_CHAR, for cells whose value cannot be used.
    `read_from`: field -> the column its value came from, where the file has several for it
    (`date_columns`: 开户日期, 变更日期, 撤销日期 side by side)."""

    row: int
    values: dict[str, CellValue]
    raw: RowValues
    bad: dict[str, str] | None = None
    read_from: dict[str, Column] | None = None


_UNIT = re.compile(r"\((?:人民币)?(?:万元|元|万)\)$")  # as aliases._stem strips it


@dataclass(frozen=True, slots=True)
class LookAlike:
    """A header not read although it looks like a field's: 组织机构代码 against 机构代码."""

    header: str
    field: str
    alias: str

    def refusal(self, where: str, row: int, canonical: str) -> str:
        """Why a file whose only column for the field is this look-alike is not read: its values
        would be taken for absent (a 法定代表人 not compared, a 通知日期 not counted from). An
        amount header without its unit (注册资金 against 注册资金(万元)) asks for the unit: exports
        put 元 and 万元 under it alike, and one read as the other is filed 10,000 times off."""
        bare = header_key(self.header)
        if bare != header_key(self.alias) and _UNIT.sub("", header_key(self.alias)) == bare:
            return (f"无法读取 {where}：第{row}行的列「{self.header}」未写明金额单位，按元还是万元读无从"
                    f"知道。请把表头改为「{bare}(万元)」或「{bare}(元)」后重新运行")
        return (f"无法读取 {where}：第{row}行的列「{self.header}」与「{canonical}」的列名「{self.alias}」"
                f"相近，但不是其别名，而表头中没有「{canonical}」列。如确为该项，请在 "
                "config/header_aliases.yaml 中加入；否则请改正表头后重新导出")


@dataclass
class ExportReadResult:
    """An opened export: where its header is, its columns, and its rows as a stream (read once).
    The stream holds the data rows: the export's footer (合计：3笔, 制表人：王五) is passed over as
    it comes and listed in `footer` (`footer_rows`)."""

    file: Path
    sheet: str
    header_row: int
    columns: list[Column]
    canonical_headers: dict[str, str]
    rows: Iterator[RawRow]
    encoding: str | None = None
    hidden_sheets: list[str] = field(default_factory=list)  # skipped: the user does not see them
    look_alikes: list[LookAlike] = field(default_factory=list)
    _close: Callable[[], None] = field(default=lambda: None, repr=False)
    footer: FooterRows = field(default_factory=FooterRows)

    def __post_init__(self) -> None:
        self._by_field = {c.field: c for c in self.columns if c.field}
        read = [key for key, c in zip(self.raw_headers, self.columns, strict=True) if c.field]
        name = self.file.name
        self.footer.where = file_and_sheet(name, self.sheet)
        self.rows = self.footer.passed_over(self.rows, read)

    def column_for(self, field_name: str) -> Column | None:
        """The sheet column of a field, or None when the sheet has no such column."""
        return self._by_field.get(field_name)

    def header_for(self, field_name: str) -> str:
        """The field's header as the sheet writes it, or the canonical header when it is absent."""
        column = self.column_for(field_name)
        return column.header if column else self.canonical_headers.get(field_name, field_name)

    @property
    def raw_headers(self) -> list[str]:
        """The keys of every row's `raw` values, in sheet order (a repeated header gets its letter)."""
        return unique_headers(self.columns)

    @property
    def mapped(self) -> dict[str, str]:
        """Sheet header -> the field it feeds, in sheet order."""
        return {c.header: c.field for c in self.columns if c.field}

    @property
    def ignored_headers(self) -> list[str]:
        """Headers of the columns no field reads."""
        return [c.header for c in self.columns if not c.field]

    @property
    def missing_fields(self) -> list[str]:
        present = {c.field for c in self.columns}
        return [name for name in self.canonical_headers if name not in present]

    def close(self) -> None:
        """Release the file (also done when the rows are exhausted). The row stream is closed
        first: a sheet's open XML part would keep the file open after the workbook closed."""
        if isinstance(self.rows, Generator):
            self.rows.close()
        self._close()

    def __enter__(self) -> ExportReadResult:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def cell_at(values: Sequence[CellValue], index: int) -> CellValue:
    """The row's value at a column index; None past the row's end (a short row)."""
    return values[index] if index < len(values) else None


def unique_headers(columns: list[Column]) -> list[str]:
    """Headers as keys of a row's raw values; a repeated header gets its column letter."""
    keys: list[str] = []
    for column in columns:
        keys.append(column.header if column.header not in keys else f"{column.header}({column.letter})")
    return keys


def file_and_sheet(name: str, sheet: str) -> str:
    """A file and its sheet as a refusal names them: `export.xlsx（工作表「开户」）`, a CSV by its name."""
    return name if sheet == name else f"{name}（工作表「{sheet}」）"
