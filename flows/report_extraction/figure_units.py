"""Which unit a figure is printed in, and where the report says so: its own number format
(`#,##0"元"`), its row's own statements (unit column, label suffix, a 备注 cell's `（元）` or
`以元为单位`), its column header's, the money unit stated around the table; two that
disagree refuse the file naming both, and a money figure with none takes the spec's unit only
when the spec says the report type always has it (`unit_always`).

    >>> figure_unit(where, "储蓄存款余额", "本日", "元", [("万元", "单位列 D5")], [], table_unit=None,
    ...             spec=spec, file="branch_daily.xlsx")
    ('万元', '单位列 D5')
"""

from __future__ import annotations

import re

from flows.report_extraction.header import Header
from flows.report_extraction.models import Figure, Provenance
from flows.report_extraction.number_formats import shown_unit
from flows.report_extraction.numbers import (
    UNIT_FACTORS,
    NumberFormatError,
    is_money,
    remark_units,
    split_unit,
    stated_unit,
    unit_list,
    unread_unit,
)
from flows.report_extraction.specs import ExtractionSpec
from flows.report_extraction.surroundings import row_place
from flows.report_extraction.tables import Grid, GridCell
from rpa.errors import UnreadableFigure


def figure_unit(where: Provenance, metric: str, column: str, declared: str,
                row_units: list[tuple[str, str]], column_units: list[tuple[str, str]], *,
                table_unit: tuple[str, str] | None, spec: ExtractionSpec, file: str) -> tuple[str, str]:
    """The unit a figure is printed in and where the report says so (see Figure).

    A count row whose own unit (unit column, label suffix) is a count unit is not about a
    money unit its column header states (本日（万元） over 客户数 | 户); every other
    statement of the wrong kind, or two that differ, refuse."""
    money = is_money(declared)
    kind = "金额" if money else "计数"
    if not money and any(not is_money(unit) for unit, _ in row_units):
        column_units = [(unit, place) for unit, place in column_units if not is_money(unit)]
    stated = [*row_units, *column_units]
    for unit, place in stated:
        if is_money(unit) != money:
            raise UnreadableFigure(f"{where.describe()}: {metric} {column} 是{kind}，"
                                   f"{place} 却标为 {unit}", details={"file": file})
    if money and table_unit is not None:
        stated = [*stated, table_unit]
    units = list(dict.fromkeys(unit for unit, _ in stated))
    if len(units) > 1:
        (u1, w1), (u2, w2) = stated[0], next(s for s in stated if s[0] != stated[0][0])
        raise UnreadableFigure(f"{where.describe()}: {metric} {column} 的单位前后不一："
                               f"{w1} 写 {u1}，{w2} 写 {u2}；不知哪个对，请向报送机构核实",
                               details={"file": file})
    if units:
        return units[0], stated[0][1]
    if not money:
        return declared, "规格（计数）"
    if spec.unit_always:
        return declared, "规格默认（假定）"
    raise UnreadableFigure(f"{where.describe()}: {metric} {column} 是金额，报表却没有注明单位"
                           f"（单位行、表头、单位列、脚注都没有）；"
                           f"规格 {spec.name} 没有写 unit_always: true，"
                           f"不能假定为 {declared}", details={"file": file})


def label_row_units(grid: Grid, header: Header, row: int, label_text: str,
                    label_cell: GridCell) -> list[tuple[str, str]]:
    """What a row of metrics states about its own unit, and where: its unit column's cell and
    its label's suffix (储蓄存款余额（万元）, 储蓄存款余额（单位为元）). A unit word the tool
    does not know, in either, refuses the file."""
    units: list[tuple[str, str]] = []
    if header.unit_col is not None:
        text = grid.text(row, header.unit_col)
        if text:
            stated = unit_list(text)
            where = grid.provenance_at(row, header.unit_col).cell or row_place(grid, row)
            if not stated:
                place = grid.provenance_at(row, header.unit_col).describe()
                raise UnreadableFigure(f"{place}: 单位列写的 {text!r} 不是认得的单位"
                                       "（元、千元、万元、亿元、户、个、笔、人）",
                                       details={"file": grid.file})
            units.append((stated[0], f"单位列 {where}"))
    units += remark_row_units(grid, header, row)
    _, suffix = split_unit(label_text)
    suffix = suffix or stated_unit(label_text)
    if suffix is not None:
        units.append((suffix, f"行标签 {label_cell.provenance.cell or row_place(grid, row)}"))
    unread = unread_unit(label_text, [suffix] if suffix else [])
    if unread is not None:
        raise UnreadableFigure(f"{label_cell.provenance.describe()}: 行标签“{label_text}”"
                               f"写的单位“{unread}”不是认得的单位（{'、'.join(UNIT_FACTORS)}），不知这一行的数字如何换算；"
                               "整份报表不读，请向报送机构核实或改用认得的单位", details={"file": grid.file})
    return units


def remark_row_units(grid: Grid, header: Header, row: int) -> list[tuple[str, str]]:
    """The units a row states in its cells that are not read (备注: `（元）`, `以元为单位`), with where."""
    units: list[tuple[str, str]] = []
    for col, head in header.others.items():
        where = grid.provenance_at(row, col).cell or row_place(grid, row)
        units += [(unit, f"同行{head or ''}列 {where}") for unit in remark_units(grid.text(row, col))]
    return units


def own_units(cell: GridCell | None, where: Provenance) -> list[tuple[str, str]]:
    """The unit a figure's own number format prints beside it (`#,##0"元"` -> 元), with where; a
    unit word the tool does not know there refuses the file."""
    value = cell.value if cell is not None else None
    if cell is None or not cell.number_format or isinstance(value, bool) \
            or not isinstance(value, int | float):
        return []
    try:
        unit = shown_unit(cell.number_format, value)
    except NumberFormatError as error:
        raise UnreadableFigure(f"{where.describe()}：{error}", details={"file": where.file}) from error
    return [] if unit is None else [(unit, f"数字格式 {where.cell or where.describe()}")]


def unit_lines_kept(notes: list[str], figures: list[Figure]) -> list[str]:
    """The notes without a `略过的行` for a line the figures took their unit from (a 单位行 or 脚注
    under the table is passed over as a row yet read for the unit: tester AE F7)."""
    used = {place for f in figures if f.unit_source.startswith(("单位行 ", "脚注 "))
            and re.fullmatch(r"[A-Z]+\d+", place := f.unit_source.split(" ", 1)[1])}  # a PDF's 第1页 is many
    return [note for note in notes
            if not (note.startswith("略过的行 ") and note.split(" ", 2)[1] in used)]
