"""The currency a report states around its table: only 人民币 figures are read as 元.

A branch system that reports in another currency says so in a line (`币种：美元`), beside the
unit (`币种：USD　单位：万元`) or in a footnote (`注：本表币种为美元`). Its figures are no 元,
so such a report is refused naming where the currency is stated; `币种：人民币` (RMB, CNY) is
read as any other report.
"""

from __future__ import annotations

import re

from flows.report_extraction.surroundings import Line
from rpa.errors import UnreadableFigure

# 币种：美元 / 币种为美元 / 币种是USD / 货币：港币; lines are normalised (NFKC, no spaces)
_STATED = re.compile(r"(?:币种|币别|货币(?:种类)?)(?:[:：]|为|是)+")
_RMB = re.compile(r"(?:人民币|RMB|CNY)(?![和及与、/,]?(?:美|港|欧|日|英|澳|外|USD|HKD|EUR|JPY|GBP))",
                  re.IGNORECASE)
# where a stated currency's name ends: the next label or a punctuation mark
_END = re.compile(r"单位|机构|数据日期|报表日期|日期|[,;。()]")


def check_currency(lines: list[Line], file: str) -> None:
    """Refuse a report whose lines state a currency other than 人民币, naming the line."""
    for line in lines:
        for match in _STATED.finditer(line.text):
            rest = line.text[match.end():]
            shown = _END.split(rest, maxsplit=1)[0][:12]
            if not shown or _RMB.match(rest):
                continue
            place = f"{'脚注' if line.footnote else '表外文字'} {line.where}"
            raise UnreadableFigure(
                f"{file}: {place} 写币种为“{shown}”，不是人民币；数字不能当作人民币元读，"
                "整份报表不读，请向报送机构索取人民币报表或核实币种", details={"file": file})
