"""A footnote's mark beside a figure is never a digit of it: the figure is refused naming the mark.

`①2,345.60`, `2,345.60①`, `⑴`, `⒈`, `¹`, `₁` in a workbook's cell or a PDF's, and a plain digit
printed small and raised after a PDF's figure, were read as digits (NFKC folds ① to 1):
`①2,345.60` as 12,345.60, `2,345.60¹` as 2,345.601. Which digits are the mark's is not certain,
so the figure is refused, never stripped, naming the cell and the mark.

Every workbook and PDF is written here by hand with openpyxl and reportlab (tests/hand_reports).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.numbers import NumberFormatError, SignStyle, parse_figure
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, daily_workbook, ruled_pdf

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
SIGNS = frozenset(SignStyle)


@pytest.mark.parametrize("printed", ["①2,345.60", "2,345.60①", "⑴2,345.60", "⒈2,345.60", "2,345.60¹",
                                     "2,345.60₁", "2,345.60²", "❶2,345.60", "⑳2,345.60", "2,345.60⁻"])
def test_a_workbook_figure_with_a_footnote_mark_is_refused_naming_cell_and_mark(
        tmp_path: Path, printed: str) -> None:
    path = daily_workbook(tmp_path / "marked.xlsx")
    book = openpyxl.load_workbook(path)
    book["网点经营日报"]["B5"] = printed
    book.save(path)
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert "网点经营日报!B5" in said and "储蓄存款余额 本日" in said
    mark = next(ch for ch in printed if not (ch.isascii() or ch in "，"))
    assert f"脚注标记“{mark}”" in said


@pytest.mark.parametrize(("first", "raised", "mark", "size"), [
    ("①2345.6", "", "①", 5), ("2345.6①", "", "①", 5), ("2345.6", "1", "¹", 5),
    ("2345.6", "1", "¹", 7.5),  # 75 % of the figure's 10 pt: under 80 % (tester BH F8, 2026-12-07)
])
def test_a_pdf_figure_with_a_footnote_mark_is_refused(tmp_path: Path, first: str, raised: str,
                                                      mark: str, size: float) -> None:
    path = ruled_pdf(tmp_path / "marked.pdf", first=first, raised=raised, raised_size=size)
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert f"脚注标记“{mark}”" in str(caught.value) and "储蓄存款余额 本日" in str(caught.value)


def test_a_pdf_figure_in_one_size_is_read(tmp_path: Path) -> None:
    extraction = extract_file(ruled_pdf(tmp_path / "plain.pdf", first="2345.6"),
                              load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize("printed", ["２，３４５．６０", "2,345.60", "(2,345.60)"])
def test_full_width_digits_are_still_read(printed: str) -> None:
    assert abs(parse_figure(printed, SIGNS) or 0) == Decimal("2345.60")


def test_digits_of_another_script_are_no_figure() -> None:
    with pytest.raises(NumberFormatError):
        parse_figure("٢٣٤٥", SIGNS)


@pytest.mark.parametrize(("printed", "read"), [("28 1", None), ("2 34 5.60", None), ("2345 .60", None),
                                              ("8 3630.87", None), ("23 456.00", "23456.00"),
                                              ("1 234 567", "1234567"), ("(23 45.60)", None)])
def test_digits_split_by_a_space_are_read_only_in_groups_of_three(tmp_path: Path, printed: str,
                                                                  read: str | None) -> None:
    """Tester BF F4 (2026-12-07): `28 1` (two numbers run together) was read as 281, `8 3630.87` as
    83630.87: a space between digits other than between groups of three refuses the figure."""
    path = daily_workbook(tmp_path / "spaced.xlsx")
    book = openpyxl.load_workbook(path)
    book["网点经营日报"]["B5"] = printed
    book.save(path)
    if read is None:
        with pytest.raises(UnreadableFigure) as caught:
            extract_file(path, load_spec("branch_daily", SPECS))
        assert "网点经营日报!B5" in str(caught.value) and "数字中间有空格" in str(caught.value)
        return
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(read) * 10000

