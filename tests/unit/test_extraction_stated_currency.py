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

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure
from tests.hand_reports import FIRST_YUAN, HEADING, daily_workbook, ruled_pdf

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
