"""A report from which not one figure can be read is refused, never passed as an empty report.

The figures of a partly scanned PDF (heading and labels as text, the figures a pasted picture)
and a workbook whose every figure cell is blank are written here by hand with reportlab and
openpyxl, the way the finding describes them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import extract_file, load_spec
from rpa.errors import ExtractionError

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
LABELS = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额", "客户数",
          "新增客户数", "中间业务收入", "对公账户开户数"]


def _blank_workbook(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    for row in (["网点经营日报"], ["机构：110101 东城支行", None, "数据日期：2026-12-04"], ["单位：万元"],
                ["项目", "本日", "较上日", "较年初"], *([label] for label in LABELS)):
        ws.append(row)
    path = tmp_path / "blank.xlsx"
    book.save(path)
    return path


def _figures_as_image(tmp_path: Path) -> Path:
    """Heading, header and labels as text; where the figures are, a grey picture of them."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    picture = tmp_path / "figures.png"
    Image.new("RGB", (300, 240), (200, 200, 200)).save(picture)
    path = tmp_path / "image.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    height = A4[1]
    canvas.setFont("STSong-Light", 11)
    for x, y, text in [(60, 60, "网点经营日报"), (60, 85, "机构：110101 东城支行"),
                       (300, 85, "数据日期：2026-12-04"), (60, 110, "单位：万元"), (60, 140, "项目"),
                       (250, 140, "本日"), (350, 140, "较上日"), (450, 140, "较年初")]:
        canvas.drawString(x, height - y, text)
    for index, label in enumerate(LABELS):
        canvas.drawString(60, height - 165 - 22 * index, label)
    canvas.drawImage(str(picture), 240, height - 165 - 22 * len(LABELS), width=280, height=22 * len(LABELS))
    canvas.showPage()
    canvas.save()
    return path


@pytest.mark.parametrize("build", [_blank_workbook, _figures_as_image])
def test_a_report_without_one_figure_is_refused(tmp_path: Path, build: object) -> None:
    path = build(tmp_path)  # type: ignore[operator]
    with pytest.raises(ExtractionError) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert f"{path.name}: 报表上一个数字也没有读到" in str(caught.value)


@pytest.mark.timeout(120)
def test_rpa_extract_exits_1_for_a_report_without_figures(tmp_path: Path) -> None:
    path = _blank_workbook(tmp_path)
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "blank.xlsx: 报表上一个数字也没有读到" in done.stderr and '"ok": true' not in done.stdout
