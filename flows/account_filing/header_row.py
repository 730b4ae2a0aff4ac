"""Which row of an export is its header: in an .xlsx, of its top rows the one that names the
most of the filing's fields (the first of equals: a header repeated on the next page), when it
names enough. Rows of query conditions above the header (`查询条件：| 业务类型 | 全部 | 账户性质 |
全部 | 开户日期 | …`), with blank rows between or several of them, name fields as the header does
but fewer; taken for the header, the first made every real column "missing" (tester AA,
2026-12-06). A CSV's first row naming enough fields is its header: its records are checked
against the header's width and multi-line columns as they are read, so none is read ahead.

    found = find_header(rows, fields_named, minimum=3, search=30)
    number, header, under, rest = found      # `under` (the rows read ahead) comes before `rest`
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from flows.account_filing.normalise import CellValue

Row = Sequence[CellValue]


class FoundHeader(NamedTuple):
    number: int  # 1-based
    header: Row
    under: tuple[Row, ...]  # the rows below it read ahead, the first data rows among them
    rest: Iterator[Row]  # the rows after those
    above: tuple[Row, ...] = ()  # the rows above it: titles, query conditions (or rows misplaced)


def find_header(rows: Iterator[Row], fields_named: Callable[[Row], int], *, minimum: int,
                search: int, look_ahead: bool = True) -> FoundHeader | None:
    """The header among the first `search` rows (see the module's docstring); None when none
    names `minimum` fields. Without `look_ahead` the first such row is the header (a CSV)."""
    top: list[Row] = []
    for _ in range(search):
        values = next(rows, None)
        if values is None:
            break
        top.append(values)
        if not look_ahead and fields_named(values) >= minimum:
            break
    named = [fields_named(values) for values in top]
    most = max(named, default=0)
    if most < minimum:
        return None
    index = named.index(most)
    return FoundHeader(index + 1, top[index], tuple(top[index + 1:]), rows, tuple(top[:index]))


def missing_columns(where: str, missing: Sequence[str], unread: Sequence[str]) -> str:
    """The refusal of a header without a core column: which, the headers not read (a renamed
    账号 among them, as 帐号编码: tester AI) and what to do."""
    others = "、".join(header for header in unread if header) or "无"
    return (f"无法读取 {where}：表头缺少必需的列：{'、'.join(missing)}（未识别的列：{others}）；"
            "请在导出中加入，或在 config/header_aliases.yaml 中加入该导出使用的列名")

