"""Unit statements printed with spaces, or as 以万元为单位, are read, never taken as no unit.

normalise removes spaces, so `单位：万元 万户` became `单位:万元万户`, which read as no unit at
all; a unit row of two cells (`单位：万元` | `币种：人民币`) the same; and `以万元为单位` above
the table or in a footnote was no statement. A space after a unit word now ends it as a comma
does, a glued statement that starts with a money unit but does not read is refused naming it,
and `以…为单位` / `以…计` outside the table states the table's unit. Reports written by hand
(tests/hand_reports).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, daily_workbook, edit_cells, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize(("line", "odd"), [("单位：万元 万户", "万户"), ("单位：万元\u3000万户", "万户"),
                                           ("单位：万元万户", "万元万户"), ("单位：千元 万个", "万个")])
def test_a_count_unit_printed_apart_or_glued_is_refused(tmp_path: Path, line: str, odd: str) -> None:
    path = daily_workbook(tmp_path / "apart.xlsx", (*HEADING[:2], line))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert f"单位行 A3 写的单位“{odd}”不是认得的单位" in str(caught.value)


def test_a_pdf_printing_the_units_apart_is_refused_naming_the_count_unit(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "apart.pdf", (*HEADING[:2], "单位：万元  万户"))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "写的单位“万户”不是认得的单位" in str(caught.value)


@pytest.mark.parametrize(("heading", "below"), [
    ((*HEADING[:2], "单位：万元  户"), ()),
    ((*HEADING[:2], "以万元为单位"), ()),
    ((*HEADING[:2], "金额以万元为单位，客户数以户为单位"), ()),
    ((*HEADING[:2], "（本表以万元计）"), ()),
    (HEADING[:2], ("注：以万元为单位",))])
def test_units_stated_apart_or_in_words_are_read(tmp_path: Path, heading: tuple[str, ...],
                                                 below: tuple[str, ...]) -> None:
    path = daily_workbook(tmp_path / "read.xlsx", heading, below)
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert extraction.value("客户数", "本日", "110101") == Decimal(777)


def test_a_unit_line_of_two_cells_is_read(tmp_path: Path) -> None:
    path = edit_cells(daily_workbook(tmp_path / "cells.xlsx"), {"B3": "币种：人民币"})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("line", "said"), [
    ("单位：万元 亿元", "金额单位前后不一"),
    ("存款以万元为单位，贷款以亿元为单位", "A3 写“存款以万元为单位”，只说了一部分数字的单位")])
def test_two_money_units_stated_in_one_line_refuse(tmp_path: Path, line: str, said: str) -> None:
    path = daily_workbook(tmp_path / "two.xlsx", (*HEADING[:2], line))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert said in str(caught.value)


@pytest.mark.parametrize("note", ["注：中间业务收入以元为单位", "注：中间业务收入以元计"])
def test_a_unit_said_of_one_row_in_a_footnote_refuses(tmp_path: Path, note: str) -> None:
    # read as the table's 元 it made every figure 10,000 times too small; ignored, 中间业务收入's
    path = daily_workbook(tmp_path / "one.xlsx", HEADING, (note,))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = "A14 写“中间业务收入以元为单位”，只说了一部分数字的单位，与表的金额单位（万元）不同"
    assert said in str(caught.value)


def test_renminbi_spelled_out_with_spaces_is_no_count_unit(tmp_path: Path) -> None:
    path = daily_workbook(tmp_path / "spaced.xlsx", (*HEADING[:2], "单位：人 民 币 元"))
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal("2345.6")


@pytest.mark.parametrize(("line", "under"), [("单位：元", "万元"), ("单位：万元", "元")])
def test_a_units_row_of_ditto_marks_is_a_units_row(tmp_path: Path, line: str, under: str) -> None:
    """Tester BF F8 (2026-12-07): a row of units under the summary's headers written `万元 | 〃 | 〃 |
    户 | 〃 ...` was passed over as a text row, so a 单位：元 line above it was read for every money
    column (figures 10,000 times too small) without a word. It is a units row; its 万元 against the
    line's 元 refuses the file, as a units row without the marks does."""
    from tests.hand_reports import ROWS, summary_workbook

    values = [value for _, value, *_ in ROWS]
    units = [None, "单位", under, "〃", "〃", "〃", "〃", "户", "〃", under, "个"]
    header = [["机构代码", "机构名称", *(label for label, *_ in ROWS)], units]
    rows: list[list[object]] = [["110101", "东城支行", *values], ["合计", None, *values]]
    path = summary_workbook(tmp_path / "summary.xlsx", rows, header=header, unit_line=line)
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("summary_daily", SPECS))
    assert "单位前后不一" in str(caught.value) and f"写 {under}" in str(caught.value)
