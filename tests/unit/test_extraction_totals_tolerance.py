"""The rounding a totals check allows follows the figures the report prints, not a cell's format.

A report system that writes numbers without a number format shows a whole 4000 万元 as `4000`
beside figures printed to 0.01 万元; that figure is not rounded to a whole 万元, so it widens
the tolerance no more than its neighbours do (50 元 a figure). The summary is written here cell
by cell with openpyxl; the expected sums are worked out by hand below.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flows.report_extraction import Extraction, Figure, Provenance, extract_file, load_spec, reconcile
from tests.hand_reports import summary_workbook

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "config" / "specs"
METRICS = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额", "客户数",
           "新增客户数", "中间业务收入", "对公账户开户数"]
# 对公贷款余额 (the fourth) of 110102 is a whole 4000 万元, written as a plain number
BRANCHES = [("110101", "东城支行", [12345.67, 23456.78, 3456.78, 4567.89, 567.89, 8888, 8, 12.34, 3]),
            ("110102", "西城支行", [13345.67, 23956.78, 3466.78, 4000.0, 568.89, 8889, 9, 13.34, 4]),
            ("110105", "朝阳支行", [14345.67, 24456.78, 3476.78, 4569.89, 569.89, 8890, 10, 14.34, 5])]
# the rows' sums worked out by hand; 对公贷款余额 4567.89 + 4000 + 4569.89 = 13137.78
TOTALS = [40037.01, 71870.34, 10400.34, 13137.78, 1706.67, 26667, 27, 40.02, 12]


def _summary(tmp_path: Path, loans_total: float, *, whole: bool = False) -> Path:
    """分行汇总日报 in 万元 with the 合计 of 对公贷款余额 set to `loans_total`; `whole`: every
    money figure of that column a whole number."""
    rows: list[list[object]] = []
    for code, name, values in BRANCHES:
        row = list(values)
        if whole:
            row[3] = float(round(row[3]))
        rows.append([code, name, *row])
    totals: list[object] = list(TOTALS)
    totals[3] = loans_total
    return summary_workbook(tmp_path / "summary.xlsx", [*rows, ["合计", None, *totals]])


def _loans_check(tmp_path: Path, loans_total: float, *, whole: bool = False) -> tuple[bool, str]:
    extraction = extract_file(_summary(tmp_path, loans_total, whole=whole), load_spec("summary_daily", SPECS))
    failed = [c for c in extraction.checks if not c.ok]
    return not failed, " ".join(c.message for c in failed)


def test_a_whole_figure_in_a_general_cell_does_not_widen_the_totals_tolerance(tmp_path: Path) -> None:
    assert _loans_check(tmp_path, 13137.78) == (True, "")
    for off in (13138.18, 13138.32):  # 4,000 and 5,400 元 more than the rows' sum
        ok, message = _loans_check(tmp_path, off)
        assert not ok and "合计 对公贷款余额 本日" in message and "超过容差 200.00 元" in message


def test_rounding_of_the_figures_printed_is_still_allowed(tmp_path: Path) -> None:
    assert _loans_check(tmp_path, 13137.79)[0], "0.01 万元 apart: within four figures' rounding"
    # every figure of the column printed as a whole 万元: each may be 0.5 万元 off the truth
    assert _loans_check(tmp_path, 13139.0, whole=True)[0]  # 4568 + 4000 + 4570 = 13138


def _figure(file: str, value: str, raw: str) -> Figure:
    return Figure(branch="110102", metric="对公贷款余额", column="本日", value_yuan=Decimal(value), raw=raw,
                  unit="万元", provenance=Provenance(file=file, sheet="S", cell="C6"))


def test_a_whole_branch_figure_is_compared_at_the_summarys_precision() -> None:
    branch = Extraction(spec="branch_daily", file="b.xlsx", sha256="0" * 64,
                        figures=[_figure("b.xlsx", "40000000", "4000")], checks=[], branch="110102")
    summary = Extraction(spec="summary_daily", file="s.xlsx", sha256="0" * 64, checks=[], branch=None,
                         figures=[_figure("s.xlsx", "40004000", "4,000.40")])
    failed = [r for r in reconcile([branch], summary) if not r.ok]
    assert len(failed) == 1 and "超过容差 50.00 元" in failed[0].message
