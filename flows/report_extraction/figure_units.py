"""Which unit a figure is printed in, and where the report says so: its row's own statements (unit
column, label suffix), its column header's, the money unit stated around the table; two that
disagree refuse the file naming both, and a money figure with none takes the spec's unit only
when the spec says the report type always has it (`unit_always`).

    >>> figure_unit(where, "储蓄存款余额", "本日", "元", [("万元", "单位列 D5")], [], table_unit=None,
    ...             spec=spec, file="branch_daily.xlsx")
    ('万元', '单位列 D5')
"""

from __future__ import annotations

from flows.report_extraction.models import Provenance
from flows.report_extraction.numbers import is_money
from flows.report_extraction.specs import ExtractionSpec
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
