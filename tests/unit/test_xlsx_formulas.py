"""A formula's saved result against what it computes (flows.report_extraction.xlsx_formulas):
Excel and WPS compute formulas again on opening, so a saved result that differs is not what
prints (tester BO F3, 2026-12-08: `=80000+3630.87` saved as 99,999.99 was read)."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.xlsx_formulas import evaluate, stale_results
from rpa.errors import UnreadableFigure
from rpa.settings import PROJECT_ROOT
from tests.hand_reports import daily_workbook

CELLS = {"B5": 2345.6, "B6": 100, "B7": None, "C5": "文字"}


@pytest.mark.parametrize(("formula", "value"), [
    ("=80000+3630.87", Decimal("83630.87")),
    ("=B5*10000", Decimal("23456000.0")),
    ("=$B$5-B6", Decimal("2245.6")),
    ("=SUM(B5:B7)", Decimal("2445.6")),  # an empty cell counts 0
    ("=sum(B5, B6, 4)/2", Decimal("1224.8")),
    ("=-(B6+1)", Decimal("-101")),
    ("=B5/0", None),
    ("=C5+1", None),  # text
    ("=Sheet2!B5", None),  # another sheet
    ("=ROUND(B5,0)", None),  # a function not computed here
    ("=B5^2", None),
    ("=SUM(A1:ZZ9999)", None),  # too many cells
    ("", None),
])
def test_simple_formulas_are_computed_and_others_are_not(formula: str, value: Decimal | None) -> None:
    assert evaluate(formula, CELLS.get) == value


def test_only_a_result_another_number_than_the_formula_s_is_stale() -> None:
    formulas = {"D5": "=B5+B6", "D6": "=B5+B6", "D7": "=ROUND(B5,0)", "D8": "=B6"}
    saved = {"D5": 2445.6, "D6": 2445.604, "D7": 1, "D8": 99}
    assert stale_results(formulas, saved, CELLS.get) == [("D8", "=B6", Decimal("100"), 99)]


def test_a_figure_whose_saved_result_is_not_its_formula_s_is_refused(tmp_path: Path) -> None:
    path = daily_workbook(tmp_path / "formula.xlsx")
    book = openpyxl.load_workbook(path)
    book["网点经营日报"]["B5"] = "=2000+345.6"
    book.save(path)
    _save_result(path, "B5", "9999.99")
    stale = re.escape("B5 的公式 =2000+345.6 算得 2345.6，文件中保存的结果却是 9999.99")
    with pytest.raises(UnreadableFigure, match=stale):
        extract_file(path, load_spec("branch_daily", PROJECT_ROOT / "config" / "specs"))
    _save_result(path, "B5", "2345.6")
    extraction = extract_file(path, load_spec("branch_daily", PROJECT_ROOT / "config" / "specs"))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal("23456000")


def _save_result(path: Path, ref: str, value: str) -> None:
    """Write `value` as the saved result of the formula in `ref` (openpyxl saves none)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    xml = parts[name].decode()
    xml = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?', rf"\1\2<v>{value}</v>", xml)
    parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
