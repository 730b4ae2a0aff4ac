"""Figures printed in red (红字) without a minus, as Chinese bookkeeping prints a decrease: read as
negative where the report says so (注：红字表示负数), refused where it does not, in a workbook (font
colour, a number format's [Red]) and in a PDF (the digits' colour). Reports written by hand
(tests/hand_reports.py): 个人金融资产余额 较上日 is -2.3 万元, the only negative one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from flows.report_extraction import extract_file, load_spec
from rpa.errors import RpaError
from tests.hand_reports import daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
SAID = ("注：红字表示负数。",)
MINUS_2_3 = Decimal("-23000")  # -2.3 万元


def _asset_change(path: Path) -> tuple[Decimal, list[str]]:
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    found = next(f for f in extraction.figures if (f.metric, f.column) == ("个人金融资产余额", "较上日"))
    return found.value_yuan, [n for n in extraction.notes if "红字" in n]


def _red_workbook(path: Path, below: tuple[str, ...], *, value: float = 2.3, font: bool = True,
                  number_format: str | None = None) -> Path:
    daily_workbook(path, below=below)
    book = openpyxl.load_workbook(path)
    cell = book.active["C6"]  # 个人金融资产余额 较上日
    cell.value = value
    if font:
        cell.font = Font(color="FFFF0000")
    if number_format:
        cell.number_format = number_format
    book.save(path)
    return path


@pytest.mark.parametrize("how", ["font", "format"])
def test_a_red_figure_reads_negative_where_the_report_says_so(tmp_path: Path, how: str) -> None:
    kwargs = {"font": True} if how == "font" else {"font": False, "number_format": "[Red]0.0;0.0"}
    value, notes = _asset_change(_red_workbook(tmp_path / "r.xlsx", SAID, **kwargs))  # type: ignore[arg-type]
    assert value == MINUS_2_3
    assert notes and "C6" in notes[-1] and "红字表示负数" in notes[-1]


def test_a_red_figure_without_the_reports_word_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RpaError) as refused:
        extract_file(_red_workbook(tmp_path / "r.xlsx", ()), load_spec("branch_daily", SPECS))
    assert "C6" in str(refused.value) and "红字" in str(refused.value)


@pytest.mark.parametrize("said", ["注：负数以红字表示。", "注：标红为负数"])
def test_the_note_said_the_other_way_round(tmp_path: Path, said: str) -> None:
    assert _asset_change(_red_workbook(tmp_path / "r.xlsx", (said,)))[0] == MINUS_2_3


def test_a_red_balance_is_a_highlight_not_a_negative_and_is_refused(tmp_path: Path) -> None:
    path = _red_workbook(tmp_path / "r.xlsx", SAID)
    book = openpyxl.load_workbook(path)
    book.active["B6"].font = Font(color="FFFF0000")  # 个人金融资产余额 本日 3456.7, highlighted
    book.save(path)
    with pytest.raises(RpaError) as refused:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "B6" in str(refused.value) and "不是增减额" in str(refused.value)


def test_a_red_figure_with_its_own_minus_is_as_printed(tmp_path: Path) -> None:
    assert _asset_change(_red_workbook(tmp_path / "r.xlsx", (), value=-2.3)) == (MINUS_2_3, [])


@pytest.mark.parametrize(("ruled", "colour"), [(True, (0.9, 0.1, 0.1)), (False, (0.9, 0.1, 0.1)),
                                               (True, (0.6, 0.0, 0.0)), (True, (0.5, 0.0, 0.0))])
def test_red_digits_in_a_pdf(tmp_path: Path, ruled: bool, colour: tuple[float, float, float]) -> None:
    """Dark reds (#990000, #800000) are red too (tester BH F9, 2026-12-07: read as positive)."""
    red = frozenset({"-2.3"})
    value, notes = _asset_change(ruled_pdf(tmp_path / "r.pdf", below=SAID, ruled=ruled, red=red,
                                           red_rgb=colour))
    assert value == MINUS_2_3 and notes
    with pytest.raises(RpaError) as refused:
        extract_file(ruled_pdf(tmp_path / "s.pdf", ruled=ruled, red=red, red_rgb=colour),
                     load_spec("branch_daily", SPECS))
    assert "红字" in str(refused.value)
