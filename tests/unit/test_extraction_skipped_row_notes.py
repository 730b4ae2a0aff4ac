"""A row passed over is noted at its own cell, its texts apart, for a checker to find on paper.

A tester's fee report merged each branch's 机构 cell down its block (A4:A13): a skipped
`其中：代理保险` row at B7 was noted at A4, the merged cell's anchor; and a summary's skipped
`城区小计` row glued its figures to its label (`城区小计10000.4420000.88`), as if one number.
Reports written by hand (tests/hand_reports.py).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from flows.report_extraction import extract_file, load_spec
from tests.hand_reports import ROWS, fee_workbook, summary_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"


def test_a_skipped_row_in_a_merged_block_is_noted_at_its_label(tmp_path: Path) -> None:
    path = fee_workbook(tmp_path / "fee.xlsx")
    book = openpyxl.load_workbook(path)
    ws = book["中间业务收入月报"]
    ws.insert_rows(7)  # under 代理类 (row 6) of 东城支行's block, rows 4-12 before
    ws["B7"] = "其中：代理保险"
    ws.merge_cells("A4:A13")
    book.save(path)
    extraction = extract_file(path, load_spec("fee_income_monthly", SPECS))
    skipped = [note for note in extraction.notes if "代理保险" in note]
    assert skipped and all(note.startswith("略过的行 B7 ") for note in skipped), extraction.notes


def test_a_skipped_subtotal_row_keeps_its_texts_apart(tmp_path: Path) -> None:
    values = [value for _, value, *_ in ROWS]
    rows: list[list[object]] = [["110101", "东城支行", *values], [None, "城区小计", *values],
                                ["110102", "西城支行", *values], ["合计", None, *(2 * v for v in values)]]
    path = summary_workbook(tmp_path / "summary.xlsx", rows)
    extraction = extract_file(path, load_spec("summary_daily", SPECS))
    (note,) = [note for note in extraction.notes if "城区小计" in note]
    assert "城区小计 2345.6" in note, note
