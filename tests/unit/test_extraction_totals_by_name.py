"""A summary's totals row may leave 机构代码 blank and write its label in 机构名称 (`全辖合计`):
it is read as the 合计 row, as `全行合计` in the code column is. Only the totals label is read
there: a branch row with a blank code is still passed over, never read by its name. The summary
is written here cell by cell (tests/hand_reports.py); its sums are worked out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.branch_names import TOTAL
from rpa.errors import LabelNotFound
from tests.hand_reports import summary_workbook

SPEC = load_spec("summary_daily", Path(__file__).resolve().parents[2] / "config" / "specs")
EAST = ["110101", "东城支行", 12345.67, 23456.78, 3456.78, 4567.89, 567.89, 8888, 8, 12.34, 3]
WEST = ["110102", "西城支行", 13345.67, 23956.78, 3466.78, 4000.0, 568.89, 8889, 9, 13.34, 4]
SUMS = [25691.34, 47413.56, 6923.56, 8567.89, 1136.78, 17777, 17, 25.68, 7]


@pytest.mark.parametrize("total", [[None, "全辖合计", *SUMS], ["", "合计", *SUMS], ["全行合计", None, *SUMS]])
def test_a_totals_label_in_the_name_column_is_the_totals_row(tmp_path: Path, total: list[object]) -> None:
    extraction = extract_file(summary_workbook(tmp_path / "s.xlsx", [EAST, WEST, total]), SPEC)
    savings = next(f for f in extraction.figures if f.branch == TOTAL and f.metric == "储蓄存款余额")
    assert savings.value_yuan == 256913400
    assert all(check.ok for check in extraction.checks), [c.message for c in extraction.checks if not c.ok]


def test_a_branch_row_without_its_code_is_not_read_by_its_name(tmp_path: Path) -> None:
    rows = [EAST, [None, "西城支行", *WEST[2:]], [None, "全辖合计", *SUMS]]
    extraction = extract_file(summary_workbook(tmp_path / "s.xlsx", rows), SPEC)
    assert {f.branch for f in extraction.figures} == {"110101", TOTAL}
    assert any(note.startswith("略过的行 B6") for note in extraction.notes), extraction.notes


def test_a_missing_totals_row_still_refuses(tmp_path: Path) -> None:
    with pytest.raises(LabelNotFound, match="找不到“合计”行"):
        extract_file(summary_workbook(tmp_path / "s.xlsx", [EAST, WEST, [None, "全辖小计", *SUMS]]), SPEC)
