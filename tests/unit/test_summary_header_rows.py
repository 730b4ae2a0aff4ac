"""A 分行汇总日报 whose header has a second row: sub-columns written as many export tools write
them once 取消合并 is done (the metric over its first sub-column only: 上日 | 本日, 较上日 | 本日),
and a row of units under the headers (万元 | 亿元 | 户). Each figure is the 本日 one in the unit
its column states, or the report is refused; never 上日 read as 本日, never 亿元 read as 万元.
Workbooks written cell by cell here; the figures expected are the ones typed in them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from rpa.errors import RpaError
from tests.hand_reports import METRICS, summary_workbook

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
TODAY = [42668.29, 6.51, 36037.38, 13621.81, 5287.06, 10991, 37, 123.2, 8]  # 个人金融资产 in 亿元 below
BEFORE = [42600.00, 6.50, 36000.00, 13600.00, 5280.00, 10990, 30, 120.0, 7]


def _two_rows(first: str) -> list[list[object]]:
    """机构代码 | 机构名称 | each metric once over `first` | 本日, not merged."""
    top: list[object] = ["机构代码", "机构名称"]
    sub: list[object] = [None, None]
    for metric in METRICS:
        unit = {"个人金融资产余额": "（亿元）", "客户数": "", "新增客户数": "", "对公账户开户数": ""}
        top += [metric + unit.get(metric, "（万元）"), None]
        sub += [first, "本日"]
    return [top, sub]


def _paired(first: list[float]) -> list[object]:
    row: list[object] = ["110101", "东城支行"]
    for before, today in zip(first, TODAY, strict=True):
        row += [before, today]
    return row


def _with_total(row: list[object]) -> list[list[object]]:
    """The branch's row and a 合计 row of the same figures (one branch: it is its own total)."""
    return [row, ["合计", None, *row[2:]]]


def _today(path: Path) -> dict[str, tuple[Decimal, str]]:
    extraction = extract_file(path, load_spec("summary_daily", SPECS))
    mine = [f for f in extraction.figures if f.branch == "110101"]
    return {f.metric: (f.value_yuan, f.provenance.cell or "") for f in mine}


@pytest.mark.parametrize("first", ["上日", "较上日"])
def test_sub_columns_not_merged_read_the_one_headed_today(tmp_path: Path, first: str) -> None:
    path = summary_workbook(tmp_path / "s.xlsx", _with_total(_paired(BEFORE)), header=_two_rows(first),
                            unit_line=None)  # each money metric's unit then stated in its header
    read = _today(path)
    assert read["储蓄存款余额"] == (Decimal("426682900.00"), "D6")  # 42,668.29 万元, under 本日
    assert read["个人金融资产余额"] == (Decimal("651000000.00"), "F6")  # the metric's 亿元 stands over 本日
    assert read["客户数"][0] == 10991


def test_a_metric_whose_only_sub_column_is_another_day_is_refused(tmp_path: Path) -> None:
    top: list[object] = ["机构代码", "机构名称", *METRICS]
    sub: list[object] = [None, None, "上日", *["本日"] * (len(METRICS) - 1)]
    path = summary_workbook(tmp_path / "s.xlsx", _with_total(["110101", "东城支行", *BEFORE[:1], *TODAY[1:]]),
                            header=[top, sub])
    with pytest.raises(RpaError) as refused:
        extract_file(path, load_spec("summary_daily", SPECS))
    said = str(refused.value)
    assert "C4" in said and "储蓄存款余额" in said and "上日" in said


def test_a_row_of_units_under_the_headers_gives_each_column_its_unit(tmp_path: Path) -> None:
    units: list[object] = [None, None, "万元", "亿元", "万元", "万元", "万元", "户", "户", "万元", "个"]
    path = summary_workbook(tmp_path / "s.xlsx", _with_total(["110101", "东城支行", *TODAY]), unit_line=None,
                            header=[["机构代码", "机构名称", *METRICS], units])
    read = _today(path)
    assert read["个人金融资产余额"][0] == Decimal("651000000.00")  # 6.51 亿元, not 6.51 万元
    assert read["储蓄存款余额"][0] == Decimal("426682900.00")
    units[3] = "万户"  # a unit the tool does not know, in the units row: refused, never dropped
    path = summary_workbook(tmp_path / "t.xlsx", _with_total(["110101", "东城支行", *TODAY]), unit_line=None,
                            header=[["机构代码", "机构名称", *METRICS], units])
    with pytest.raises(RpaError) as refused:
        extract_file(path, load_spec("summary_daily", SPECS))
    assert "D5" in str(refused.value) and "万户" in str(refused.value)


@pytest.mark.parametrize("label", [None, "单位", "计量单位："])
def test_a_units_row_with_its_label_or_a_percent_column_is_still_read(tmp_path: Path,
                                                                      label: str | None) -> None:
    """单位 in the label column, 计量单位：, or % under a 占比 column do not hide the row's units:
    6.51 亿元 against the line's 万元 is a conflict, refused, never 6.51 万元."""
    header = [["机构代码", "机构名称", *METRICS, "占比"],
              [label, None, "万元", "亿元", "万元", "万元", "万元", "户", "户", "万元", "个", "%"]]
    rows = _with_total(["110101", "东城支行", *TODAY, 12.5])
    path = summary_workbook(tmp_path / "s.xlsx", rows, header=header)
    with pytest.raises(RpaError) as refused:
        extract_file(path, load_spec("summary_daily", SPECS))
    assert "亿元" in str(refused.value) and "万元" in str(refused.value)
