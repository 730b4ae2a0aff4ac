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
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import UnreadableFigure

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
ROWS: list[tuple[str, float, float, float]] = [
    ("储蓄存款余额", 2345.6, 1.2, 45.6), ("个人金融资产余额", 3456.7, -2.3, 123.4),
    ("个人贷款余额", 456.7, 0.6, 7.8), ("对公贷款余额", 567.8, 0.0, 10.0),
    ("普惠贷款余额", 67.8, 0.1, 5.5), ("客户数", 777, 7, 30), ("新增客户数", 7, 1, 30),
    ("中间业务收入", 2.34, 0.05, 34.5), ("对公账户开户数", 2, 1, 12)]


def _workbook(tmp_path: Path, unit_line: str, below: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    for row in (["网点经营日报"], ["机构：110101 东城支行", None, "数据日期：2026-12-04"], [unit_line],
                ["项目", "本日", "较上日", "较年初"], *(list(r) for r in ROWS), *([t] for t in below)):
        ws.append(row)
    path = tmp_path / "currency.xlsx"
    book.save(path)
    return path


def _ruled_pdf(tmp_path: Path, footnote: str) -> Path:
    """A ruled table under its heading lines, `footnote` under the table."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "currency.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    top = A4[1] - 130
    canvas.setFont("STSong-Light", 10)
    heading = [(60, "网点经营日报"), (80, "机构：110101 东城支行  数据日期：2026-12-04"), (100, "单位：万元")]
    for y, text in heading:
        canvas.drawString(60, A4[1] - y, text)
    columns = [60, 220, 320, 420, 520]
    rows = [("项目", "本日", "较上日", "较年初"), *((r[0], *(str(v) for v in r[1:])) for r in ROWS)]
    for index, row in enumerate(rows):
        y = top - 20 * index
        for x, text in zip(columns, row, strict=False):
            canvas.drawString(x + 4, y - 14, text)
    bottom = top - 20 * len(rows)
    for index in range(len(rows) + 1):
        canvas.line(columns[0], top - 20 * index, columns[-1], top - 20 * index)
    for x in columns:
        canvas.line(x, top, x, bottom)
    canvas.drawString(60, bottom - 25, footnote)
    canvas.showPage()
    canvas.save()
    return path


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
    assert extraction.figures[0].value_yuan == Decimal("23456000")


def test_a_renminbi_pdf_is_read(tmp_path: Path) -> None:
    extraction = extract_file(_ruled_pdf(tmp_path, "注：本表币种为人民币"), load_spec("branch_daily", SPECS))
    assert extraction.figures[0].value_yuan == Decimal("23456000")


@pytest.mark.timeout(120)
def test_rpa_extract_exits_1_for_a_dollar_report(tmp_path: Path) -> None:
    path = _workbook(tmp_path, "币种：美元　单位：万元")
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "写币种为“美元”" in done.stderr and '"ok": true' not in done.stdout
