"""A unit stated in a header's or a row label's parentheses that the tool does not know (万户, 百万元,
美元) refuses the file naming the cell and the unit, never leaves the figures in the spec's unit;
parentheses that state no unit (贷款（含贴现）, 个人（含个体工商户）) are read as before.

The workbooks are the mock platform's (fixtures/reports) with one cell changed here, or written
cell by cell; the expected figures are the generator's truth.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from fixtures.reports import build_report, expected_figures
from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.models import Extraction
from flows.report_extraction.numbers import split_unit, stated_units, unread_unit
from rpa.errors import UnreadableFigure
from rpa.settings import PROJECT_ROOT

DAY = date(2026, 12, 3)
SPECS = PROJECT_ROOT / "config" / "specs"


def _read(text: str) -> list[str]:
    _, suffix = split_unit(text)
    return [suffix] if suffix else stated_units(text)


@pytest.mark.parametrize(("text", "unit"), [
    ("客户（万户）", "万户"), ("客户数(千人)", "千人"), ("余额（百万元）", "百万元"),
    ("余额（美元）", "美元"), ("余额（单位：美元）", "单位:美元"), ("余额（万元人民币）", "万元人民币"),
    ("本日（含税，万元）", "含税,万元"),
])
def test_a_unit_word_the_tool_does_not_know_is_answered(text: str, unit: str) -> None:
    assert unread_unit(text, _read(text)) == unit


@pytest.mark.parametrize("text", [
    "本日（万元）", "客户数（户）", "金额(单位:元)", "余额（单位为万元）", "余额（人民币万元）",
    "存款（单位：亿元，户）", "贷款（含贴现）", "个人（含个体工商户）", "存款（含万元以下）",
    "分行汇总日报（续）", "机构代码（6位）", "占比（%）", "贷款（含贴现）（万元）",
])
def test_known_units_and_parentheses_that_state_no_unit_are_no_unknown_unit(text: str) -> None:
    assert unread_unit(text, _read(text)) is None


def _summary(tmp_path: Path, changes: dict[str, str]) -> Path:
    """The mock platform's 分行汇总日报 with header cells replaced by their text: {old: new}."""
    book = openpyxl.load_workbook(io.BytesIO(build_report("summary_daily", DAY, None, "xlsx")))
    ws = book["分行汇总日报"]
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value in changes:
                cell.value = changes[cell.value]
    path = tmp_path / "summary.xlsx"
    book.save(path)
    return path


def _summary_figures(extraction: Extraction) -> dict[str, dict[str, dict[str, str]]]:
    got: dict[str, dict[str, dict[str, str]]] = {}
    for figure in extraction.figures:
        got.setdefault(str(figure.branch), {})[figure.metric] = {figure.column: str(figure.value_yuan)}
    return got


def _exact(table: dict[str, dict[str, dict[str, str]]]) -> dict[str, dict[str, dict[str, Decimal]]]:
    return {branch: {m: {c: Decimal(v) for c, v in cols.items()} for m, cols in metrics.items()}
            for branch, metrics in table.items()}


def test_a_count_group_header_in_wan_hu_is_refused_naming_the_cell(tmp_path: Path) -> None:
    path = _summary(tmp_path, {"客户（户）": "客户（万户）"})
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("summary_daily", SPECS))
    message = caught.value.message
    assert message.startswith("summary.xlsx, 分行汇总日报!H4：表头“客户(万户)”")
    assert "“万户”不是认得的单位" in message


def test_a_count_sub_header_in_wan_hu_is_refused_naming_its_cell(tmp_path: Path) -> None:
    path = _summary(tmp_path, {"客户数": "客户数（万户）"})
    with pytest.raises(UnreadableFigure, match=r"分行汇总日报!H5：表头“客户数\(万户\)”写的单位“万户”"):
        extract_file(path, load_spec("summary_daily", SPECS))


def test_a_money_header_in_an_unknown_multiple_is_refused(tmp_path: Path) -> None:
    path = _summary(tmp_path, {"贷款（万元）": "贷款（百万元）"})
    with pytest.raises(UnreadableFigure, match=r"分行汇总日报!E4：表头“贷款\(百万元\)”写的单位“百万元”"):
        extract_file(path, load_spec("summary_daily", SPECS))


def test_harmless_parentheses_beside_a_unit_still_read_the_true_figures(tmp_path: Path) -> None:
    changes = {"贷款（万元）": "贷款（含贴现）（万元）", "客户（户）": "客户（含个体工商户）（户）"}
    path = _summary(tmp_path, changes)
    extraction = extract_file(path, load_spec("summary_daily", SPECS))
    assert extraction.ok
    assert _exact(_summary_figures(extraction)) == _exact(expected_figures("summary_daily", DAY, None))
    assert {f.unit for f in extraction.figures if f.metric == "对公贷款余额"} == {"万元"}


def _daily(tmp_path: Path, header: list[str], lines: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "网点经营日报"
    for text in ["网点经营日报", "机构：110102 西城支行", *lines]:
        ws.append([text])
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / "daily.xlsx"
    book.save(path)
    return path


METRICS = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额", "中间业务收入"]
COUNTS = ["客户数（户）", "新增客户数（户）", "对公账户开户数（个）"]
HEADER = ["项目", "本日", "较上日", "较年初"]


def _rows(labels: list[str]) -> list[list[object]]:
    """Money rows 12.34 / 1.00 / 2.00; a count row (its label ends 户 or 个) 12 / 1 / 2."""
    return [[label, "12", "1", "2"] if label.endswith(("户）", "个）")) else [label, "12.34", "1.00", "2.00"]
            for label in labels]


def test_a_row_label_in_wan_hu_is_refused_naming_the_label_cell(tmp_path: Path) -> None:
    path = _daily(tmp_path, HEADER, ["单位：万元"], _rows([*METRICS, "客户数（万户）", *COUNTS[1:]]))
    with pytest.raises(UnreadableFigure) as caught:
        extract_file(path, load_spec("branch_daily", SPECS))
    assert caught.value.message.startswith("daily.xlsx, 网点经营日报!A11: 行标签“客户数(万户)”写的单位“万户”")


def test_ordinary_unit_headers_labels_and_harmless_rows_are_read(tmp_path: Path) -> None:
    header = ["项目", "本日(单位:元)", "较上日（元）", "较年初（元）"]
    rows = _rows([*METRICS, *COUNTS, "贷款（含贴现）", "个人（含个体工商户）"])
    extraction = extract_file(_daily(tmp_path, header, [], rows), load_spec("branch_daily", SPECS))
    values = {(f.metric, f.column): (f.value_yuan, f.unit) for f in extraction.figures}
    assert values[("储蓄存款余额", "本日")] == (Decimal("12.34"), "元")
    assert values[("客户数", "本日")] == (Decimal("12"), "户")  # a count row keeps its own unit
    assert "略过的行 A13 贷款(含贴现)" in extraction.notes
    assert "略过的行 A14 个人(含个体工商户)" in extraction.notes
