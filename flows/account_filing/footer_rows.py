"""An export's footer (合计：3笔, 制表人：王五 under the data) is passed over and listed, not read.

    footer = FooterRows()
    rows = footer.passed_over(export_rows, ["业务类型", "账号", ...])   # the data rows only
    footer.rows      # [FooterRow(row=9, text='合计：3笔'), FooterRow(row=10, text='制表人：王五')]

Core-banking exports end with a totals line and sign-offs; read as rows they were accounts
without a 账号, 无效 every day and overdue in every alert. A row is the footer when every
non-blank cell of the columns the filing reads (in any column, the others blank) is a footer
text, and no cell is unusable (a formula without its result stays the row's error):

- a total: 合计, 总计, 共计, 小计, 总笔数, with a count if any (合计：3笔, 合计 3 笔, 合计：,
  总笔数：3), 共3笔, 以下空白, a page number (共1页 第1页);
- a sign-off or a note: 制表人, 复核人, 经办, 填报人, 记账, 审批人, 打印日期, 注, 备注, 说明 and
  the like, then a colon or a space and anything (制表人：王五, 复核人：, 备注：本表数据截至…).
  制表人王五, with nothing between, is not one.

Anything else in the row (a value, an amount beside 合计, a real row with a blank 账号) keeps
it a row, with its errors. A footer text between data rows (a page's 小计) is passed over too,
and said to be there (`between`): the rows after it are read as usual.

The last total under the data that counts rows (合计：3笔, 共3条, 总笔数：3; not 小计 or 本页合计,
a page's; 合计：1500000 without 笔 is an amount) must count the data rows read, or the file is
refused (InputFileError, `where` naming it): an export cut short or two pasted together would
file some accounts and leave the others unfiled with nothing said.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from rpa.errors import InputFileError
from rpa.masking import scrub_text


class _Row(Protocol):
    """What the footer rule reads of a row (export_rows.RawRow): its number, marks and texts."""

    @property
    def row(self) -> int: ...
    @property
    def bad(self) -> dict[str, str] | None: ...
    @property
    def raw(self) -> _Texts: ...


class _Texts(Protocol):
    def __getitem__(self, header: str) -> str: ...


RowT = TypeVar("RowT", bound=_Row)

_UNIT = r"(?:笔|条|户|行|项|个)"
_TOTAL = re.compile(rf"(?:本页|本表)?(?:合计|总计|共计|小计|总笔数|总户数):?(?:\d+{_UNIT}?)?|共\d+{_UNIT}"
                    r"|以下空白|(?:共\d+页)?第\d+页(?:共\d+页)?")
_SIGN_OFF = re.compile(
    r"(?:制表人?|制单人?|复核人?|审核人?|审批人?|打印人|经办人?|填表人|填报人|记账人?|(?:部门)?负责人"
    r"|会计主管|主管|(?:备|附)?注|说明|(?:制表|制单|打印|导出|报表|生成)(?:日期|时间))(?:\s*:.*|\s+.*)?",
    re.DOTALL,
)
# a whole footer text, spaces out: a count needs its unit (合计：1500000 is an amount), but 总笔数
_COUNT = re.compile(r"(?:(?:合计|总计|共计|共):?(\d+)(?:笔|条|行)|总笔数:?(\d+)(?:笔|条|行)?)")
_SPACES = re.compile(r"\s+")
_SHOWN = 30  # characters of a footer text the report quotes


@dataclass(frozen=True, slots=True)
class FooterRow:
    """A row passed over: its sheet row number and its text (scrubbed, shortened)."""

    row: int
    text: str
    between: bool = False  # data rows come after it

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "text": self.text, "between": self.between}


def footer_text(texts: Sequence[str]) -> str | None:
    """The row's footer text (its cells joined by a space) when every non-blank one is a total or a
    sign-off; None when any is something else, or all are blank."""
    found = [text.strip() for text in texts if text.strip()]
    if not found or not all(_is_footer(text) for text in found):
        return None
    return " ".join(found)


def _is_footer(text: str) -> bool:
    folded = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return bool(_TOTAL.fullmatch(folded.replace(" ", "")) or _SIGN_OFF.fullmatch(folded))


class FooterRows:
    """The rows passed over as the export's footer, as the stream reaches them."""

    def __init__(self, where: str = "") -> None:
        self.where = where  # the file (and sheet) for a refusal
        self._found: list[tuple[int, str]] = []
        self._last_data = 0  # the sheet row of the last data row read
        self._counted: list[tuple[int, int]] = []  # (row, the count its total states)
        self._data = 0

    @property
    def rows(self) -> list[FooterRow]:
        """Every row passed over so far, in sheet order."""
        return [FooterRow(row, text, between=row < self._last_data) for row, text in self._found]

    def passed_over(self, rows: Iterator[RowT], headers: Sequence[str]) -> Iterator[RowT]:
        """`rows` without its footer rows; `headers`: the row keys of the columns the filing reads."""
        try:
            for row in rows:
                text = None if row.bad else footer_text([row.raw[header] for header in headers])
                if text is None:
                    self._last_data, self._data = row.row, self._data + 1
                    yield row
                else:
                    self._found.append((row.row, _shown(text)))
                    if (count := _count(text)) is not None:
                        self._counted.append((row.row, count))
            self._check_counts()
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()


    def _check_counts(self) -> None:
        """The last count under the data (a last page's 合计：5笔 above 总计：25笔 is that page's)."""
        final = [c for c in self._counted if c[0] > self._last_data][-1:]
        for row, _ in (c for c in final if c[1] != self._data):
            text = next(text for number, text in self._found if number == row)
            raise InputFileError(
                f"无法读取 {self.where}：表尾第{row}行写「{text}」，而表头以下读到 {self._data} 行数据，"
                f"笔数对不上。\n导出可能不完整或拼进了别的数据：请重新导出完整的文件后再运行")


def _count(text: str) -> int | None:
    """The rows a total counts (合计：3笔 -> 3), None for any other footer text."""
    folded = unicodedata.normalize("NFKC", text).replace(" ", "").replace("\u3000", "")
    match = _COUNT.fullmatch(folded)
    return int(match.group(1) or match.group(2)) if match else None


def listed(rows: Sequence[FooterRow]) -> str:
    """Rows as the report names them: 第9、10行（合计：3笔 / 制表人：王五）."""
    return f"第{'、'.join(str(f.row) for f in rows)}行（{' / '.join(f.text for f in rows)}）"


def _shown(text: str) -> str:
    text = scrub_text(" ".join(text.split()))
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
