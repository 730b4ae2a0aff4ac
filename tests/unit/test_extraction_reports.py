"""Every figure of every report, extracted from xlsx and PDF, equals the generator's truth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.reports import BRANCHES, build_report, expected_figures
from flows.report_extraction import Extraction, ExtractionSpec, extract_file, load_spec, reconcile

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
DATES = [date(2026, 1, 2), date(2026, 3, 5), date(2026, 11, 30)]
CODES = [code for code, _ in BRANCHES]


@pytest.fixture(scope="module")
def specs() -> dict[str, ExtractionSpec]:
    return {name: load_spec(name, SPECS) for name in ("branch_daily", "summary_daily", "fee_income_monthly")}


def _extract(folder: Path, spec: ExtractionSpec, report_date: date, branch: str | None, fmt: str,
             variant: str = "standard") -> Extraction:
    path = folder / f"{spec.name}_{branch or 'all'}_{report_date}_{variant}.{fmt}"
    path.write_bytes(build_report(spec.name, report_date, branch, fmt, variant=variant))
    return extract_file(path, spec)


def _as_table(extraction: Extraction) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for figure in extraction.figures:
        table.setdefault(figure.metric, {})[figure.column] = str(figure.value_yuan)
    return table


def _same(got: dict[str, dict[str, str]], want: dict[str, dict[str, str]]) -> bool:
    def exact(table: dict[str, dict[str, str]]) -> dict[str, dict[str, Decimal]]:
        return {m: {c: Decimal(v) for c, v in cols.items()} for m, cols in table.items()}

    return exact(got) == exact(want)


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
@pytest.mark.parametrize("report_date", DATES, ids=str)
def test_branch_files_give_the_true_figures_and_reconcile(
    tmp_path: Path, specs: dict[str, ExtractionSpec], report_date: date, fmt: str
) -> None:
    branch_extractions = []
    for code in CODES:
        extraction = _extract(tmp_path, specs["branch_daily"], report_date, code, fmt)
        assert extraction.branch == code
        assert extraction.report_date == report_date.isoformat()
        assert _same(_as_table(extraction), expected_figures("branch_daily", report_date, code)), code
        branch_extractions.append(extraction)
    summary = _extract(tmp_path, specs["summary_daily"], report_date, None, fmt)
    want = expected_figures("summary_daily", report_date, None)
    for branch, metrics in want.items():
        got = {f.metric: {f.column: str(f.value_yuan)} for f in summary.figures if f.branch == branch}
        assert _same(got, metrics), branch
    assert summary.ok, [c.message for c in summary.checks]
    results = reconcile(branch_extractions, summary)
    assert [r.ok for r in results] == [True], [r.message for r in results]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_monthly_fee_report_across_pages_gives_the_true_figures(
    tmp_path: Path, specs: dict[str, ExtractionSpec], fmt: str
) -> None:
    report_date = date(2026, 3, 31)
    extraction = _extract(tmp_path, specs["fee_income_monthly"], report_date, None, fmt)
    want = expected_figures("fee_income_monthly", report_date, None)
    for branch, table in want.items():
        got: dict[str, dict[str, str]] = {}
        for figure in extraction.figures:
            if figure.branch == branch:
                got.setdefault(figure.metric, {})[figure.column] = str(figure.value_yuan)
        assert _same(got, table), branch
    assert extraction.ok and extraction.checks[0].name == "totals"
    if fmt == "pdf":
        assert {f.provenance.page for f in extraction.figures} == {1, 2, 3}, "the table runs over three pages"


def test_every_figure_keeps_its_provenance(tmp_path: Path, specs: dict[str, ExtractionSpec]) -> None:
    xlsx = _extract(tmp_path, specs["branch_daily"], DATES[1], "110105", "xlsx")
    savings = next(f for f in xlsx.figures if f.metric == "储蓄存款余额" and f.column == "本日")
    assert (savings.provenance.sheet, savings.provenance.cell) == ("网点经营日报", "C6")
    assert savings.unit == "万元" and savings.raw.replace(",", "").replace(".", "").isdigit()
    pdf = _extract(tmp_path, specs["branch_daily"], DATES[1], "110105", "pdf")
    for figure in pdf.figures:
        assert figure.provenance.page == 1 and figure.provenance.bbox is not None
    x0, top, x1, bottom = pdf.figures[0].provenance.bbox or (0, 0, 0, 0)
    assert x0 < x1 and top < bottom
    record = pdf.to_json()
    assert record["figures"][0]["provenance"]["page"] == 1 and record["sha256"] == pdf.sha256
