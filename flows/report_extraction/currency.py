"""The currency a report states around its table: only 人民币 figures are read as 元.

A branch system that reports in another currency says so in a line (`币种：美元`), beside the
unit (`币种：USD　单位：万元`), in a footnote (`注：本表币种为美元`) or in a 币种 / 货币 column
beside the figures (美元 on a row). Its figures are no 元, so such a report is refused naming
where the currency is stated; `币种：人民币` (RMB, CNY, 本币) is read as any other report. A
number format showing another currency (`"US$"#,##0.00`) is refused by number_formats.
"""

from __future__ import annotations

import re

from flows.report_extraction.header import Header
from flows.report_extraction.surroundings import Line
from flows.report_extraction.tables import Grid
from rpa.errors import UnreadableFigure

# 币种：美元 / 币种为美元 / 币种是USD / 货币：港币; lines are normalised (NFKC, no spaces)
# and bilingual or English labels, `币种Currency:USD`, `币种(Currency):USD`, `Currency:USD` (tester BK F29)
_STATED = re.compile(r"(?:(?:币种|币别|货币(?:种类)?)(?:\(?currency\)?)?|(?<![a-z])currency)(?:[:：]|为|是)+",
                     re.IGNORECASE)
# a report that says it is in foreign currency (外币报表, 本表为外币业务报表, 外币（折美元）): no 元 either
_FOREIGN = re.compile(r"外币(?:业务)?报表|本表(?:为|是)外币|外币[(（]折")
_SAID_END = re.compile(r"单位|机构|日期|[,;。，；]")
_RMB = re.compile(r"(?:人民币|RMB|CNY)(?![和及与、/,]?(?:美|港|欧|日|英|澳|外|USD|HKD|EUR|JPY|GBP))",
                  re.IGNORECASE)
# a column of currencies beside the figures, by its header (not 货币资金, a metric); what it may say
_COLUMN = re.compile(r"^(?:币种|币别|货币(?:种类|名称)?)(?:\(.*\))?$")
_HOME = re.compile(r"^(?:人民币(?:元)?|RMB|CNY|本币|¥|01|156)$", re.IGNORECASE)  # 01, 156: core codes
# where a stated currency's name ends: the next label or a punctuation mark
_END = re.compile(r"单位|机构|数据日期|报表日期|日期|[,;。()]")


def check_currency(lines: list[Line], file: str) -> None:
    """Refuse a report whose lines state a currency other than 人民币, naming the line."""
    for line in lines:
        if foreign := _FOREIGN.search(line.text):
            place = f"{'脚注' if line.footnote else '表外文字'} {line.where}"
            said = _SAID_END.split(line.text[foreign.start():], maxsplit=1)[0][:12]
            raise UnreadableFigure(
                f"{file}: {place} 写“{said}”，不是人民币报表；数字不能当作人民币元读，"
                "整份报表不读，请向报送机构索取人民币报表或核实币种", details={"file": file})
        for match in _STATED.finditer(line.text):
            rest = line.text[match.end():]
            shown = _END.split(rest, maxsplit=1)[0][:12]
            if not shown or _RMB.match(rest):
                continue
            place = f"{'脚注' if line.footnote else '表外文字'} {line.where}"
            raise UnreadableFigure(
                f"{file}: {place} 写币种为“{shown}”，不是人民币；数字不能当作人民币元读，"
                "整份报表不读，请向报送机构索取人民币报表或核实币种", details={"file": file})


def check_row_currency(grid: Grid, header: Header, row: int, what: str) -> None:
    """Refuse a row read whose 币种 / 货币 column says another currency than 人民币, naming the
    cell; an empty one states nothing."""
    for col, head in header.others.items():
        shown = grid.text(row, col)
        if shown and _COLUMN.match(head.split("/")[-1]) and not _HOME.match(shown):
            raise UnreadableFigure(
                f"{grid.provenance_at(row, col).describe()}：{what} 这一行的{head}列写“{shown}”，"
                "不是人民币；数字不能当作人民币元读，整份报表不读，请向报送机构索取人民币报表或核实币种",
                details={"file": grid.file})
