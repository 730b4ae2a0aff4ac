"""A header printed a second time, and a second table of the same kind, never give a figure
read under titles that are not printed above it.

A header met again (lower in a sheet, atop a PDF page the table continues onto) is a repeat only
with the same titles in the same order; in another order it refuses the file naming both. Two
tables with the same header and labels on one PDF page refuse the file as the same two tables in
one worksheet do: a label appearing twice. Every file is written here by hand (openpyxl,
reportlab); the places expected are worked out from the layouts written below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from flows.report_extraction import extract_file, load_spec
from rpa.errors import DuplicateHeader
from tests.hand_reports import daily_workbook, titled_sheet

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
HEAD = ["项目", "单位", "本日", "较上日", "较年初"]
SWAPPED = ["项目", "单位", "较上日", "本日", "较年初"]
# label, unit, 本日, 较上日, 较年初 as the branch's system prints them
ROWS = [["储蓄存款余额", "万元", "12,345.67", "12.30", "456.70"],
        ["个人金融资产余额", "万元", "23,456.78", "-23.40", "1,234.50"],
        ["个人贷款余额", "万元", "3,456.78", "5.60", "78.90"],
        ["对公贷款余额", "万元", "4,567.89", "0.00", "100.00"],
        ["普惠贷款余额", "万元", "567.89", "1.10", "50.50"],
        ["客户数", "户", "8,888", "8", "300"],
        ["新增客户数", "户", "8", "1", "300"],
        ["中间业务收入", "万元", "12.34", "0.50", "345.67"],
        ["对公账户开户数", "个", "3", "1", "120"]]
HEADING = ["网点经营日报", "机构：110101 东城支行", "数据日期：2026-12-04", "单位：万元"]


def _swap(row: list[str]) -> list[str]:
    """A row laid out under SWAPPED: 较上日 before 本日."""
    return [row[0], row[1], row[3], row[2], row[4]]


def _xlsx(tmp_path: Path, second_header: list[str]) -> Path:
    """Rows 1-4 the heading, row 5 HEAD, rows 6-10 the first five metrics, row 11 blank,
    row 12 `second_header`, rows 13-16 the other four laid out under it."""
    book, ws = titled_sheet("网点经营日报", HEADING)
    ws.append(HEAD)
    for row in ROWS[:5]:
        ws.append(row)
    ws.append([])
    ws.append(second_header)
    for row in ROWS[5:]:
        ws.append(row if second_header == HEAD else _swap(row))
    path = tmp_path / "daily.xlsx"
    book.save(path)
    return path


def _table(data: list[list[str]], size: int = 9, widths: list[int] | None = None) -> Table:
    table = Table(data, colWidths=widths)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("FONTSIZE", (0, 0), (-1, -1), size),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def _pdf(path: Path, heading: list[str], body: list[object], *, wide: bool = False) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("p", fontName="STSong-Light", fontSize=10, leading=14)
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4) if wide else A4)
    doc.build([Paragraph(text, style) for text in heading] + body)  # type: ignore[arg-type]
    return path


def test_a_header_repeated_lower_in_a_sheet_in_another_order_refuses_naming_both(tmp_path: Path) -> None:
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(_xlsx(tmp_path, SWAPPED), load_spec("branch_daily", SPECS))
    message = str(caught.value)
    assert "网点经营日报!A12" in message and "网点经营日报!A5" in message
    assert "项目|单位|较上日|本日|较年初" in message and "项目|单位|本日|较上日|较年初" in message
    assert len(message.splitlines()) == 1


def test_the_same_header_repeated_lower_in_a_sheet_is_passed_over_and_said(tmp_path: Path) -> None:
    extraction = extract_file(_xlsx(tmp_path, HEAD), load_spec("branch_daily", SPECS))
    today = {f.metric: f for f in extraction.figures if f.column == "本日"}
    assert today["客户数"].value_yuan == 8888 and today["客户数"].provenance.cell == "C13"
    assert today["中间业务收入"].value_yuan == 123400
    assert any(n.startswith("略过的重复表头 A12") for n in extraction.notes)


def test_a_pdf_page_with_its_header_in_another_order_refuses_naming_the_pages(tmp_path: Path) -> None:
    """Page 1: HEAD and five metrics; page 2: its own header SWAPPED and the other four under
    it, the columns as wide as page 1's. Read under page 1's titles, 客户数 本日 would be 8."""
    widths = [110, 40, 80, 80, 80]
    first = _table([HEAD, *ROWS[:5]], widths=widths)
    second = _table([SWAPPED, *map(_swap, ROWS[5:])], widths=widths)
    path = _pdf(tmp_path / "daily.pdf", HEADING, [first, PageBreak(), second])
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    message = str(caught.value)
    assert "第2页 又有一行表头“项目|单位|较上日|本日|较年初”" in message and "（第1页）" in message
    run = subprocess.run([sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "第2页 又有一行表头" in run.stderr


def test_two_tables_of_one_header_on_a_pdf_page_refuse_as_in_a_sheet(tmp_path: Path) -> None:
    """An appendix (上月同日, every money figure 1,000.00) above the report's own table: the
    first table is not taken for the report; 储蓄存款余额 is met twice on page 1."""
    appendix = [[r[0], r[1], "1,000.00" if r[1] == "万元" else "10", "1.00", "2.00"] for r in ROWS]
    body = [Paragraph("附表：上月同日", ParagraphStyle("p", fontName="STSong-Light", fontSize=10)),
            _table([HEAD, *appendix]), Spacer(1, 20), _table([HEAD, *ROWS])]
    path = _pdf(tmp_path / "daily.pdf", HEADING, body)
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    message = str(caught.value)
    assert "行标签“储蓄存款余额”出现两次" in message and message.count("第1页") == 2


def test_two_summary_tables_on_a_pdf_page_refuse_naming_the_branch(tmp_path: Path) -> None:
    metrics = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额",
               "客户数", "新增客户数", "中间业务收入", "对公账户开户数"]

    def table(scale: int) -> Table:
        rows = [["110101", "东城支行", *[f"{scale * 10:.2f}"] * 5, str(scale), "1", "1.00", "1"],
                ["110102", "西城支行", *[f"{scale * 20:.2f}"] * 5, str(scale), "1", "1.00", "1"]]
        total = ["合计", "", *[f"{scale * 30:.2f}"] * 5, str(2 * scale), "2", "2.00", "2"]
        return _table([["机构代码", "机构名称", *metrics], *rows, total], size=6)

    path = _pdf(tmp_path / "summary.pdf", ["分行汇总日报", "数据日期：2026-12-04", "单位：万元、户、个"],
                [table(1), Spacer(1, 20), table(2)], wide=True)
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, load_spec("summary_daily", SPECS))
    assert "机构 110101 的行出现两次" in str(caught.value) and str(caught.value).count("第1页") == 2


def test_a_small_table_of_another_kind_beside_the_report_is_not_joined(tmp_path: Path) -> None:
    """A sign-off box (制表 / 复核) on the page is not the report's table and changes nothing."""
    body = [_table([HEAD, *ROWS]), Spacer(1, 20), _table([["制表", "张三", "复核", "李四"]])]
    extraction = extract_file(_pdf(tmp_path / "daily.pdf", HEADING, body), load_spec("branch_daily", SPECS))
    today = {f.metric: f.value_yuan for f in extraction.figures if f.column == "本日"}
    assert today["储蓄存款余额"] == 123456700 and today["客户数"] == 8888


def test_a_merged_header_over_two_columns_is_named_once_as_merged(tmp_path: Path) -> None:
    """Tester AT of 2026-12-07 (F5): 本日 merged over B4:C4 was refused as “本日”出现两次 naming B4
    twice; refused still (which column is 本日's cannot be told), but said as what it is."""
    path = daily_workbook(tmp_path / "merged.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["网点经营日报"]
    sheet.insert_rows(5)
    sheet["B5"], sheet["C5"], sheet["C4"] = "日均", "余额", None
    sheet.merge_cells("B4:C4")
    book.save(path)
    with pytest.raises(DuplicateHeader) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    said = str(caught.value)
    assert "网点经营日报!B4）是合并单元格，跨 2 列，不知读哪一列" in said and "出现两次" not in said, said
