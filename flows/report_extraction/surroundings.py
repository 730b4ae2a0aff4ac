"""The text around a report's table: title, information lines and footnotes, with where each is.

Units and the report's branch and date are often stated there rather than in the table:
`单位：人民币万元` above it, `注：金额单位为元` below it, `机构：110102 西城支行` in its heading.
For a sheet the lines are the rows above the header and the 注 / 说明 rows below the body,
each named by its first cell (A2); for a PDF they are the text outside the table on every page
the table spans (a footnote on page 2 counts as much as the unit line on page 1), each named by
its page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flows.report_extraction.header import Header
from flows.report_extraction.numbers import (
    MONEY_UNITS,
    TABLE_SUBJECTS,
    UNIT_FACTORS,
    in_units,
    is_money,
    labelled_units,
    normalise,
    stated_units,
    unit_list,
    unknown_stated_unit,
    unread_unit,
)
from flows.report_extraction.tables import Grid
from rpa.errors import UnreadableFigure

# units in parentheses anywhere in a heading line: 存款（万元） 收入（万元）
_PARENTHESISED = re.compile(r"\(((?:人民币)?(?:" + "|".join(sorted(UNIT_FACTORS, key=len, reverse=True))
                            + r")(?:[,、/](?:人民币)?[^)]*)?)\)")
# a footnote or sign-off line: 注：/ 注1 / 说明：/ 备注：/ 制表 ... (not a label such as 注册资本)
_NOTE = re.compile(r"(?:注(?:[:：\d]|释)|说明[:：]|备注[:：]|制表|复核|审核|填表|资料来源)")
_APPENDIX = re.compile(r"附\s*(?:[:：]|表|件|录|[一二三四五六七八九十\d]+\s*[:：、.．])")  # not 附注


@dataclass(frozen=True)
class Line:
    """A line of text outside the table: a title, an information line or a footnote."""

    text: str  # normalised
    where: str  # a cell (A2) or 第N页表外文字
    footnote: bool
    below: bool = False  # a row under the header that is no footnote: only its labelled 日期 / 机构 count
    raw: str = ""  # as printed (NFKC), spaces kept and cells apart: where one label's words end


def is_note(text: str) -> bool:
    """True for a footnote or sign-off line (注：..., 制表：...)."""
    return _NOTE.match(normalise(text)) is not None


def is_appendix(text: str) -> bool:
    """True for a line opening another table below the report's (附：上月同期数, 附表二): its rows
    are not the report's (tester BO F1, 2026-12-08: a row missing from the day's table was read
    from 附：西城支行同期数 below it, exit 0)."""
    return _APPENDIX.match(normalise(text)) is not None


def row_place(grid: Grid, row: int) -> str:
    """A row named by its first shown cell (A12), else by its page or number."""
    cell = next((grid.at(row, c) for c in grid.visible_cols() if grid.text(row, c)), None)
    if cell is None:
        return f"第{row + 1}行"
    page = cell.provenance.page
    return cell.provenance.cell or (f"第{page}页" if page else f"第{row + 1}行")


def _joined(texts: list[str]) -> str:
    """A row's texts as one line; a merged cell, which every cell it covers repeats, once."""
    kept = [t for i, t in enumerate(texts) if t and (i == 0 or t != texts[i - 1])]
    return "".join(kept)


def _printed(grid: Grid, row: int) -> list[str]:
    """A row's cells as printed, a merged cell once."""
    cells = [grid.at(row, col) for col in grid.visible_cols()]
    return [c.text for i, c in enumerate(cells) if c is not None and (i == 0 or c is not cells[i - 1])]


def _spaced(texts: list[str]) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", " ".join(texts))).strip()


def table_lines(grid: Grid, header: Header) -> list[Line]:
    """The lines around the table, headings first, then footnotes."""
    found: list[Line] = []
    page = next((c.provenance.page for c in grid.cells.values() if c.provenance.page), None)
    outside = f"第{page}页表外文字" if page else "表外文字"
    for text in grid.preamble:
        found.append(Line(normalise(text), outside, is_note(text), raw=_spaced([text])))
    # a pdf's text under the table, notes or a footer, is read as footnotes are: a unit it states
    # counts, a date or branch only where it labels one as the report's (not a 打印日期)
    for number, text in [(page, text) for text in grid.below] + grid.continued_below:
        found.append(Line(normalise(text), f"第{number}页表{'外文字' if is_note(text) else '格下方'}", True,
                          raw=_spaced([text])))
    for where, text in grid.printed_around:  # headings as much as a title row is
        found.append(Line(normalise(text), where, is_note(text), raw=_spaced([text])))
    for row in range(header.start):
        if row not in grid.hidden_rows and not grid.is_blank(row):
            text = _joined(grid.row_texts(row))
            found.append(Line(text, row_place(grid, row), is_note(text), raw=_spaced(_printed(grid, row))))
    for number, text in grid.continued:  # a continued table's notes state its units as well
        found.append(Line(normalise(text), f"第{number}页表外文字", is_note(text), raw=_spaced([text])))
    for row in grid.visible_rows(header.body_start):
        texts = [t for t in grid.row_texts(row) if t]
        if texts:  # a 数据日期 / 报送机构 printed under the table is as much the report's as one above
            found.append(Line(_joined(texts), row_place(grid, row), is_note(texts[0]),
                              below=not is_note(texts[0]), raw=_spaced(_printed(grid, row))))
    return found


def subject_units(text: str) -> list[tuple[str, str]]:
    """The `以…为单位` statements of a line said of one row or column, not the table: their subject
    and money unit (`注：中间业务收入以元为单位` -> [(中间业务收入, 元)])."""
    return [(s, u) for s, u in in_units(text) if s not in TABLE_SUBJECTS and is_money(u)]


def table_money_unit(lines: list[Line], header: Header, file: str) -> tuple[str, str] | None:
    """The money unit the lines around the table (and the label column's header) state, with
    where; two that differ, or one the tool does not know (单位：百万元, 单位：亿), refuse the file
    naming them: `unit_always` is for a report that states no unit, not one that states another."""
    stated: list[tuple[str, str]] = []
    said_of_one: list[tuple[str, str, str]] = []  # 中间业务收入以元为单位: (subject, unit, where)
    for line in lines:
        # a row under the header: only a 单位：… it states (a label's （万元） is its row's unit)
        printed = line.raw or line.text  # its spaces kept: 单位：万元 万户 states two units
        units = labelled_units(printed) if line.below else stated_units(printed)
        if not line.footnote and not line.below:
            units += [u for found in _PARENTHESISED.findall(line.text) for u in unit_list(found)]
        _known_units_only(line, units, file)
        if not line.below:
            said_of_one += [(s, u, line.where) for s, u in subject_units(line.raw or line.text)]
        for unit in units:
            if is_money(unit):
                stated.append((unit, f"{'脚注' if line.footnote else '单位行'} {line.where}"))
    stated += [(unit, where) for unit, where in header.label_units if is_money(unit)]
    if len({unit for unit, _ in stated}) > 1:
        (u1, w1), (u2, w2) = stated[0], next(s for s in stated if s[0] != stated[0][0])
        raise UnreadableFigure(f"{file}: 金额单位前后不一：{w1} 写 {u1}，{w2} 写 {u2}；"
                               "不知哪个对，整份报表不读，请向报送机构核实", details={"file": file})
    table = stated[0][0] if stated else None
    for subject, unit, where in said_of_one:
        if unit != table:  # which figures are in 元 and which in the table's unit is not read here
            raise UnreadableFigure(
                f"{file}: {where} 写“{subject}以{unit}为单位”，只说了一部分数字的单位，与表的金额单位"
                f"（{table or '未写明'}）不同；工具不按行读这种说明，整份报表不读，请向报送机构核实",
                details={"file": file})
    return stated[0] if stated else None


_KNOWN_MONEY = "、".join(sorted(MONEY_UNITS, key=UNIT_FACTORS.__getitem__))


def _known_units_only(line: Line, read: list[str], file: str) -> None:
    """Refuse a line that states a unit the tool does not know, naming the line and the unit."""
    loose = line.footnote or line.below  # a note's or a row's other words are no unit statement
    odd = unknown_stated_unit(line.raw or line.text) or (None if loose else unread_unit(line.text, read))
    if odd is None:
        return
    bare = "" if any(ch in odd for ch in "元户个笔人") else (
        f"；“{odd}”只写了倍数，没写是元还是户，不能假定为{odd}元")
    known = _KNOWN_MONEY if "元" in odd else "、".join(UNIT_FACTORS)  # 万户: a count's units too
    raise UnreadableFigure(f"{file}: {'脚注' if line.footnote else '单位行'} {line.where} 写的单位“{odd}”"
                           f"不是认得的单位（{known}）{bare}；"
                           "不知数字如何换算，整份报表不读，请向报送机构核实或改用认得的单位",
                           details={"file": file})
