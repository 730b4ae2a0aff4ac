"""Reports laid out the way other report systems lay them out: every figure output equals the
truth, or the file is refused with a reason. Never a wrong figure with exit 0."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report_extraction import ExtractionSpec, extract_file, load_spec
from rpa.errors import ExtractionError
from tests.extraction_variants import Case, generate
from tests.extraction_variants.generator import BRANCHES

SPECS = Path(__file__).resolve().parents[2] / "config" / "specs"
CASES = generate(seed=20260305, count=14)  # 14: every trap of each report type once
PDF_CASES = generate(seed=20260306, count=6, fmt="pdf")  # one ruled page each; multi-page is elsewhere


def _spec(name: str) -> ExtractionSpec:
    return load_spec(name, SPECS).model_copy(update={"known_branches": BRANCHES})


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", [*CASES, *PDF_CASES], ids=[
    *(c.name.split(" ")[0] for c in CASES), *(f"pdf-{c.name.split(' ')[0]}" for c in PDF_CASES)])
def test_every_figure_is_the_truth_or_the_file_is_refused_with_a_reason(tmp_path: Path, case: Case) -> None:
    path = tmp_path / f"{case.spec}.{'pdf' if case.data.startswith(b'%PDF') else 'xlsx'}"
    path.write_bytes(case.data)
    if case.expected is None:
        with pytest.raises(ExtractionError, match=case.refusal) as caught:
            extract_file(path, _spec(case.spec), report_date=case.report_date)
        assert str(caught.value), case.name
        return
    try:
        extraction = extract_file(path, _spec(case.spec), report_date=case.report_date)
    except ExtractionError as error:
        pytest.fail(f"{case.name}: a report a clerk reads was refused: {error}")
    got: dict[tuple[str | None, str, str], Decimal] = {
        (f.branch, f.metric, f.column): f.value_yuan for f in extraction.figures}
    wrong = {k: (got[k], v) for k, v in case.expected.items() if k in got and got[k] != v}
    assert not wrong, f"{case.name}: wrong figures (got, truth): {wrong}"
    assert set(got) == set(case.expected), (
        f"{case.name}: missing {sorted(set(case.expected) - set(got))[:5]}, "
        f"extra {sorted(set(got) - set(case.expected))[:5]}")
    assert extraction.ok, f"{case.name}: {[c.message for c in extraction.checks if not c.ok]}"
    for key in case.absent:
        assert any(note.startswith("无数字") and key[1] in note for note in extraction.notes), case.name
    assert all(f.unit_source and not f.unit_assumed for f in extraction.figures), case.name


def test_the_generated_cases_cover_refusals_and_readings() -> None:
    refused = [c for c in CASES if c.expected is None]
    assert 10 <= len(refused) <= len(CASES) // 2
    assert {c.spec for c in refused} == {"branch_daily", "summary_daily", "fee_income_monthly"}
    assert any("trap=two_dates " in c.name for c in CASES)


def test_the_pdf_cases_include_refusals() -> None:
    assert any(c.expected is None for c in PDF_CASES) and any(c.expected is not None for c in PDF_CASES)
