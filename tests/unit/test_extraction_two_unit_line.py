"""A unit line stating a money unit and a count unit together: every unit it lists is read.

`单位：万元、万户` (or `，`) gave its 万元 to the money rows and dropped 万户, so 客户数 12 (万户)
was read as 12 户. 万户 is a unit the tool does not know, as in a label (客户（万户）) or a unit
column: the file is refused naming the line and the unit. `单位：万元、户、个` and
`单位：万元，保留两位小数` are read as before.

Every workbook and PDF is written here by hand (tests/hand_reports).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.numbers import unknown_stated_unit
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


@pytest.mark.parametrize(("line", "odd"), [("单位：万元、万户", "万户"), ("单位：万元，万户", "万户"),
                                           ("单位：万元，户，万个", "万个"), ("单位：元/千人", "千人")])
def test_every_unit_a_statement_lists_is_looked_at(line: str, odd: str) -> None:
    assert unknown_stated_unit(line) == odd


@pytest.mark.parametrize("line", ["单位：万元、户、个", "单位：万元，保留两位小数", "单位：万元",
                                  "填报单位：西城支行"])
def test_known_units_and_other_words_are_no_unknown_unit(line: str) -> None:
    assert unknown_stated_unit(line) is None


@pytest.mark.parametrize("line", ["单位：万元、万户", "单位：万元，万户"])
def test_a_workbook_stating_a_count_unit_beside_the_money_unit_is_refused(tmp_path: Path, line: str) -> None:
    path = daily_workbook(tmp_path / "two_units.xlsx", (*HEADING[:2], line))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "单位行 A3 写的单位“万户”不是认得的单位" in str(caught.value)


def test_a_pdf_stating_a_count_unit_beside_the_money_unit_is_refused(tmp_path: Path) -> None:
    path = ruled_pdf(tmp_path / "two_units.pdf", (*HEADING[:2], "单位：万元、万户"))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "写的单位“万户”不是认得的单位" in str(caught.value)


def test_known_money_and_count_units_together_are_read(tmp_path: Path) -> None:
    path = daily_workbook(tmp_path / "known.xlsx", (*HEADING[:2], "单位：万元、户、个"))
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)
    assert extraction.value("客户数", "本日", "110101") == Decimal(777)
