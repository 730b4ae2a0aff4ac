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

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from flows.account_filing.normalise import CellValue, cell_text, header_key
from rpa.errors import InputFileError

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


def repeated_header(cells: Mapping[str, CellValue], header_keys: Mapping[str, str], rows: tuple[int, int],
                    source: tuple[str, str]) -> bool:
    """Whether a row (`rows`: its number, the header's; `source`: file and sheet) repeats the
    header: a multi-page export's, passed over. A row that names at least half of the header's
    columns, some in other places or in other words (注册资金(元) under 注册资金(万元)), is a
    second export's header pasted under the first (tester BA, 2026-12-07: the rows under it were
    read by the first header's columns, a name filed as 法定代表人, 1,000,000 元 as 100 亿元):
    InputFileError naming both rows."""
    shown = {name: header_key(cell_text(cells.get(name))) for name in header_keys}
    differing = [(key, shown[name]) for name, key in header_keys.items() if shown[name] != key]
    if not differing:
        return True
    words = set(header_keys.values())
    named = sum(1 for text in shown.values() if text in words)
    if named < max(3, (len(header_keys) + 1) // 2):
        return False  # a data row (one that holds a header word or two by chance is still one)
    (number, header), where = rows, _where(source)
    said = "，".join(f"「{first}」列为「{again or '（空）'}」" for first, again in differing[:3])
    more = f"等 {len(differing)} 列" if len(differing) > 3 else ""
    raise InputFileError(
        f"无法读取 {where}：第{number}行又是一行表头，但与第{header}行的表头不同（{said}{more}）："
        f"它下面的行会按第{header}行的列读错。请把两份导出分成两个文件，或按第{header}行的列顺序和"
        "写法排好后重新导出")


_ACTION_WORDS = ("开户", "变更", "撤销")


def refuse_rows_above(above: Sequence[Row], places: Mapping[str | None, int], header: int,
                      source: tuple[str, str]) -> None:
    """A row above the header (`places`: field -> its column) that holds an 业务类型 and an 账号
    is an account row pasted above it, never read as one (tester BA, 2026-12-07: two accounts
    above the header were passed over as titles, exit 0): InputFileError naming the rows."""
    if "action" not in places or "account_no" not in places:
        return
    rows = [number for number, row in enumerate(above, start=1) if _looks_filed(row, places)]
    if rows:
        raise InputFileError(
            f"无法读取 {_where(source)}：表头（第{header}行）之上的第{'、'.join(map(str, rows))}行有业务类型"
            "和账号，像是账户行，却不会被读到：请把它们移到表头之下（或删去）后重新导出")


def _where(source: tuple[str, str]) -> str:
    name, sheet = source
    return name if sheet == name else f"{name}（工作表「{sheet}」）"


def _looks_filed(row: Row, places: Mapping[str | None, int]) -> bool:
    def text(field: str) -> str:
        at = places[field]
        return cell_text(row[at]).strip() if at < len(row) else ""

    action, account = text("action"), re.sub(r"[\s-]", "", text("account_no"))
    return len(action) <= 6 and any(word in action for word in _ACTION_WORDS) and (
        account.isdigit() and len(account) >= 8)
