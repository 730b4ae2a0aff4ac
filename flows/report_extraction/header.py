"""Find a table's header in a Grid and map the spec's column headers to grid columns.

The header starts at the row holding the label column's header (项目, 机构代码, ...) and is as
deep as that cell's merge, or deeper while the next rows hold more of the spec's headers or units
alone (a row 万元 | 亿元 | 户 under the headers states each column's unit). Each
grid column's header is the stack of cells above it, merged cells included, so a unit shown in
a group header (存款与资产（万元）) applies to every column under it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from flows.report_extraction.header_dates import HeaderDate, bare, dates_row, header_dates
from flows.report_extraction.numbers import (
    UNIT_FACTORS,
    bare_unit,
    normalise,
    split_unit,
    stated_units,
    unread_unit,
)
from flows.report_extraction.specs import ExtractionSpec, Label
from flows.report_extraction.tables import Grid, column_letter
from rpa.errors import DuplicateHeader, LabelNotFound, UnreadableFigure


def nearest(name: str, seen: list[str]) -> str:
    """The labels seen that look most like `name`, for an error message: those holding it
    (本日(2026-12) for 本日) first."""
    flat, key = sorted(set(seen)), normalise(name)
    holding = [text for text in flat if key and key in text][:3]
    close = difflib.get_close_matches(key, flat, n=3, cutoff=0.3)
    shown = list(dict.fromkeys(holding + close))[:3] or flat[:5]
    return "、".join(shown) if shown else "无"


@dataclass
class Header:
    """Where the header is and which grid column holds what."""

    start: int
    body_start: int
    label_col: int
    columns: dict[str, int] = field(default_factory=dict)  # spec column name -> grid column
    shown_units: dict[int, str] = field(default_factory=dict)  # grid column -> unit its header shows
    # grid column -> every unit its header cells state, with where: [("万元", "表头 C4")]
    unit_places: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    group_col: int | None = None
    unit_col: int | None = None
    code_col: int | None = None  # a separate branch-code column beside a group column of names
    name_col: int | None = None  # a branch-name column beside a label column of codes
    label_units: list[tuple[str, str]] = field(default_factory=list)  # units the label header states
    unused: list[str] = field(default_factory=list)  # headers of columns not read: "F4 备注"
    others: dict[int, str] = field(default_factory=dict)  # grid column not read -> its header (备注, 币种)
    label_is_name: bool = False  # the label column holds branch names (no code column): see find_header
    dates: list[HeaderDate] = field(default_factory=list)  # dated header cells read: checked by report_dates


def _column_headers(grid: Grid, start: int, end: int) -> dict[int, list[str]]:
    headers: dict[int, list[str]] = {}
    for col in grid.visible_cols():
        stack: list[str] = []
        for row in range(start, end):
            text = bare(grid.text(row, col))  # 本日(2026-12-03) is 本日: its day is checked later
            if text and (not stack or stack[-1] != text):
                stack.append(text)
        headers[col] = stack
    return headers


def _locate(label: Label, headers: dict[int, list[str]], grid: Grid, what: str,
            under: Label | None = None) -> int | None:
    found = [col for col, stack in headers.items() if any(label.matches(text) for text in stack)]
    if len(found) > 1 and under is not None:
        # a metric over sub-columns (本日 / 较上日 under one merged cell): the full header path
        # names the one value read
        below = [col for col in found if any(under.matches(text) for text in headers[col])]
        found = below or found
    if len(found) > 1:
        places = [_where(grid, col, headers[col], label) for col in found]
        if len({_origin(grid, col, headers[col], label) for col in found}) == 1:
            # one merged cell over sub-columns, none of them `under` (tester AE: C4 和 C4; AT:
            # the same with no `under` at all)
            named = list(dict.fromkeys(headers[col][-1] for col in found))
            subs = "、".join(named)
            missing = (f"之下没有“{under.name}”列（只有 {subs}）" if under is not None
                       else f"之下分为 {subs} {len(found)} 列" if not all(map(label.matches, named))
                       else f"是合并单元格，跨 {len(found)} 列")
            raise DuplicateHeader(f"{grid.file}：{what}{places[0]}{missing}，不知读哪一列",
                                  details={"file": grid.file, "header": label.name})
        where = " 和 ".join(places)
        raise DuplicateHeader(f"{grid.file}：{what}“{label.name}”出现两次：{where}，不知读哪一列",
                              details={"file": grid.file, "header": label.name})
    return found[0] if found else None


def _where(grid: Grid, col: int, stack: list[str], label: Label) -> str:
    text = next(t for t in stack if label.matches(t))
    for row in range(grid.n_rows):
        cell = grid.at(row, col)
        if cell is not None and bare(cell.text) == text:
            return f"“{text}”（{cell.provenance.describe()}）"
    return f"“{text}”（第{col + 1}列）"


def _origin(grid: Grid, col: int, stack: list[str], label: Label) -> tuple[int, int] | None:
    """Where the cell naming `label` in column `col` starts: one place for a merged cell."""
    text = next(t for t in stack if label.matches(t))
    cells = (grid.at(row, col) for row in range(grid.n_rows))
    return next(((c.row, c.col) for c in cells if c is not None and bare(c.text) == text), None)


def _is_origin(grid: Grid, row: int, col: int) -> bool:
    cell = grid.at(row, col)
    return cell is not None and (cell.row, cell.col) == (row, col)


def _label_start(grid: Grid, label: Label) -> tuple[int, int] | None:
    """The first row and the column holding `label` as a header cell; twice in one row refuses."""
    for row in grid.visible_rows():
        matches = [c for c in grid.visible_cols()
                   if label.matches(grid.text(row, c)) and _is_origin(grid, row, c)]
        if len(matches) > 1:
            both = " 和 ".join(grid.provenance_at(row, c).describe() for c in matches[:2])
            raise DuplicateHeader(f"{grid.file}：表头“{label.name}”在同一行出现两次（{both}），"
                                  "不知哪一列是行标签",
                                  details={"file": grid.file, "header": label.name})
        if matches:
            return row, matches[0]
    return None


def find_header(grid: Grid, spec: ExtractionSpec) -> Header:
    """The header of the spec's table in `grid`; LabelNotFound / DuplicateHeader otherwise.

    A branches-as-rows table without its code column may have a branch-name column instead
    (机构名称): it becomes the label column, and each name is looked up in the branch list."""
    start_at = _label_start(grid, spec.label_column)
    by_name = False
    if start_at is None and spec.branch.source == "row":
        start_at, by_name = _label_start(grid, _NAME), True
    if start_at is None:
        seen = [grid.text(r, c) for r in grid.visible_rows() for c in grid.visible_cols() if grid.text(r, c)]
        raise LabelNotFound(
            f"{grid.file}：找不到表头“{spec.label_column.name}”（规格 {spec.name} 的行标签列）；"
            f"表中相近的文字：{nearest(spec.label_column.name, seen)}",
            details={"file": grid.file, "label": spec.label_column.name})
    start, label_col = start_at
    origin = grid.at(start, label_col)
    end = start + (origin.row_span if origin else 1)
    value = _value_label(spec)
    wanted = [*spec.columns, value, _CODE] + [
        lbl for lbl in (spec.group_column, spec.unit_column) if lbl is not None]
    while end < grid.n_rows and ((grid.text(end, label_col) == "" and any(
            label.matches(bare(grid.text(end, c))) for label in wanted for c in grid.visible_cols()))
            or _units_row(grid, end) or dates_row(grid, end)):
        end += 1
    headers = _column_headers(grid, start, end)
    headers.pop(label_col, None)
    label_units = _unit_places(grid, start, end, label_col)
    header = Header(start=start, body_start=end, label_col=label_col, label_units=label_units,
                    label_is_name=by_name)
    missing: list[str] = []
    under = value if spec.layout == "branches_as_rows" else None
    # value column -> its metric's column and the row under the metric's cell (header not merged)
    beside: dict[int, tuple[int, int]] = {}
    for column in spec.columns:
        col = _locate(column, headers, grid, "列标题", under)
        if col is not None and under is not None:
            metric, (col, top) = col, _under_value(grid, start, end, col, column, under)
            if col != metric:  # the metric's cell (and its unit) stands over this column too
                beside[col] = (metric, top + 1)
        if col is not None:
            header.columns[column.name] = col
        elif column.required:
            missing.append(column.name)
    for name, label in (("group", spec.group_column), ("unit", spec.unit_column)):
        if label is None:
            continue
        col = _locate(label, headers, grid, _COLUMN_KIND[name])
        if col is None and label.required:
            missing.append(label.name)
        setattr(header, f"{name}_col", col)
    if missing:
        seen = [split_unit(t)[0] for stack in headers.values() for t in stack]
        raise LabelNotFound(
            "\n".join(f"{grid.file}：找不到列标题“{m}”；表头中相近的标题：{nearest(m, seen)}"
                      f"（报表改用了别的名称时，可写进规格 {spec.name} 的 aliases）" for m in missing),
            details={"file": grid.file, "labels": missing})
    if header.group_col is not None:
        header.code_col = _locate(_CODE, {c: h for c, h in headers.items() if c != header.group_col},
                                  grid, "机构代码列标题")
    if spec.branch.source == "row" and not by_name:
        others = {c: h for c, h in headers.items() if c not in header.columns.values()}
        header.name_col = _locate(_NAME, others, grid, "机构名称列标题")
    header.dates = header_dates(grid, start, end, list(header.columns.values()), [*spec.columns, value])
    for col in headers:
        places = _unit_places(grid, start, end, col)
        if col in beside:
            places = _unit_places(grid, start, beside[col][1], beside[col][0]) + places
        if places:
            header.unit_places[col] = places
            header.shown_units[col] = places[-1][0]
    read = {header.label_col, *header.columns.values(), header.group_col, header.unit_col, header.code_col,
            header.name_col}
    for col in sorted({header.label_col, *header.columns.values()}):
        _refuse_unknown_units(grid, start, end, col)
    header.unused = [f"{column_letter(col)}{start + 1 if grid.sheet else '列'} {'/'.join(stack)}"
                     for col, stack in headers.items() if col not in read and stack]
    header.others = {col: "/".join(stack) for col, stack in headers.items() if col not in read}
    return header


def _under_value(grid: Grid, start: int, end: int, col: int, label: Label, under: Label) -> tuple[int, int]:
    """The column of `label`'s value (本日) when the header names sub-columns under it. A metric
    written once over its sub-columns, not merged (上日 | 本日 under 储蓄存款余额 in the first
    column only), reads the sub-column under the blank cells beside it that names the value
    (returned with the metric's row, whose unit stands over it); a metric whose only
    sub-header names another figure (上日, 较上日) refuses: never read as 本日."""
    top = next(r for r in range(start, end) if label.matches(bare(grid.text(r, col))))
    below = [bare(grid.text(r, col)) for r in range(top + 1, end) if grid.text(r, col) != grid.text(top, col)]
    named = [text for text in below if text and split_unit(text)[0] and bare_unit(text) is None
             and text not in _UNITS_ROW_OTHERS]  # a ditto mark (〃) in a units row names no column
    if not named or any(under.matches(text) for text in named):
        return col, top
    beside: list[int] = []
    for other in (c for c in grid.visible_cols() if c > col):
        if grid.text(top, other):
            break
        if any(under.matches(bare(grid.text(r, other))) for r in range(top + 1, end)):
            beside.append(other)
    if len(beside) == 1:
        return beside[0], top
    where = grid.provenance_at(top, col).describe()
    raise LabelNotFound(
        f"{where}：列标题“{label.name}”下方是“{named[0]}”，不是“{under.name}”，其右侧也没有唯一的"
        f"“{under.name}”列（表头未合并？），不知读哪一列；整份报表不读，请核对表头",
        details={"file": grid.file, "label": label.name})


def _units_row(grid: Grid, row: int) -> bool:
    """A row of units under the headers (单位 | 万元 | 亿元 | % | 户): unit words, with nothing
    else but its label (单位, 计量单位) and the marks of columns that hold no amount (%)."""
    texts = [text for text in grid.row_texts(row) if text]
    words = [text for text in texts if bare_unit(text) is not None]
    return bool(words) and all(text in _UNITS_ROW_OTHERS for text in texts if bare_unit(text) is None)


_UNITS_ROW_OTHERS = frozenset({"单位", "单位:", "计量单位", "计量单位:", "%", "(%)", "百分比", "-", "/",
                               "〃", '"', "”", "同上", "仝"})  # a ditto states no unit (tester BF F8)


_COLUMN_KIND = {"group": "机构分组列标题", "unit": "单位列标题"}
_CODE = Label(name="机构代码", aliases=["机构号", "网点代码", "机构编码", "网点号"])
_NAME = Label(name="机构名称", aliases=["网点名称", "机构简称"])


def _value_label(spec: ExtractionSpec) -> Label:
    return Label(name=spec.value_column, aliases=spec.value_aliases)


def _unit_places(grid: Grid, start: int, end: int, col: int) -> list[tuple[str, str]]:
    """The units the header cells above a column state, top to bottom, with where."""
    places: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()
    for row in range(start, end):
        cell = grid.at(row, col)
        if cell is None or (cell.row, cell.col) in seen:
            continue
        seen.add((cell.row, cell.col))
        _, suffix = split_unit(bare(cell.text))
        units = [suffix] if suffix else stated_units(cell.text)
        word = bare_unit(cell.text)
        if not units and word in UNIT_FACTORS:  # a row of units under the headers: 亿元, 户
            units = [word]
        where = cell.provenance.cell or (f"第{cell.provenance.page}页" if cell.provenance.page else "")
        places.extend((unit, f"表头 {where}".strip()) for unit in units)
    return places


def _refuse_unknown_units(grid: Grid, start: int, end: int, col: int) -> None:
    """A header cell above a column read whose parentheses state a unit the tool does not know
    (客户（万户）, 余额（百万元）) refuses the file: dropped, the figures would be read in the
    spec's unit, 10,000 times too small for 万户."""
    for row in range(start, end):
        cell = grid.at(row, col)
        if cell is None:
            continue
        _, suffix = split_unit(bare(cell.text))
        unit = unread_unit(cell.text, [suffix] if suffix else stated_units(cell.text))
        word = bare_unit(cell.text)
        unit = unit if unit is not None or word in UNIT_FACTORS else word
        if unit is not None:
            raise UnreadableFigure(
                f"{cell.provenance.describe()}：表头“{normalise(cell.text)}”写的单位"
                f"“{unit}”不是认得的单位（{'、'.join(UNIT_FACTORS)}），不知这一列的数字如何换算；"
                "整份报表不读，请向报送机构核实或改用认得的单位", details={"file": grid.file})
