"""Which row of an export is its header: the first of the top rows that names enough of the
filing's fields, unless (in an .xlsx) the row right under it names more. A 查询条件 row above the header
(`查询条件：| 业务类型 | 全部 | 账户性质 | 全部 | 开户日期 | …`) names several fields as the
header does; taken for the header it made every real column "missing" (tester AA, 2026-12-06).

    found = find_header(rows, fields_named, minimum=3, search=30)
    number, header, under, rest = found      # `under` (the row read to compare) comes before `rest`
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from flows.account_filing.normalise import CellValue

Row = Sequence[CellValue]


class FoundHeader(NamedTuple):
    number: int  # 1-based
    header: Row
    under: Row | None  # the row below it, read to compare: the first data row (None: none)
    rest: Iterator[Row]  # the rows after `under`


def find_header(rows: Iterator[Row], fields_named: Callable[[Row], int], *, minimum: int,
                search: int, look_ahead: bool = True) -> FoundHeader | None:
    """The header among the first `search` rows (see the module's docstring); None when none
    names `minimum` fields. Without `look_ahead` the first such row is the header (a CSV: its
    rows are checked against the header's width and multi-line columns as they are read)."""
    ahead: Row | None = None
    for number in range(1, search + 1):
        values = ahead if ahead is not None else next(rows, None)
        if values is None:
            return None
        named = fields_named(values)
        ahead = None
        if named < minimum:
            continue
        ahead = next(rows, None) if look_ahead else None
        if ahead is not None and number < search and fields_named(ahead) > named:
            continue  # a row of conditions (or a title naming fields) above the real header
        return FoundHeader(number, values, ahead, rows)
    return None
