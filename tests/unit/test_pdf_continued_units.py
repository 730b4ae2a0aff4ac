"""A table continued over PDF pages takes its units from every page it spans: a footnote on page 2
states the unit as much as the unit line on page 1, and one that disagrees with a page-1 unit
column refuses the file naming both places.

The PDFs are the mock platform's 网点经营日报 (fixtures/reports) cut after six rows (page 1 keeps
a 户 in the unit column: a borderless reader sees a column by its figures), with the unit column
and the footnotes changed here; and tests/pdf_variants.py's three-page branch summary with its
unit line left off page 1 and the unit in a footnote on page 3.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import extract_file, load_spec
from flows.report_extraction.models import Extraction
from rpa.errors import UnreadableFigure
from rpa.settings import PROJECT_ROOT
from tests.pdf_variants import PdfStyle, random_summary, summary_pdf

DAY = date(2026, 12, 3)
BRANCH = "110101"
SPECS = PROJECT_ROOT / "config" / "specs"
NOTE_WAN = "注：金额单位为万元，保留两位小数。"


def _daily_pdf(tmp_path: Path, *, units: dict[str, str], notes: list[str], borderless: bool = False) -> Path:
    """The 网点经营日报 over two pages (rows 1-6 on page 1, 7-9 on page 2), the unit column set to
    `units` (label -> text, '' for none), `notes` printed below the table on page 2 only."""
    from fixtures.reports._builders import branch_daily  # the mock platform's own layout and writer
    from fixtures.reports._pdf import render_pdf

    layout = branch_daily(2026, DAY, BRANCH, "standard")
    body = [[row[0], units.get(str(row[0]), row[1]), *row[2:]] for row in layout.body]
    layout = dataclasses.replace(layout, body=body, footnotes=notes, page_groups=[6, len(body) - 6])
    path = tmp_path / "daily.pdf"
    path.write_bytes(render_pdf(layout, borderless=borderless))
    return path


def _truth() -> dict[tuple[str, str], Decimal]:
    from fixtures.reports import expected_figures

    figures = expected_figures("branch_daily", DAY, BRANCH)
    return {(metric, column): Decimal(value) for metric, columns in figures.items()
            for column, value in columns.items()}


def _read(path: Path, spec: str = "branch_daily") -> Extraction:
    return extract_file(path, load_spec(spec, SPECS))


MONEY = ["储蓄存款余额", "个人金融资产余额", "个人贷款余额", "对公贷款余额", "普惠贷款余额", "中间业务收入"]


@pytest.mark.parametrize("borderless", [False, True], ids=["ruled", "borderless"])
def test_a_unit_stated_only_in_a_page_2_footnote_is_read(tmp_path: Path, borderless: bool) -> None:
    path = _daily_pdf(tmp_path, units=dict.fromkeys(MONEY, ""), notes=[NOTE_WAN], borderless=borderless)
    extraction = _read(path)
    got = {(f.metric, f.column): f.value_yuan for f in extraction.figures}
    assert got == _truth()
    sources = {f.unit_source for f in extraction.figures if f.metric in MONEY}
    assert sources == {"脚注 第2页表外文字"}


@pytest.mark.parametrize(("metric", "page"), [("储蓄存款余额", 1), ("中间业务收入", 2)])
def test_a_page_2_footnote_that_disagrees_with_the_unit_column_refuses_naming_both(
        tmp_path: Path, metric: str, page: int) -> None:
    path = _daily_pdf(tmp_path, units={metric: "元"}, notes=[NOTE_WAN])
    with pytest.raises(UnreadableFigure) as caught:
        _read(path)
    message = caught.value.message
    assert message.startswith(f"daily.pdf, 第{page}页")
    assert f"单位列 第{page}页 写 元" in message and "脚注 第2页表外文字 写 万元" in message
    assert metric in message


def test_a_page_2_footnote_in_yuan_against_a_unit_column_in_wan_yuan_refuses(tmp_path: Path) -> None:
    path = _daily_pdf(tmp_path, units={}, notes=["注：金额单位为元。"])  # unit column 万元 throughout
    with pytest.raises(UnreadableFigure) as caught:
        _read(path)
    assert "单位列 第1页 写 万元" in caught.value.message
    assert "脚注 第2页表外文字 写 元" in caught.value.message


TABLE = random_summary(seed=20261203, branches=17)  # 18 rows with the totals: three pages of 7


def _summary(tmp_path: Path, style: PdfStyle) -> Extraction:
    path = tmp_path / "summary.pdf"
    path.write_bytes(summary_pdf(TABLE, style))
    spec = load_spec("summary_daily", SPECS)
    if "known_branches" in type(spec).model_fields:
        spec = spec.model_copy(update={"known_branches": {code: f"第{code}网点" for code in TABLE.rows}})
    return extract_file(path, spec)


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_a_summary_whose_unit_is_in_the_last_pages_footnote_is_read(tmp_path: Path, ruled: bool) -> None:
    style = PdfStyle(ruled=ruled, repeat_header=False, rows_per_page=7, unit_line="", note=NOTE_WAN)
    extraction = _summary(tmp_path, style)
    assert {(f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures} == TABLE.truth()
    assert {f.unit_source for f in extraction.figures if f.unit == "万元"} == {"脚注 第3页表外文字"}


def test_a_summary_whose_last_page_footnote_disagrees_with_page_1_is_refused(tmp_path: Path) -> None:
    style = PdfStyle(ruled=False, repeat_header=False, rows_per_page=7, unit_line="单位：元", note=NOTE_WAN)
    with pytest.raises(UnreadableFigure) as caught:
        _summary(tmp_path, style)
    message = caught.value.message
    assert message.startswith("summary.pdf: 金额单位前后不一")
    assert "单位行 第1页表外文字 写 元" in message and "脚注 第3页表外文字 写 万元" in message
