"""What an xlsx cell prints beyond its stored value: a formula's saved result against what it
computes (flows.report_extraction.xlsx_formulas; Excel and WPS compute formulas again on opening,
tester BO F3, 2026-12-08: `=80000+3630.87` saved as 99,999.99 was read), and a heading centred
across cells (跨列居中), which prints as a merged one (BO F13)."""

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


def test_a_heading_centred_across_cells_is_read_as_a_merged_one(tmp_path: Path) -> None:
    """Tester BO F13 (2026-12-08): 存款与资产（万元） centred across C4:D4 (跨列居中) instead of merged
    prints the same, yet D's figures were refused as stating no unit."""
    import io
    from datetime import date

    from openpyxl.styles import Alignment

    from fixtures.reports.generate import build_report

    book = openpyxl.load_workbook(io.BytesIO(build_report("summary_daily", date(2026, 11, 27), None, "xlsx")))
    sheet = book.active
    assert sheet is not None
    sheet.unmerge_cells("C4:D4")
    for ref in ("C4", "D4"):
        sheet[ref].alignment = Alignment(horizontal="centerContinuous")
    path = tmp_path / "centred.xlsx"
    book.save(path)
    spec = load_spec("summary_daily", PROJECT_ROOT / "config" / "specs")
    extraction = extract_file(path, spec)
    assert extraction.value("个人金融资产余额", "本日", "110101") == Decimal("5930283100")  # 593,028.31 万元
    sheet["D4"].value = "（元）"  # a text of its own: D's own heading, C's centred text stops at it
    book.save(path)
    assert extract_file(path, spec).value("个人金融资产余额", "本日", "110101") == Decimal("593028.31")
