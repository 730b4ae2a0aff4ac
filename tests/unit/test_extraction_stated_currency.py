"""A report that states a currency other than 人民币 is refused, never read as 元.

`币种：美元` beside the unit, a line `币种：USD`, a footnote `注：本表币种为美元`, in a workbook
or a PDF: the figures are no 人民币 元, so the file is refused naming where the currency is
stated. `币种：人民币` is read as any other report.

Every workbook and PDF is written here by hand with openpyxl and reportlab.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, daily_workbook, edit_cells, ruled_pdf

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"


def _workbook(tmp_path: Path, unit_line: str, below: tuple[str, ...] = ()) -> Path:
    return daily_workbook(tmp_path / "currency.xlsx", (*HEADING[:2], unit_line), below)


def _ruled_pdf(tmp_path: Path, footnote: str) -> Path:
    return ruled_pdf(tmp_path / "currency.pdf", below=(footnote,))


@pytest.mark.parametrize(("unit_line", "below", "said"), [
    ("币种：美元　单位：万元", (), "表外文字 A3 写币种为“美元”"),
    ("币种：USD　单位：万元", (), "表外文字 A3 写币种为“USD”"),
    ("单位：万元", ("币种：港币",), "A14 写币种为“港币”"),
    ("单位：万元", ("注：本表币种为美元",), "脚注 A14 写币种为“美元”"),
    # tester BK F29 (2026-12-07): bilingual labels and a report said to be in 外币 read as RMB
    ("币种 Currency：USD　单位：万元", (), "表外文字 A3 写币种为“USD”"),
    ("币种(Currency): USD　单位：万元", (), "表外文字 A3 写币种为“USD”"),
    ("Currency: USD　单位：万元", (), "表外文字 A3 写币种为“USD”"),
    ("单位：万元", ("注：本表为外币业务报表，金额单位为万元",), "脚注 A14 写“本表为外币业务报表"),
    ("外币（折美元）　单位：万元", (), "表外文字 A3 写“外币(折美元)”"),
])
def test_a_workbook_stating_another_currency_is_refused_naming_where(
        tmp_path: Path, unit_line: str, below: tuple[str, ...], said: str) -> None:
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(_workbook(tmp_path, unit_line, below), load_spec("branch_daily", SPECS))
    assert said in str(caught.value) and "不是人民币" in str(caught.value)


def test_a_pdf_footnote_stating_another_currency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(_ruled_pdf(tmp_path, "注：本表币种为美元"), load_spec("branch_daily", SPECS))
    assert "脚注 第1页表外文字 写币种为“美元”，不是人民币" in str(caught.value)


@pytest.mark.parametrize("unit_line", ["币种：人民币　单位：万元", "币种：RMB　单位：万元", "单位：万元"])
def test_a_report_in_renminbi_is_read(tmp_path: Path, unit_line: str) -> None:
    extraction = extract_file(_workbook(tmp_path, unit_line), load_spec("branch_daily", SPECS))
    assert extraction.figures[0].value_yuan == Decimal(FIRST_YUAN)


def test_a_renminbi_pdf_is_read(tmp_path: Path) -> None:
    extraction = extract_file(_ruled_pdf(tmp_path, "注：本表币种为人民币"), load_spec("branch_daily", SPECS))
    assert extraction.figures[0].value_yuan == Decimal(FIRST_YUAN)


@pytest.mark.timeout(120)
def test_rpa_extract_exits_1_for_a_dollar_report(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "币种：美元　单位：万元")
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "写币种为“美元”" in done.stderr and '"ok": true' not in done.stdout


def _with_cells(path: Path, cells: dict[str, object], formats: dict[str, str] | None = None) -> Path:
    """The workbook with cells written (E4 a 币种 header, E5 its row's currency) and formats set."""
    return edit_cells(path, cells, formats)


@pytest.mark.parametrize(("head", "currency"), [("币种", "美元"), ("币种", "USD"), ("货币", "港币")])
def test_a_currency_column_saying_another_currency_on_a_row_read_is_refused(
        tmp_path: Path, head: str, currency: str) -> None:
    path = _with_cells(_workbook(tmp_path, "单位：万元"), {"E4": head, "E5": currency})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert f"网点经营日报!E5：储蓄存款余额 本日 这一行的{head}列写“{currency}”，不是人民币" in said


@pytest.mark.parametrize("currency", ["人民币", "CNY", "RMB", "本币", None])
def test_a_currency_column_saying_renminbi_is_read(tmp_path: Path, currency: str | None) -> None:
    path = _with_cells(_workbook(tmp_path, "单位：万元"), {"E4": "币种", "E5": currency})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize(("number_format", "shown"), [
    ('"US$"#,##0.00', "US$"), ("$#,##0.00", "$"), ("[$€-407]#,##0.00", "€"), ('#,##0.00"美元"', "美元"),
    ("[$¥-411]#,##0", "¥（日元）"), ("[$HKD] #,##0.00", "HKD")])
def test_a_number_format_showing_another_currency_is_refused(tmp_path: Path, number_format: str,
                                                             shown: str) -> None:
    path = _with_cells(_workbook(tmp_path, "单位：万元"), {}, {"B5": number_format})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert "网点经营日报!B5" in str(caught.value) and f"显示币种“{shown}”，不是人民币" in str(caught.value)


@pytest.mark.parametrize("number_format", ['"¥"#,##0.00', "[$¥-804]#,##0.00", "￥#,##0.00", '"CNY "#,##0.00'])
def test_a_number_format_showing_renminbi_is_read(tmp_path: Path, number_format: str) -> None:
    path = _with_cells(_workbook(tmp_path, "单位：万元"), {}, {"B5": number_format})
    extraction = extract_file(path, load_spec("branch_daily", SPECS))
    assert extraction.value("储蓄存款余额", "本日", "110101") == Decimal(FIRST_YUAN)


@pytest.mark.parametrize("code", ["01", "156"])
def test_the_core_banking_code_of_renminbi_in_a_currency_column_is_read(tmp_path: Path, code: str) -> None:
    """A 币种 column writing 人民币 as the core system's code (01, or ISO 4217's 156) is 人民币."""
    path = daily_workbook(tmp_path / "d.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["E4"] = "币种"
    for row in range(5, 14):
        sheet.cell(row=row, column=5, value=code)
    book.save(path)
    assert extract_file(path, load_spec("branch_daily", SPECS)).figures
