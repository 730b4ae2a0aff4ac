"""Reading as a careful clerk reads: units, sheets, branches, dashes, and where each figure came from.

Every workbook here is written by hand, cell by cell, with figures chosen for the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from rpa.errors import ExtractionError, LabelNotFound, UnreadableFigure

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
METRICS = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额", "中间业务收入"]
COUNTS = ["客户数", "新增客户数", "对公账户开户数"]


def _spec(name: str, **changes: object) -> ExtractionSpec:
    spec = load_spec(name, SPECS)
    return spec.model_copy(update=changes) if changes else spec


def _daily(ws: openpyxl.worksheet.worksheet.Worksheet, lines: list[str], *, first: str = "12,345.67",
           footnote: str | None = None, change: object = "1.00") -> None:
    """A 网点经营日报 with the given lines above the table; 储蓄存款余额 本日 is `first`."""
    for text in lines:
        ws.append([text])
    ws.append(["项目", "本日", "较上日", "较年初"])
    for index, metric in enumerate(METRICS + COUNTS):
        ws.append([metric, first if index == 0 else "100.00", change if index == 0 else "0.00", "2.00"])
    if footnote:
        ws.append([footnote])


def _save(book: openpyxl.Workbook, tmp_path: Path, name: str = "report.xlsx") -> Path:
    path = tmp_path / name
    book.save(path)
    return path


def _one_sheet(tmp_path: Path, lines: list[str], **kwargs: object) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    _daily(ws, lines, **kwargs)  # type: ignore[arg-type]
    return _save(book, tmp_path)


def test_renminbi_wan_yuan_line_multiplies_by_ten_thousand_and_says_where(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, ["网点经营日报", "机构：110102 西城支行", "单位：人民币万元"])
    extraction = extract_file(path, _spec("branch_daily"))
    figure = next(f for f in extraction.figures if f.metric == "储蓄存款余额" and f.column == "本日")
    assert figure.value_yuan == Decimal("123456700")
    assert (figure.unit, figure.unit_source, figure.multiplier) == ("万元", "单位行 A3", Decimal(10000))
    assert (figure.raw, figure.provenance.cell, figure.branch_source) == ("12,345.67", "B5", "机构行 A2")
    counts = next(f for f in extraction.figures if f.metric == "客户数" and f.column == "本日")
    assert (counts.unit, counts.value_yuan) == ("户", Decimal("100.00"))


def test_a_footnote_in_yuan_is_read_not_the_spec_s_wan_yuan(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, ["网点经营日报", "机构：110102"], footnote="注：金额单位为元")
    figure = extract_file(path, _spec("branch_daily")).figures[0]
    assert (figure.value_yuan, figure.unit, figure.unit_source) == (Decimal("12345.67"), "元", "脚注 A13")


def test_a_unit_line_and_a_footnote_that_disagree_refuse_naming_both(tmp_path: Path) -> None:
    lines = ["网点经营日报", "机构：110102", "金额单位：千元"]
    path = _one_sheet(tmp_path, lines, footnote="注：金额单位为元")
    with pytest.raises(UnreadableFigure, match="金额单位前后不一：单位行 A3 写 千元，脚注 A14 写 元"):
        extract_file(path, _spec("branch_daily"))


def test_no_stated_unit_is_refused_unless_the_spec_says_the_unit_is_always_the_same(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, ["网点经营日报", "机构：110102"])
    with pytest.raises(UnreadableFigure, match="没有注明单位"):
        extract_file(path, _spec("branch_daily"))
    extraction = extract_file(path, _spec("branch_daily", unit_always=True))
    assert extraction.figures[0].value_yuan == Decimal("123456700")
    assert extraction.figures[0].unit_source == "规格默认（假定）" and extraction.figures[0].unit_assumed
    assert len(extraction.units_assumed) == 18  # six money metrics x three columns; counts are counts
    assert any(note.startswith("单位假定 B4 储蓄存款余额 本日") for note in extraction.notes)


def test_the_superior_branch_line_never_sets_the_branch(tmp_path: Path) -> None:
    lines = ["网点经营日报", "上级机构：110000 北京分行 报送机构：110105 朝阳支行", "单位：万元"]
    extraction = extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily"))
    assert extraction.branch == "110105" and {f.branch for f in extraction.figures} == {"110105"}
    with pytest.raises(LabelNotFound, match="表上没有写明机构"):
        lines = ["网点经营日报", "管辖行：110101", "单位：万元"]
        extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily"))


def test_a_branch_named_only_by_name_or_unknown(tmp_path: Path) -> None:
    extraction = extract_file(_one_sheet(tmp_path, ["网点经营日报", "网点：海淀支行", "单位：万元"]),
                              _spec("branch_daily"))
    assert extraction.branch == "110108"
    with pytest.raises(ExtractionError, match=r"机构 110199 不在 config/branches\.yaml"):
        lines = ["网点经营日报", "机构：110199", "单位：万元"]
        extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily"))
    with pytest.raises(ExtractionError, match="报表的机构前后不一"):
        lines = ["网点经营日报", "机构：110101", "机构名称：西城支行", "单位：万元"]
        extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily"))


@pytest.mark.parametrize("title", ["西城支行网点经营日报", "网点经营日报（110102）", "110102 网点经营日报"])
def test_a_title_naming_another_branch_than_the_branch_line_is_refused(tmp_path: Path, title: str) -> None:
    lines = [title, "机构：110101 东城支行", "单位：万元"]
    with pytest.raises(ExtractionError, match="报表的机构前后不一：机构行 A2 写 110101，A1 的"):
        extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily"))


@pytest.mark.parametrize("title", ["东城支行网点经营日报", "网点经营日报 110101",
                                   "北京分行网点经营日报 2026-12-03"])
def test_a_title_naming_the_same_branch_or_none_reads(tmp_path: Path, title: str) -> None:
    lines = [title, "机构：110101 东城支行", "上级机构：110105 朝阳支行", "单位：万元"]
    assert extract_file(_one_sheet(tmp_path, lines), _spec("branch_daily")).branch == "110101"


@pytest.mark.parametrize(("shown", "zero"), [("—", True), ("-", True), (None, False)])
def test_a_dash_is_zero_only_when_the_spec_says_so(tmp_path: Path, shown: object, zero: bool) -> None:
    path = _one_sheet(tmp_path, ["网点经营日报", "机构：110102", "单位：万元"], change=shown)
    plain = extract_file(path, _spec("branch_daily"))
    assert not any(f.metric == "储蓄存款余额" and f.column == "较上日" for f in plain.figures)
    assert any(n.startswith("无数字 C5 储蓄存款余额 较上日") for n in plain.notes)
    dashed = extract_file(path, _spec("branch_daily", dash_means_zero=True))
    values = {(f.metric, f.column): f.value_yuan for f in dashed.figures}
    assert values.get(("储蓄存款余额", "较上日")) == (Decimal(0) if zero else None)


def _two_sheets(tmp_path: Path, second_state: str = "visible") -> Path:
    book = openpyxl.Workbook()
    old = book.active
    assert old is not None
    old.title = "日报0304"
    _daily(old, ["网点经营日报", "机构：110102", "报表日期：2026-03-04", "单位：万元"], first="1.00")
    new = book.create_sheet("日报0305")
    _daily(new, ["网点经营日报", "机构：110102", "报表日期：2026年3月5日", "单位：万元"], first="2.00")
    new.sheet_state = second_state
    return _save(book, tmp_path)


def test_two_sheets_of_the_report_are_told_apart_by_the_date_never_by_position(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path)
    assert extract_file(path, _spec("branch_daily"), report_date="2026-03-05").figures[0].value_yuan == 20000
    assert extract_file(path, _spec("branch_daily"), report_date="2026-03-04").figures[0].value_yuan == 10000
    with pytest.raises(LabelNotFound, match=r"“日报0304”（机构 110102，报表日期 2026-03-04）、"
                                            r"“日报0305”（机构 110102，报表日期 2026-03-05）；"
                                            r"未给出日期.*--date"):
        extract_file(path, _spec("branch_daily"))


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_read_only_when_the_spec_names_them(tmp_path: Path, state: str) -> None:
    path = _two_sheets(tmp_path, state)
    assert extract_file(path, _spec("branch_daily"), report_date="2026-03-04").figures[0].value_yuan == 10000
    with pytest.raises(ExtractionError, match="报表日期是 2026-03-04（A3），不是要的 2026-03-05"):
        extract_file(path, _spec("branch_daily"), report_date="2026-03-05")  # the visible sheet's day
    named = _spec("branch_daily")
    named = named.model_copy(update={"locate": named.locate.model_copy(update={"hidden_sheet": "日报0305"})})
    assert extract_file(path, named, report_date="2026-03-05").figures[0].value_yuan == 20000


def _summary(tmp_path: Path, header: list[object], unit_line: str | None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["分行汇总日报"])
    ws.append(["报表日期：2026-03-05"])
    if unit_line:
        ws.append([unit_line])
    ws.append(header)
    ws.append([None, None, *(["本日", "较上日"] * 9)])
    start = ws.max_row - 1
    ws.merge_cells(start_row=start, start_column=1, end_row=start + 1, end_column=1)
    for index in range(9):
        ws.merge_cells(start_row=start, start_column=3 + 2 * index, end_row=start, end_column=4 + 2 * index)
    for code, name, value in ((1101, "营业部", "1.00"), (110101, "东城支行", "2.00"), ("合计", None, "3.00")):
        row = [code, name, *([value, "9.99"] * 9)]
        ws.append(row)
        if isinstance(code, int):
            ws.cell(row=ws.max_row, column=1).number_format = "000000"
    return _save(book, tmp_path)


def test_codes_stored_as_numbers_read_as_shown_and_sub_columns_by_their_full_header(tmp_path: Path) -> None:
    names = METRICS + COUNTS
    header: list[object] = ["机构代码", "机构名称"] + [x for m in names for x in (m, None)]
    spec = _spec("summary_daily", known_branches={"001101": "营业部", "110101": "东城支行"})
    extraction = extract_file(_summary(tmp_path, header, "（单位：亿元，户）"), spec)
    values = {(f.branch, f.metric): f.value_yuan for f in extraction.figures}
    assert values[("001101", "储蓄存款余额")] == Decimal("100000000")
    assert values[("110101", "客户数")] == Decimal("2.00")
    assert values[("合计", "中间业务收入")] == Decimal("300000000")
    assert extraction.ok
    assert "未用的列 D4 储蓄存款余额/较上日" in extraction.notes
    assert not any(n.startswith("未用的列 B4") for n in extraction.notes)  # the names are checked


def test_a_header_unit_disagreeing_with_the_unit_line_refuses_naming_both(tmp_path: Path) -> None:
    names = METRICS + COUNTS
    header: list[object] = ["机构代码", "机构名称"] + [x for m in names for x in (m, None)]
    header[2] = "储蓄存款余额（元）"
    spec = _spec("summary_daily", known_branches={"001101": "营业部", "110101": "东城支行"})
    with pytest.raises(UnreadableFigure, match="储蓄存款余额 本日 的单位前后不一："
                                               "表头 C4 写 元，单位行 A3 写 万元"):
        extract_file(_summary(tmp_path, header, "单位：万元"), spec)


def _fee(tmp_path: Path, label_row: int) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["中间业务收入月报"])
    ws.append(["报表期间：2026年03月", None, "单位：元"])
    ws.append(["机构", "业务类别", "本月", "较上月", "本年累计"])
    categories = ["结算类", "银行卡类", "代理类", "托管类", "担保承诺类", "咨询顾问类", "电子银行类", "其他",
                  "小计"]
    for branch, base in (("110101 东城支行", 1), ("110102 西城支行", 10), ("合计", 11)):
        for index, category in enumerate(categories):
            value = base * (8 if category == "小计" else 1)
            label = branch if index == label_row else None
            ws.append([label, category, f"{value}.00", "0.00", f"{value}.00"])
    return _save(book, tmp_path)


@pytest.mark.parametrize("label_row", [0, 4, 8])
def test_a_block_s_branch_label_may_sit_on_any_of_its_rows(tmp_path: Path, label_row: int) -> None:
    extraction = extract_file(_fee(tmp_path, label_row), _spec("fee_income_monthly"))
    values = {(f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures}
    assert values[("110101", "托管类", "本月")] == 1 and values[("110102", "结算类", "本月")] == 10
    assert values[("合计", "小计", "本月")] == 88 and extraction.ok


def test_explain_prints_where_each_figure_came_from(tmp_path: Path) -> None:
    path = _one_sheet(tmp_path, ["网点经营日报（2026-12-03）", "机构：110102 西城支行", "单位：人民币万元"])
    env = {**os.environ, "COLUMNS": "250"}
    command = [sys.executable, "-m", "rpa", "extract", str(path), "--spec", "branch_daily"]
    run = subprocess.run([*command, "--explain"],
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "单位出处" in run.stdout and "网点经营日报!B5" in run.stdout and "单位行 A3" in run.stdout
    assert "12,345.67" in run.stdout and "123456700" in run.stdout
    run = subprocess.run([*command, "--json"],
                         cwd=ROOT, capture_output=True, text=True, env=env, timeout=60, check=False)
    narrow = subprocess.run([*command, "--explain"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "COLUMNS": "60"}, timeout=60, check=False)
    assert narrow.returncode == 0, narrow.stderr  # tester Z: an 80-column table cut 83,6… short
    assert "…" not in narrow.stdout, narrow.stdout
    assert "位置：网点经营日报!B5" in narrow.stdout and "原文：12,345.67" in narrow.stdout, narrow.stdout
    assert "折合（元/户）：123456700" in narrow.stdout and "单位出处：单位行 A3" in narrow.stdout
    first = narrow.stdout.splitlines()[0]  # tester BI F9: the heading line broke inside its 机构
    assert first.startswith("文件 ") and first.endswith("机构 110102"), narrow.stdout
    figure = json.loads(run.stdout)["figures"][0]
    assert (figure["unit_source"], figure["multiplier"]) == ("单位行 A3", "10000")
    assert figure["branch_source"] == "机构行 A2"


def test_a_code_and_a_name_of_different_branches_refuse(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="代码 110101 是东城支行，名称却是西城支行"):
        extract_file(_one_sheet(tmp_path, ["网点经营日报", "机构：110101 西城支行", "单位：万元"]),
                     _spec("branch_daily"))


def test_numbered_and_qizhong_labels_match_and_section_rows_are_listed(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for text in ("网点经营日报", "机构：110102", "单位：万元"):
        ws.append([text])
    ws.append(["项目", "本日", "较上日", "较年初"])
    ws.append(["一、存款与资产"])
    for index, metric in enumerate(METRICS + COUNTS):
        label = {0: f"1.{metric}", 4: f"其中：{metric}", 7: f"（一）{metric}"}.get(index, metric)
        ws.append([label, f"{index + 1}.00", "0.00", "0.00"])
    extraction = extract_file(_save(book, tmp_path), _spec("branch_daily"))
    values = {(f.metric, f.column): f.value_yuan for f in extraction.figures}
    assert values[("储蓄存款余额", "本日")] == 10000 and values[("普惠贷款余额", "本日")] == 50000
    assert values[("新增客户数", "本日")] == 8
    assert "略过的行 A5 一、存款与资产" in extraction.notes


def test_one_sheet_per_branch_is_picked_by_the_branch_and_another_branch_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    east = book.active
    assert east is not None
    east.title = "东城"
    _daily(east, ["网点经营日报", "机构：110101", "单位：万元"], first="1.00")
    west = book.create_sheet("西城")
    _daily(west, ["网点经营日报", "机构：110102", "单位：万元"], first="2.00")
    path = _save(book, tmp_path)
    assert extract_file(path, _spec("branch_daily"), branch="110102").figures[0].value_yuan == 20000
    assert extract_file(path, _spec("branch_daily"), branch="110101").figures[0].value_yuan == 10000
    with pytest.raises(LabelNotFound, match="无法确定读哪一个"):
        extract_file(path, _spec("branch_daily"))
    single = _one_sheet(tmp_path, ["网点经营日报", "机构：110105", "单位：万元"])
    with pytest.raises(ExtractionError, match="报表的机构是 110105（机构行 A2），不是要的 110102"):
        extract_file(single, _spec("branch_daily"), branch="110102")


def test_a_unit_in_the_label_column_header_counts_like_any_other(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    _daily(ws, ["网点经营日报", "机构：110102"], footnote="注：金额单位为元")
    ws["A3"] = "项目（万元）"
    with pytest.raises(UnreadableFigure, match="金额单位前后不一：脚注 A13 写 元，表头 A3 写 万元"):
        extract_file(_save(book, tmp_path), _spec("branch_daily"))


def test_a_summary_row_whose_code_and_name_are_different_branches_refuses(tmp_path: Path) -> None:
    names = METRICS + COUNTS
    header: list[object] = ["机构代码", "机构名称"] + [x for m in names for x in (m, None)]
    known = {"001101": "营业部", "110101": "东城支行", "110102": "西城支行"}
    spec = _spec("summary_daily", known_branches=known)
    path = _summary(tmp_path, header, "单位：万元")
    book = openpyxl.load_workbook(path)
    book.active["B7"] = "西城支行"  # the row of 110101
    book.save(path)
    with pytest.raises(ExtractionError, match="代码 110101 是东城支行，名称却是西城支行"):
        extract_file(path, spec)


def test_a_sheet_title_pattern_finds_a_sheet_without_the_title_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    cover = book.active
    assert cover is not None
    cover.title = "封面"
    cover["A1"] = "报送说明"
    sheet = book.create_sheet("JYRB_110102")
    _daily(sheet, ["机构：110102", "单位：万元"], first="3.00")
    path = _save(book, tmp_path)
    with pytest.raises(LabelNotFound, match="工作簿中的工作表：封面、JYRB_110102"):
        extract_file(path, _spec("branch_daily"))
    spec = _spec("branch_daily")
    locate = spec.locate.model_copy(update={"sheet_title_pattern": r"^JYRB_\d{6}$"})
    spec = spec.model_copy(update={"locate": locate})
    assert extract_file(path, spec).figures[0].value_yuan == 30000


def test_a_money_header_unit_is_not_about_count_rows_that_state_their_own(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for text in ("网点经营日报", "机构：110102"):
        ws.append([text])
    ws.append(["项目", "单位", "本日（万元）", "较上日（万元）", "较年初（万元）"])
    for index, metric in enumerate(METRICS + COUNTS):
        ws.append([metric, "户" if metric in COUNTS else "万元", f"{index + 1}.00", "0.00", "0.00"])
    extraction = extract_file(_save(book, tmp_path), _spec("branch_daily"))
    values = {(f.metric, f.column): (f.value_yuan, f.unit_source) for f in extraction.figures}
    assert values[("储蓄存款余额", "本日")] == (Decimal(10000), "单位列 B4")
    assert values[("客户数", "本日")] == (Decimal(7), "单位列 B10")
    ws["B10"] = None  # a count row with no unit of its own under a 万元 header: ambiguous
    with pytest.raises(UnreadableFigure, match="客户数 本日 是计数，表头 C3 却标为 万元"):
        extract_file(_save(book, tmp_path, "again.xlsx"), _spec("branch_daily"))


def test_a_cached_extraction_keeps_the_provenance_of_units_and_branches(tmp_path: Path) -> None:
    from flows.report_extraction.cache import extraction_from_json

    path = _one_sheet(tmp_path, ["网点经营日报", "机构：110102 西城支行", "单位：人民币万元"], change="—")
    extraction = extract_file(path, _spec("branch_daily"))
    again = extraction_from_json(json.loads(json.dumps(extraction.to_json())))
    assert again.figures == extraction.figures and again.notes == extraction.notes
    assert again.figures[0].unit_source == "单位行 A3" and again.figures[0].multiplier == 10000
