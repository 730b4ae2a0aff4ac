"""A refused report says why in Chinese, naming the place: file, sheet or page, cell or label.

Every bad report here is written by hand (openpyxl cell by cell, reportlab for PDF) with the
expected place worked out from the layout written below, not from the extraction's code."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from flows.report_extraction.collect import Collected
from flows.report_extraction.consolidate import write_consolidated
from flows.report_extraction.number_formats import shown_problem
from flows.report_extraction.scorecard import load_scorecard_config, score_branches
from flows.report_extraction.work_items import ReportItem
from rpa.errors import (
    DuplicateHeader,
    ExtractionError,
    InputFileError,
    LabelNotFound,
    MissingUnicodeMap,
    RpaError,
    ScannedPdf,
    UnreadableFigure,
)

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
# 网点经营日报 rows as a branch's core system prints them
ROWS = [("储蓄存款余额", "8,812.40"), ("个人金融资产余额", "15,230.00"), ("个人贷款余额", "6,120.55"),
        ("对公贷款余额", "9,004.10"), ("普惠贷款余额", "1,350.00"), ("中间业务收入", "42.18"),
        ("客户数", "2,311"), ("新增客户数", "7"), ("对公账户开户数", "3")]
# three or more English words in a row: a sentence a clerk cannot be expected to read
ENGLISH = re.compile(r"[A-Za-z]+(?:[ ,;:'()-]+[A-Za-z]+){2,}")


def _spec(name: str = "branch_daily") -> ExtractionSpec:
    return load_spec(name, SPECS)


def _daily(tmp_path: Path, *, drop: tuple[str, ...] = (), extra: list[list[object]] | None = None,
           header: list[str] | None = None, lines: list[str] | None = None,
           sheet: str = "网点经营日报", name: str = "daily.xlsx") -> Path:
    """Row 1 title, row 2 机构, row 3 单位, row 4 the header, rows 5.. the metrics (A label,
    B 本日, C 较上日, D 较年初), then `extra` rows."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for text in lines if lines is not None else ["网点经营日报", "机构：110102 西城支行", "单位：万元"]:
        ws.append([text])
    ws.append(header or ["项目", "本日", "较上日", "较年初"])
    for label, value in ROWS:
        if label not in drop:
            ws.append([label, value, "1.00", "2.00"])
    for row in extra or []:
        ws.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _refusal(path: Path, spec: ExtractionSpec | None = None, **kwargs: str) -> RpaError:
    with pytest.raises(RpaError) as caught:
        extract_file(path, spec or _spec(), **kwargs)
    return caught.value


def _pdf(tmp_path: Path, texts: list[tuple[float, float, str]], *, name: str = "daily.pdf") -> Path:
    """One A4 page with each (x, y-from-top, text) drawn in the CJK font; no text: a blank page."""
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setFont("STSong-Light", 11)
    width, height = A4
    for x, top, text in texts:
        canvas.drawString(x, height - top, text)
    if not texts:  # a scan: a grey rectangle, no characters
        canvas.setFillGray(0.5)
        canvas.rect(50, 50, width - 100, height - 100, fill=1)
    canvas.showPage()
    canvas.save()
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def test_a_missing_row_label_is_named_with_the_branch_and_the_nearest_labels(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, drop=("普惠贷款余额",)))
    assert isinstance(error, LabelNotFound) and error.code == "label_not_found"
    assert str(error).startswith("daily.xlsx：找不到行标签“普惠贷款余额”（机构 110102）")
    assert "相近的行标签：" in str(error) and "贷款余额" in str(error).split("相近的行标签：")[1]


def test_two_missing_row_labels_give_one_line_each(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, drop=("普惠贷款余额", "客户数")))
    lines = str(error).splitlines()
    assert len(lines) == 2
    assert "找不到行标签“普惠贷款余额”" in lines[0] and "找不到行标签“客户数”" in lines[1]


def test_a_missing_column_header_is_named(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, header=["项目", "本日", "较上日", "备注"]))
    assert isinstance(error, LabelNotFound)
    assert "daily.xlsx：找不到列标题“较年初”" in str(error)
    assert "（报表改用了别的名称时，可写进规格 branch_daily 的 aliases）" in str(error)  # tester BO F14


def test_a_missing_table_header_names_the_label_column(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, header=["科目", "本日", "较上日", "较年初"]))
    assert isinstance(error, LabelNotFound) and "找不到表头“项目”" in str(error)


@pytest.mark.parametrize("title", ["附：上月同期数", "附：西城支行同期数", "附表二 上月同期", "附1：上月数"])
def test_a_row_missing_from_the_table_is_not_taken_from_another_table_below(tmp_path: Path,
                                                                           title: str) -> None:
    """Tester BO F1 (2026-12-08): the day's 中间业务收入 row missing, the figure was read from a
    row under `附：上月同期数` (or another branch's 同期数) below the footnotes, exit 0."""
    below = [["注：1. 金额单位为万元。"], [title], ["项目", "本日", "较上日", "较年初"],
             ["中间业务收入", "9.99", "1.11", "2.22"]]
    error = _refusal(_daily(tmp_path, drop=("中间业务收入",), extra=below))
    assert isinstance(error, LabelNotFound), error
    assert "找不到行标签“中间业务收入”（机构 110102）" in str(error)
    assert "；表格下方 A14“附" in str(error) and "”起是另一张表，其中的行不读" in str(error), error
    whole = extract_file(_daily(tmp_path, extra=below, name="whole.xlsx"), _spec())  # the day's own row
    assert [f.raw for f in whole.figures if (f.metric, f.column) == ("中间业务收入", "本日")] != ["9.99"]
    assert any(note.startswith("另一张表 A15 附") for note in whole.notes), whole.notes


def test_a_footnote_that_names_an_appendix_is_no_other_table(tmp_path: Path) -> None:
    """附注 is a footnote, not another table: the rows under it are read as before."""
    path = _daily(tmp_path, extra=[["附注：本表数据截至日终。"]])
    assert not any(note.startswith("另一张表") for note in extract_file(path, _spec()).notes)


@pytest.mark.parametrize(("where", "text", "said"), [
    ("header", "机构：110101 东城支行", "报表的机构前后不一：机构行 页眉 写 110101"),
    ("footer", "报表日期：2026-12-02", "报表上印了两个不同的日期：页脚 写 2026-12-02"),
    ("tab", "东城支行", "工作表名“东城支行” 的“东城支行”写的是110101"),
    ("header", '&"宋体,常规"&12机密 &D 第&P页', None),  # the print date and page are no report's day
])
def test_a_page_header_footer_or_tab_naming_another_branch_or_day_refuses_the_file(
        tmp_path: Path, where: str, text: str, said: str | None) -> None:
    """Tester BO F7/F8 (2026-12-08): the page header printed 110102 西城支行 over A2's 110101, the
    footer another day, the tab another branch: each was read with exit 0, unseen."""
    lines = ["网点经营日报", "机构：110102 西城支行", "报表日期：2026-12-03", "单位：万元"]
    path = _daily(tmp_path, lines=lines)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    if where == "tab":
        sheet.title = text
    else:
        (sheet.oddHeader if where == "header" else sheet.oddFooter).center.text = text
    book.save(path)
    if said is None:
        assert extract_file(path, _spec()).report_date == "2026-12-03"
    else:
        assert said in str(_refusal(path))


def test_a_row_label_found_twice_names_both_cells(tmp_path: Path) -> None:
    # rows 5.. hold the nine metrics (A5..A13); the repeat is row 14
    error = _refusal(_daily(tmp_path, extra=[["储蓄存款余额", "1.00", "1.00", "1.00"]]))
    assert isinstance(error, DuplicateHeader) and error.code == "duplicate_header"
    assert "行标签“储蓄存款余额”出现两次" in str(error)
    assert "网点经营日报!A5" in str(error) and "网点经营日报!A14" in str(error)


def test_a_hidden_row_is_not_read_and_is_said(tmp_path: Path) -> None:
    """A person sees row 5's 储蓄存款余额, not the hidden row 14 of the same label: the figure is
    row 5's, and the extraction's notes name the hidden row, never passing over it in silence."""
    path = _daily(tmp_path, extra=[["储蓄存款余额", "999.00", "9.00", "9.00"]])
    book = openpyxl.load_workbook(path)
    book["网点经营日报"].row_dimensions[14].hidden = True
    book.save(path)
    extraction = extract_file(path, _spec())
    savings = [f for f in extraction.figures if f.metric == "储蓄存款余额" and f.column == "本日"]
    assert [f.provenance.cell for f in savings] == ["B5"]
    assert any(n.startswith("略过的隐藏行") and "A14" in n and "储蓄存款余额" in n for n in extraction.notes)


def test_a_row_label_only_in_a_hidden_row_is_refused_naming_that_row(tmp_path: Path) -> None:
    """Tester BO F10 (2026-12-08): the only 储蓄存款余额 row hidden (or filtered out) was refused as
    a label not found, nothing said of the hidden row or what to do."""
    path = _daily(tmp_path)
    book = openpyxl.load_workbook(path)
    book["网点经营日报"].row_dimensions[5].hidden = True
    book.save(path)
    error = _refusal(path)
    assert isinstance(error, LabelNotFound)
    assert "找不到行标签“储蓄存款余额”（机构 110102）" in str(error)
    assert "；隐藏行 A5 储蓄存款余额：请取消隐藏（或筛选、折叠）后重新报送" in str(error), error


@pytest.mark.parametrize("hidden_by", ["flag", "size"])
def test_a_hidden_heading_line_and_a_hidden_column_are_not_read_and_are_said(tmp_path: Path,
                                                                             hidden_by: str) -> None:
    """W6: a hidden line above the table (a unit a person never sees) and a hidden column beside
    本日 (another 口径) are not read, and the notes name each, as they name a hidden body row. So
    are a row under 1 pt high and a column almost 0 wide without the flag (tester BF F13,
    2026-12-07: read as shown; openpyxl leaves a 0 out of the file, so 0.5 and 0.1 here)."""
    lines = ["网点经营日报", "机构：110102 西城支行", "单位：万元", "内部口径：本表单位为元"]
    path = _daily(tmp_path, lines=lines)
    book = openpyxl.load_workbook(path)
    ws = book["网点经营日报"]
    ws["E5"], ws["E6"] = "本日（旧口径）", 123456.0
    if hidden_by == "flag":
        ws.row_dimensions[4].hidden = ws.column_dimensions["E"].hidden = True
    else:
        ws.row_dimensions[4].height, ws.column_dimensions["E"].width = 0.5, 0.1
    book.save(path)
    extraction = extract_file(path, _spec())
    savings = next(f for f in extraction.figures if (f.metric, f.column) == ("储蓄存款余额", "本日"))
    assert savings.provenance.cell == "B6" and savings.value_yuan == Decimal("88124000")  # 万元, not 元
    assert any(n.startswith("略过的隐藏行") and "A4" in n and "内部口径" in n for n in extraction.notes)
    assert "略过的隐藏列 E5 本日(旧口径)" in extraction.notes, extraction.notes  # the grid's NFKC text


def test_a_hidden_column_under_a_merged_heading_is_named_by_its_own_cells(tmp_path: Path) -> None:
    """A column hidden under a heading merged from a shown column (B1:C1) is named by a cell of
    its own, never by the shown column's anchor; one holding nothing of its own is not listed."""
    path = _daily(tmp_path, lines=["网点经营日报", "机构：110102 西城支行", "单位：万元"])
    book = openpyxl.load_workbook(path)
    ws = book["网点经营日报"]
    ws["E4"], ws["E5"] = "备注", "内部"
    ws.merge_cells("A1:F1")  # the title spans E, hidden, and F, hidden and empty
    for letter in "EF":
        ws.column_dimensions[letter].hidden = True
    book.save(path)
    notes = extract_file(path, _spec()).notes
    hidden = [n for n in notes if n.startswith("略过的隐藏列")]
    assert hidden == ["略过的隐藏列 E4 备注"], notes  # E's own header, not A1's title; F not at all


def test_a_hidden_row_passed_over_is_named_in_the_consolidated_workbook(tmp_path: Path) -> None:
    """The note reaches the clerk's record: consolidated.xlsx's 校验 lists it under 读取说明 with
    its file, and leaves out the blank rows and footnotes passed over (row 15 here is blank)."""
    extra: list[list[object]] = [["储蓄存款余额", "999.00", "9.00", "9.00"], [], ["普惠贷款余额", "7.00"]]
    path = _daily(tmp_path, extra=[*extra, ["注：单位万元"]])
    book = openpyxl.load_workbook(path)
    for row in (14, 16):
        book["网点经营日报"].row_dimensions[row].hidden = True
    book.save(path)
    collected = Collected("2026-11-27", ["xlsx"])
    item = ReportItem("branch_daily", "110102", "2026-11-27", "xlsx")
    collected.extractions[item] = extract_file(path, _spec())
    config = load_scorecard_config(ROOT / "config" / "scorecard.yaml")
    collected.units = {metric: "元" for indicator in config.indicators for metric in indicator.metrics}
    out = write_consolidated(tmp_path / "consolidated.xlsx", collected, score_branches({}, config),
                             branches=[], names={}, metrics=[])
    sheet = openpyxl.load_workbook(out)["校验"]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    start = rows.index(["读取说明（读到但未取数的内容，请核对）"])
    assert rows[start + 1] == ["序号", "文件", "说明"]
    listed = rows[start + 2:]
    assert [row[:2] for row in listed] == [[1, "daily.xlsx"], [2, "daily.xlsx"]], listed
    first = listed[0][2]
    assert first.startswith("略过的隐藏行") and "A14" in first and "储蓄存款余额" in first
    assert "A16" in listed[1][2] and "普惠贷款余额" in listed[1][2]
    assert not any("空行" in str(row) or "注释行" in str(row) for row in rows)


def test_a_column_header_found_twice_names_both_cells(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, header=["项目", "本日", "较上日", "较年初", "较上日"]))
    assert isinstance(error, DuplicateHeader)
    assert "列标题“较上日”出现两次" in str(error) and "!C4" in str(error) and "!E4" in str(error)


def test_a_figure_that_is_no_number_names_its_cell(tmp_path: Path) -> None:
    book_path = _daily(tmp_path)
    book = openpyxl.load_workbook(book_path)
    book["网点经营日报"]["B7"] = "6,12O.55"  # letter O typed for a zero in 个人贷款余额 本日
    book.save(book_path)
    error = _refusal(book_path)
    assert isinstance(error, UnreadableFigure) and error.code == "unreadable_figure"
    assert "网点经营日报!B7：个人贷款余额 本日：'6,12O.55' 不是数字：数字格只写数字" in str(error)  # BO F12


def test_a_formula_without_a_saved_value_names_its_cell(tmp_path: Path) -> None:
    book_path = _daily(tmp_path)
    book = openpyxl.load_workbook(book_path)
    book["网点经营日报"]["D5"] = "=B5-C5"  # openpyxl saves no computed value
    book.save(book_path)
    error = _refusal(book_path)
    assert isinstance(error, UnreadableFigure) and "工作表 网点经营日报：D5 是公式" in str(error)


def test_a_money_figure_without_a_unit_names_the_cell_and_the_spec(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, lines=["网点经营日报", "机构：110102 西城支行"]))
    assert isinstance(error, UnreadableFigure)
    # two lines above the header (row 3): 储蓄存款余额 本日 is B4
    assert "网点经营日报!B4: 储蓄存款余额 本日 是金额，报表却没有注明单位" in str(error)
    assert "规格 branch_daily" in str(error)


def test_no_sheet_of_the_report_names_the_sheets_seen(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, sheet="Sheet1", lines=["经营情况", "机构：110102", "单位：万元"]))
    assert isinstance(error, LabelNotFound)
    assert "找不到名为或标题为 “网点经营日报” 的可见工作表" in str(error) and "工作表：Sheet1" in str(error)


def test_an_unknown_branch_and_another_branch_are_refused_naming_the_line(tmp_path: Path) -> None:
    error = _refusal(_daily(tmp_path, lines=["网点经营日报", "机构：119999", "单位：万元"]))
    assert type(error) is ExtractionError and "机构 119999 不在 config/branches.yaml" in str(error)
    assert "机构行 A2" in str(error)
    error = _refusal(_daily(tmp_path, name="other.xlsx"), branch="110101")
    assert "other.xlsx: 报表的机构是 110102（机构行 A2），不是要的 110101" in str(error)


def test_a_blank_pdf_page_is_a_scan_named_by_its_page(tmp_path: Path) -> None:
    error = _refusal(_pdf(tmp_path, []))
    assert isinstance(error, ScannedPdf) and error.code == "scanned_pdf"
    assert str(error).startswith("daily.pdf，第1页：扫描件 PDF，没有文字层")


def test_a_pdf_without_the_title_names_the_page_and_the_title(tmp_path: Path) -> None:
    path = _pdf(tmp_path, [(60, 60, "对公客户月报"), (60, 100, "项目"), (200, 100, "本日"),
                           (60, 120, "储蓄存款余额"), (200, 120, "8,812.40")])
    error = _refusal(path)
    assert isinstance(error, LabelNotFound), error
    assert "daily.pdf，第1页：找不到标题“网点经营日报”" in str(error)


def test_a_font_without_a_unicode_map_names_the_page_and_the_font(tmp_path: Path) -> None:
    from fixtures.reports import build_report  # reportlab with a font stripped of its ToUnicode map

    path = tmp_path / "cid.pdf"
    path.write_bytes(build_report("branch_daily", date(2026, 3, 5), "110102", "pdf", variant="no_tounicode"))
    error = _refusal(path)
    assert isinstance(error, MissingUnicodeMap) and error.code == "missing_unicode_map"
    assert re.match(r"cid\.pdf，第1页：字体缺少 Unicode 映射，文字读出来是 \(cid:\d+\)（字体 ", str(error))


def test_a_file_that_is_no_workbook_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "daily.xlsx"
    path.write_bytes(b"<html>session expired</html>")
    error = _refusal(path)
    assert isinstance(error, InputFileError) and error.code == "input_unreadable"
    assert str(error).startswith("daily.xlsx 不是有效的 .xlsx 文件")


def _bad_inputs(tmp_path: Path) -> list[tuple[Path, dict[str, str]]]:
    from fixtures.reports import build_report  # the tree's own report generator, for the font case

    cid = tmp_path / "cid.pdf"
    cid.write_bytes(build_report("branch_daily", date(2026, 3, 5), "110102", "pdf", variant="no_tounicode"))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    return [
        (_daily(tmp_path, name="a.xlsx", drop=("普惠贷款余额", "客户数")), {}),
        (_daily(tmp_path, name="b.xlsx", header=["科目", "本日", "较上日", "较年初"]), {}),
        (_daily(tmp_path, name="c.xlsx", header=["项目", "本日", "较上日", "备注"]), {}),
        (_daily(tmp_path, name="d.xlsx", extra=[["储蓄存款余额", "1", "1", "1"]]), {}),
        (_daily(tmp_path, name="e.xlsx", header=["项目", "本日", "较上日", "较年初", "较上日"]), {}),
        (_daily(tmp_path, name="f.xlsx", lines=["网点经营日报", "机构：110102"]), {}),
        (_daily(tmp_path, name="g.xlsx", lines=["网点经营日报", "机构：119999", "单位：万元"]), {}),
        (_daily(tmp_path, name="h.xlsx", lines=["网点经营日报", "上级机构：110000", "单位：万元"]), {}),
        (_daily(tmp_path, name="i.xlsx", sheet="Sheet1", lines=["经营", "机构：110102", "单位：万元"]), {}),
        (_daily(tmp_path, name="j.xlsx", extra=[["客户数（户）", "1", "1", "1"]]), {}),
        (_daily(tmp_path, name="k.xlsx"), {"branch": "110101"}),
        (_pdf(tmp_path, [], name="scan.pdf"), {}),
        (_pdf(tmp_path, [(60, 60, "对公客户月报")], name="title.pdf"), {}),
        (cid, {}),
        (broken, {}),
        (tmp_path / "absent.xlsx", {}),
        (tmp_path / "report.csv", {}),
    ]


def test_no_refusal_message_is_an_english_sentence(tmp_path: Path) -> None:
    messages: list[str] = []
    for path, kwargs in _bad_inputs(tmp_path):
        with pytest.raises(RpaError) as caught:
            extract_file(path, _spec(), **kwargs)
        messages.append(str(caught.value).replace(str(tmp_path), "<tmp>"))  # the path is not the message
    assert len(messages) == 17
    english = [m for m in messages if ENGLISH.search(m)]
    assert not english, english
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)


def test_spec_loader_problems_are_chinese_one_line_each(tmp_path: Path) -> None:
    from rpa.errors import ConfigError

    text = (SPECS / "branch_daily.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(text.replace("unit: 万元", "unit: 万圆").replace(
        "layout: metrics_as_rows", "layout: metrics_as_rows\ncolour: red"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_spec("bad", tmp_path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and all("bad.yaml" in line for line in lines)
    assert any("的 unit：不认识的单位 '万圆'" in line for line in lines)
    assert any("的 colour：不认识的设置项" in line for line in lines)
    assert not any(ENGLISH.search(line.split("：", 1)[1]) for line in lines)


@pytest.mark.timeout(120)
def test_a_label_with_a_figure_run_into_it_is_said_so(tmp_path: Path) -> None:
    """Tester AE F4: full-width digits printed over their cell's edge into the label's read as
    “储蓄存款余额52”, and the refusal suggested only that the row was missing."""
    overflowed = ["储蓄存款余额５２", "，３４５．６７", "1.00", "2.00"]
    path = _daily(tmp_path, drop=("储蓄存款余额",), extra=[overflowed])
    with pytest.raises(LabelNotFound) as caught:
        extract_file(path, _spec())
    said = str(caught.value)
    assert "找不到行标签“储蓄存款余额”" in said
    assert "“储蓄存款余额52”像是行标签连着越出格子的数字" in said and "整份报表不读" in said  # as read


def test_rpa_extract_exits_1_with_a_line_per_reason_and_2_on_unreadable_input(tmp_path: Path) -> None:
    def run(path: Path, *more: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily", *more]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)

    refused = run(_daily(tmp_path, drop=("普惠贷款余额", "客户数")))
    assert refused.returncode == 1, refused.stderr
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and "Traceback" not in refused.stderr
    assert lines[0].startswith("错误：daily.xlsx：找不到行标签“普惠贷款余额”")
    assert lines[1].startswith("错误：daily.xlsx：找不到行标签“客户数”")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    unreadable = run(broken)
    assert unreadable.returncode == 2 and "broken.xlsx 不是有效的 .xlsx 文件" in unreadable.stderr
    fine = run(_daily(tmp_path, name="fine.xlsx",
                      lines=["网点经营日报（2026-12-03）", "机构：110102 西城支行", "单位：万元"]))
    assert fine.returncode == 0, fine.stderr
    bad_date = run(tmp_path / "fine.xlsx", "--date", "2026-13-05")
    assert bad_date.returncode == 2 and "--date 的值不是日期" in bad_date.stderr
    assert "Traceback" not in bad_date.stderr
    assert "储蓄存款余额" in fine.stdout and not ENGLISH.search(fine.stdout)
    # a figure quoted in a refusal is shown as the report has it, not masked like an account
    glued = run(_daily_with(tmp_path, {"B6": ("523456700元", "@")}, name="glued.xlsx"))
    assert glued.returncode == 1 and "'523456700元' 不是数字" in glued.stderr, glued.stderr


def test_only_a_report_refusal_shows_long_digit_runs_every_other_error_masks_them() -> None:
    from rpa.cli.common import error_exit

    shown, code = error_exit(UnreadableFigure("网点经营日报!B6：储蓄存款余额 本日：'523456700元' 不是数字"))
    assert "'523456700元'" in shown and code == 1
    masked, _ = error_exit(InputFileError("export.xlsx 第3行 账号 6228480012345678901 不对"))
    assert "6228480012345678901" not in masked and "***" in masked


COUNT_COLUMNS = frozenset({"客户数", "新增客户数", "对公账户开户数"})
SUMMARY_COLUMNS = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额",
                   "客户数", "新增客户数", "中间业务收入", "对公账户开户数"]


def _names_only_summary(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    """分行汇总日报 whose only branch column is 机构名称: row 3 the header, rows 4.. the branches,
    each with one figure in all nine columns (its whole part in the counts), then 合计."""
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "分行汇总日报"
    ws.append(["分行汇总日报"])
    ws.append(["单位：万元"])
    ws.append(["机构名称", *SUMMARY_COLUMNS])
    for name, value in rows:
        ws.append([name, *(value.split(".")[0] if column in COUNT_COLUMNS else value
                           for column in SUMMARY_COLUMNS)])
    path = tmp_path / "summary_names.xlsx"
    book.save(path)
    return path


def test_a_summary_with_names_only_reads_branches_the_branch_list_names_once(tmp_path: Path) -> None:
    path = _names_only_summary(tmp_path, [("东城支行", "10.00"), ("西 城 支 行", "20.50"), ("合计", "30.50")])
    extraction = extract_file(path, _spec("summary_daily"))
    savings = {f.branch: (f.value_yuan, f.branch_source)
               for f in extraction.figures if f.metric == "储蓄存款余额"}
    assert savings == {"110101": (100000, "机构名称 A4（按网点名单）"),
                       "110102": (205000, "机构名称 A5（按网点名单）"),
                       "合计": (305000, "机构名称 A6（按网点名单）")}
    assert extraction.ok


def test_a_summary_with_names_only_refuses_a_name_not_in_the_list_or_listed_twice(tmp_path: Path) -> None:
    path = _names_only_summary(tmp_path, [("东城支行", "10.00"), ("西山支行", "20.50"), ("合计", "30.50")])
    error = _refusal(path, _spec("summary_daily"))
    assert type(error) is ExtractionError
    assert "summary_names.xlsx, 机构名称 A5: 机构名称“西山支行”不在 config/branches.yaml" in str(error)
    same_name = {"110101": "东城支行", "110199": "东城支行"}
    twice = _spec("summary_daily").model_copy(update={"known_branches": same_name})
    error = _refusal(_names_only_summary(tmp_path, [("东城支行", "10.00"), ("合计", "10.00")]), twice)
    assert "机构名称“东城支行”在 config/branches.yaml 中对应多个代码（110101、110199）" in str(error)


# Number cells whose format shows another number than the one stored, and percentages where an
# amount or a count is expected. `_daily` puts 储蓄存款余额 本日 in B5 and 客户数 本日 in B11.


def _daily_with(tmp_path: Path, cells: dict[str, tuple[object, str]], name: str = "formats.xlsx") -> Path:
    """`_daily` with some cells replaced by (value, number format)."""
    path = _daily(tmp_path, name=name)
    book = openpyxl.load_workbook(path)
    ws = book["网点经营日报"]
    for ref, (value, number_format) in cells.items():
        ws[ref] = value
        ws[ref].number_format = number_format
    book.save(path)
    return path


@pytest.mark.parametrize(("value", "number_format"), [
    (836308700, "0!.0000"),  # shows 83630.8700: a literal dot among the digits
    (836308700, "0\\.0000"), (836308700, '0"."0000'),
    (836308700, "#,##0.00,,"), (88124, "#,##0,"),  # each trailing comma divides by 1,000
    (8812.4, "0.00E+00"), (8812.5, "# ?/?"),  # `[>1000]#,##0,"千"`: its bare 千 refuses it first
])
def test_a_number_whose_format_shows_another_number_is_refused_naming_cell_and_format(
        tmp_path: Path, value: float, number_format: str) -> None:
    error = _refusal(_daily_with(tmp_path, {"B5": (value, number_format)}))
    assert isinstance(error, UnreadableFigure)
    message = str(error)
    assert message.startswith(f"formats.xlsx, 网点经营日报!B5：储蓄存款余额 本日：数字格式 {number_format} ")
    assert "显示的数与存储的数不同，无法确定数值" in message
    assert message.endswith("请将该列设为常规或数值格式后重新导出") and not ENGLISH.search(message)


@pytest.mark.parametrize(("ref", "value", "number_format", "said"), [
    ("B5", "12.5%", "General", "'12.5%' 是百分比，不是以万元计的金额"),
    ("B5", "１２．５％", "@", "'１２．５％' 是百分比，不是以万元计的金额"),
    ("B5", 0.125, "0.00%", "存储的数 0.125 按数字格式 0.00% 显示为百分比，不是以万元计的金额"),
    ("B5", 12.5, '0.0"%"', "存储的数 12.5 按数字格式 0.0\"%\" 显示为百分比，不是以万元计的金额"),
    ("B11", "12.5%", "General", "'12.5%' 是百分比，不是以户计的数量"),
    ("B11", 0.125, "0%", "存储的数 0.125 按数字格式 0% 显示为百分比，不是以户计的数量"),
])
def test_a_percentage_where_an_amount_or_a_count_is_expected_is_refused(
        tmp_path: Path, ref: str, value: object, number_format: str, said: str) -> None:
    error = _refusal(_daily_with(tmp_path, {ref: (value, number_format)}))
    metric = "储蓄存款余额" if ref == "B5" else "客户数"
    assert isinstance(error, UnreadableFigure)
    assert str(error).startswith(f"formats.xlsx, 网点经营日报!{ref}：{metric} 本日：{said}，不能换算")


def test_a_percentage_in_a_pdf_money_cell_is_refused_naming_its_place(tmp_path: Path) -> None:
    texts: list[tuple[float, float, str]] = [
        (60, 60, "网点经营日报"), (60, 80, "机构：110102 西城支行"), (60, 100, "单位：万元"),
        (60, 130, "项目"), (220, 130, "本日"), (320, 130, "较上日"), (420, 130, "较年初")]
    for index, (label, value) in enumerate(ROWS):
        top = 150 + 20 * index
        texts += [(60, top, label), (220, top, "12.5%" if index == 0 else value), (320, top, "1.00"),
                  (420, top, "2.00")]
    error = _refusal(_pdf(tmp_path, texts))
    assert isinstance(error, UnreadableFigure)
    assert re.match(r"daily\.pdf, 第1页（位置 220, [\d.]+, [\d.]+, [\d.]+）：储蓄存款余额 本日："
                    r"'12\.5%' 是百分比，不是以万元计的金额", str(error)), str(error)
    fine = [(x, top, "8,812.40" if text == "12.5%" else text) for x, top, text in texts]
    figures = extract_file(_pdf(tmp_path, fine, name="fine.pdf"), _spec()).figures
    assert next(f.value_yuan for f in figures if (f.metric, f.column) == ("储蓄存款余额", "本日")) == 88124000


ACCOUNTING = '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)'


@pytest.mark.parametrize("number_format", [
    "General", "0", "0.00", "#,##0", "#,##0.00", "#,##0.00;(#,##0.00)", "#,##0.00;[Red](#,##0.00)",
    "#,##0.00;[Red]-#,##0.00", "#,##0.00_);[Red]\\(#,##0.00\\)", '"¥"#,##0.00', "¥#,##0.00",
    "[$¥-804]#,##0.00", "@", ACCOUNTING, '#,##0.00"万元"',
])
def test_ordinary_number_formats_read_the_stored_number_as_before(tmp_path: Path, number_format: str) -> None:
    # B5..B9 the five balances, D5 a zero; the sheet's own B1 a date cell with a date format
    cells: dict[str, tuple[object, str]] = {
        "B5": (8812.4, number_format), "B6": (-15230, number_format), "B7": (6120.55, number_format),
        "B8": (-9004.1, number_format), "B9": (1350, number_format), "D5": (0, number_format),
        "B1": (datetime(2026, 3, 5), "yyyy-mm-dd")}
    extraction = extract_file(_daily_with(tmp_path, cells), _spec())
    read = {(f.metric, f.column): f.value_yuan for f in extraction.figures}
    assert read[("储蓄存款余额", "本日")] == Decimal("88124000")
    assert read[("个人金融资产余额", "本日")] == Decimal("-152300000")
    assert read[("个人贷款余额", "本日")] == Decimal("61205500")
    assert read[("对公贷款余额", "本日")] == Decimal("-90041000")
    assert read[("普惠贷款余额", "本日")] == Decimal("13500000")
    assert read[("储蓄存款余额", "较年初")] == 0
    assert extraction.report_date == "2026-03-05"


@pytest.mark.parametrize("number_format", [
    "General", "0", "0.00", ".00", "#,##0", "#,##0.00;-#,##0.00", "#,##0.00_ ;[Red]-#,##0.00 ",
    "[Color10]0.00", "#,##0;(#,##0)", "[DBNum1]General", ACCOUNTING, "@", '"人民币"#,##0.00"元"',
])
def test_an_ordinary_format_shows_the_stored_number_whatever_its_sign(number_format: str) -> None:
    for value in (1234.5, -1234.5, 0):
        assert shown_problem(number_format, value) == (False, None), (number_format, value)


@pytest.mark.parametrize(("number_format", "value", "reason"), [
    ("0!.0000", 836308700, "在数字之间插入了“.”"), ("0-0000", 1, "在数字之间插入了“-”"),
    ("0.0.0", 1, "在数字中插入了字符“.”"), ("#,##0,", 1, "逗号"), ("0.00 ,", 1, "逗号"),
    ('#,##0.00,,"万"', 1, "逗号"), ("0.00E+00", 1, "科学计数法"), ("# ??/??", 1, "分数"),
    ("0;;", -5, "不显示数字"), ("0;0,", -5, "逗号"), ("[<0]0,;0", 1, "[<0]"), ("0.00%", 1, "百分比"),
    ("yyyy-mm-dd", 46086, "日期"),
])
def test_a_format_that_shows_another_number_says_how(number_format: str, value: float, reason: str) -> None:
    percent, problem = shown_problem(number_format, value)
    assert problem is not None and reason in problem
    assert percent == ("%" in number_format)


@pytest.mark.parametrize(("number_format", "value", "reason"), [
    # a second section shows negatives and Excel adds no minus to it: these print -15230 as 15,230
    ("#,##0;#,##0", -15230, "不带负号"), ('0.00;"+"0.00', -3, "不带负号"), ("0;[Blue]0", -3, "不带负号"),
    ('0;0;"-"', -3, "不带负号"),
    # and these print 8812.4 as a negative
    ('"-"#,##0.00', 8812.4, "正数显示为负数"), ("\\-0.0", 8812.4, "正数显示为负数"),
    ("0.0-", 1, "正数显示为负数"),
    ('"("0")";"("0")"', 5, "正数显示为负数"), ('"-"0', -5, "两个负号"),
])
def test_a_format_that_prints_a_sign_the_value_does_not_have_is_refused(
    number_format: str, value: float, reason: str
) -> None:
    """W1: the stored number and the one a person reads differ in sign: neither is taken."""
    percent, problem = shown_problem(number_format, value)
    assert not percent and problem is not None and reason in problem, (number_format, value, problem)


@pytest.mark.parametrize(("number_format", "value"), [
    ("#,##0;[Red]#,##0", -15230), ("0;0-", -5), ('0;"△"0', -5), ('0;"▲"0', -5), ("0;-0;-0", -5),
    ('"+"0;"-"0', 5), ('0;0;"-"', 0), ("0_);(0)", -5), ('0.00" (万元)"', 5),
])
def test_a_sign_shown_as_ledgers_show_it_reads_the_stored_number(number_format: str, value: float) -> None:
    assert shown_problem(number_format, value) == (False, None), (number_format, value)


def test_a_negative_balance_shown_without_its_minus_refuses_the_file_naming_the_cell(tmp_path: Path) -> None:
    path = _daily_with(tmp_path, {"B6": (-15230, "#,##0;#,##0")}, name="sign.xlsx")
    with pytest.raises(ExtractionError, match=r"B6.*#,##0;#,##0.*不带负号"):
        extract_file(path, _spec())


@pytest.mark.timeout(120)
def test_rpa_extract_json_gives_no_figure_for_a_scaled_format(tmp_path: Path) -> None:
    path = _daily_with(tmp_path, {"B5": (836308700, "0!.0000")}, name="wan.xlsx")
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "网点经营日报!B5：储蓄存款余额 本日：数字格式 0!.0000" in done.stderr
    assert "8363087000000" not in done.stdout and "836308700" not in done.stdout.replace(str(tmp_path), "")
