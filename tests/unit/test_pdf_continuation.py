"""A branch summary continued over PDF pages: every figure read equals the truth, or the file is
refused with a reason naming the page and the text. The PDFs come from tests/pdf_variants.py
(reportlab's canvas, not the mock platform's writer): ruled and borderless, header repeated or
not, the totals row (合计 / 总计 / 全行合计) first or last, the continuation pages shifted."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from flows.report_extraction.pdf_continuation import UnplacedRow
from flows.report_extraction.specs import Label
from rpa.errors import ExtractionError, LabelNotFound
from rpa.settings import PROJECT_ROOT
from tests.pdf_variants import PdfStyle, SummaryTable, random_summary, summary_pdf

TABLE = random_summary(seed=20261127, branches=23)  # 24 rows with the totals: three pages of 9


def _for(spec: ExtractionSpec, *tables: SummaryTable) -> ExtractionSpec:
    """The spec, with the tables' branches as the bank's branch list where specs carry one."""
    if "known_branches" not in ExtractionSpec.model_fields:
        return spec
    known = {code: f"第{code}网点" for table in tables for code in table.rows}
    return spec.model_copy(update={"known_branches": known})


SPEC = _for(load_spec("summary_daily", PROJECT_ROOT / "config" / "specs"), TABLE)


def _read(tmp_path: Path, table: SummaryTable, style: PdfStyle) -> dict[tuple[str | None, str, str], Decimal]:
    path = tmp_path / f"{style.name()}.pdf"
    path.write_bytes(summary_pdf(table, style))
    extraction = extract_file(path, SPEC)
    failed = [c.message for c in extraction.checks if not c.ok]
    assert not failed, failed
    return {(f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures}


@pytest.mark.parametrize("totals_first", [False, True], ids=["totals-last", "totals-first"])
@pytest.mark.parametrize("repeat_header", [True, False], ids=["header", "no-header"])
@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_every_row_of_every_page_is_read(tmp_path: Path, ruled: bool, repeat_header: bool,
                                         totals_first: bool) -> None:
    style = PdfStyle(ruled=ruled, repeat_header=repeat_header, totals_first=totals_first, rows_per_page=9)
    got = _read(tmp_path, TABLE, style)
    assert got == TABLE.truth()
    assert len({b for b, _, _ in got}) == 24  # 23 branches and 合计, from three pages


@pytest.mark.parametrize("label", ["总计", "全行合计"])
def test_other_names_of_the_totals_row(tmp_path: Path, label: str) -> None:
    style = PdfStyle(ruled=False, repeat_header=False, totals_label=label, rows_per_page=7)
    assert _read(tmp_path, TABLE, style) == TABLE.truth()


def test_continuation_pages_drawn_a_little_to_the_side_still_join(tmp_path: Path) -> None:
    for style in (PdfStyle(ruled=True, repeat_header=False, shift=9, rows_per_page=10),
                  PdfStyle(ruled=False, repeat_header=False, shift=-12, continuation_title=False,
                           footer=False, rows_per_page=10)):
        assert _read(tmp_path, TABLE, style) == TABLE.truth(), style.name()


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_a_table_that_starts_on_the_page_after_the_heading_is_read(tmp_path: Path, ruled: bool) -> None:
    """Page 1 holds only the title, date and unit (tester AE's F1: refused, naming 第None页)."""
    style = PdfStyle(ruled=ruled, repeat_header=True, heading_alone=True, rows_per_page=9)
    assert _read(tmp_path, TABLE, style) == TABLE.truth()


def test_a_total_that_is_not_the_sum_of_its_rows_fails_the_totals_check(tmp_path: Path) -> None:
    wrong = SummaryTable(TABLE.date, TABLE.rows, totals_off_by=Decimal("1.00"))  # 10,000 元 too many
    path = tmp_path / "wrong.pdf"
    path.write_bytes(summary_pdf(wrong, PdfStyle(ruled=False, repeat_header=False, rows_per_page=9)))
    extraction = extract_file(path, SPEC)
    (failed,) = [c for c in extraction.checks if not c.ok]
    assert failed.name == "totals" and "储蓄存款余额" in failed.message
    assert "相差 10000.00 元" in failed.message and failed.provenance[0].page == 3


@pytest.mark.parametrize("ruled", [False, True], ids=["borderless", "ruled"])
def test_text_that_lies_under_no_column_is_refused_naming_page_and_text(tmp_path: Path, ruled: bool) -> None:
    path = tmp_path / "stray.pdf"
    path.write_bytes(summary_pdf(TABLE, PdfStyle(ruled=ruled, repeat_header=False, rows_per_page=9,
                                                 stray="（本行数据已调整）")))
    with pytest.raises(UnplacedRow) as refused:
        extract_file(path, SPEC)
    message = str(refused.value)
    assert message.startswith("stray.pdf 第2页：") and "（本行数据已调整）" in message
    assert ("第1页表格的列" if not ruled else "在表格旁边") in message
    assert refused.value.details["page"] == 2


@pytest.mark.parametrize("stamp", ["内部资料 注意保密", "打印时间：2026-12-01 08:30",
                                   "打印机构：110102 西城支行 打印人：RP0001"])
@pytest.mark.parametrize("ruled", [False, True], ids=["borderless", "ruled"])
def test_a_line_printed_at_the_foot_of_every_page_is_a_footer(tmp_path: Path, stamp: str,
                                                              ruled: bool) -> None:
    """Tester BI F7 (2026-12-07): a line a platform stamps under the table on every page refused a
    three-page report at its page 2 as text that lies in no row; the first page prints it too."""
    style = PdfStyle(ruled=ruled, repeat_header=True, rows_per_page=9, stamp=stamp)
    assert _read(tmp_path, TABLE, style) == TABLE.truth()


def test_property_random_layouts_read_right_or_are_refused_with_a_reason(tmp_path: Path) -> None:
    rng = random.Random(5)
    outcomes = {"right": 0, "refused": 0}
    for case in range(16):
        table = random_summary(seed=rng.randint(0, 10**6), branches=rng.randint(3, 30))
        style = PdfStyle(
            ruled=rng.random() < 0.5, repeat_header=rng.random() < 0.5, totals_first=rng.random() < 0.5,
            totals_label=rng.choice(["合计", "总计", "全行合计"]), rows_per_page=rng.randint(4, 20),
            continuation_title=rng.random() < 0.5, footer=rng.random() < 0.5,
            shift=rng.choice([0.0, 0.0, 6.0, -8.0]),
            stray=rng.choice([None, None, None, "备注：调整"]))
        path = tmp_path / f"case{case}.pdf"
        path.write_bytes(summary_pdf(table, style))
        try:
            extraction = extract_file(path, _for(SPEC, table))
        except ExtractionError as error:
            assert str(error).startswith(path.name) and "页" in str(error), style.name()
            outcomes["refused"] += 1
            continue
        got = {(f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures}
        assert extraction.ok and got == table.truth(), style.name()
        outcomes["right"] += 1
    assert outcomes["right"] >= 10  # most layouts are read; none is read wrong


def test_a_headless_borderless_page_of_a_grouped_report_is_refused(tmp_path: Path) -> None:
    """Without the header, a group label's rows cannot be told on a borderless page: refused."""
    grouped = SPEC.model_copy(update={"group_column": Label(name="分组")})
    path = tmp_path / "grouped.pdf"
    path.write_bytes(summary_pdf(TABLE, PdfStyle(ruled=False, repeat_header=False, rows_per_page=9)))
    with pytest.raises(LabelNotFound, match="第2页：表格续页没有表头，且报表按“分组”分组"):
        extract_file(path, grouped)
