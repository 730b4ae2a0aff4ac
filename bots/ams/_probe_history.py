"""The AMS probe's look at an account's history on the look-up page: each column of the history
table found by its header alias, the row count read by a `row_count` pattern, and, when the count
says there are more rows than the first page shows, 下一页 pressed and the second page read.
Each is a row of the look-up page in the probe's table (`history.action`, `history.row_count`,
`history.next_page`).

    >>> detail_url = probe_history(prober, page_text)   # the first 详情 link, for the next step
"""

from __future__ import annotations

from bots.ams import codes
from bots.ams._prober import Prober, Seen
from bots.ams._tables import TableRow, table_rows
from rpa.errors import RpaError

HISTORY = "history"


def probe_history(prober: Prober, text: str) -> str | None:
    """The history table's columns and row count as rows of the lookup page; the first 详情 URL."""
    bot = prober.bot
    lookup = bot.bind("lookup")
    for name, spec in bot.selectors.page("lookup").tables.items():
        try:
            rows = table_rows(lookup.locate(spec.table, timeout_ms=1_000))
        except RpaError as exc:
            why = f"表格 {spec.table} 未找到（{type(exc).__name__}），读不出表头"
            for column in spec.columns:
                prober.report.put("lookup", f"{name}.{column}", Seen(problem="missing", why=why))
            rows = None
        if rows is not None:
            _probe_columns(prober, name, rows)
        counted = spec.count_in(text)
        prober.report.put(
            "lookup",
            f"{name}.row_count",
            Seen(f"pattern={counted[1]}", spec.row_count.index(counted[1]) + 1)
            if counted else Seen(problem="missing", why="行数（如 共N行）不符合任何 row_count 模式"),
        )  # fmt: skip
        if name == HISTORY and rows is not None:
            return next((r.links[0] for r in rows if not r.header and r.links), None)
    return None


def probe_next_page(prober: Prober, text: str) -> None:
    """The history's pager, as a row `history.next_page`: when the row count says there are more
    rows than the first page shows, 下一页 must be found and its page must show the table."""
    bot = prober.bot
    spec = bot.selectors.page("lookup").tables[HISTORY]
    row = f"{HISTORY}.next_page"
    counted = spec.count_in(text)
    try:
        rows = table_rows(bot.bind("lookup").locate(spec.table, timeout_ms=1_000))
    except RpaError:
        prober.report.put("lookup", row, Seen(problem="missing", why="历史表格未读出，无法判断翻页"))
        return
    shown = sum(1 for r in rows if not r.header and len(r.cells) > 1)
    if counted is None:
        prober.report.put("lookup", row, Seen(problem="missing", why="行数未读出，无法判断翻页"))
        return
    if counted[0] <= shown:
        prober.report.put("lookup", row, Seen(f"一页 {shown} 行即全部，无需翻页"))
        return

    def second_page() -> Seen:
        lookup = bot.bind("lookup")
        bot.content.press(lookup.locate("next_page", timeout_ms=1_000), what="探测下一页")
        more = table_rows(bot.bind("lookup").locate(spec.table, timeout_ms=2_000))
        return Seen(f"第 2 页 {sum(1 for r in more if not r.header and len(r.cells) > 1)} 行")

    why = f"共 {counted[0]} 行，第 1 页只有 {shown} 行"
    seen = prober.attempt(second_page, why)
    prober.report.put("lookup", row, seen or Seen(problem="missing", why=f"{why}，“下一页”未找到或读不出"))


def _probe_columns(prober: Prober, table: str, rows: list[TableRow]) -> None:
    """Each column of the table: the header alias that names it (as `history_entries` maps)."""
    spec = prober.bot.selectors.page("lookup").tables[table]
    header = next((r.cells for r in rows if r.header), [])
    for column, aliases in spec.columns.items():
        named = [a for a in aliases if codes.plain(a) in header]
        if len(named) == 1:
            seen = Seen(f"header={named[0]}", aliases.index(named[0]) + 1)
        elif named:
            seen = Seen(problem="ambiguous", count=len(named))
        else:
            seen = Seen(problem="missing", why=f"表头为：{' | '.join(header) or '无表头'}")
        prober.report.put("lookup", f"{table}.{column}", seen)
