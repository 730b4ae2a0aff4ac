"""Report data extraction: declarative specs, xlsx and PDF readers, figures with provenance, checks.

    spec = load_spec("branch_daily", Path("config/specs"))
    extraction = extract_file(Path("branch_daily_110101_2026-03-05.pdf"), spec)
    results = reconcile(branch_extractions, summary_extraction, tolerance_yuan=Decimal(50))
"""

from flows.report_extraction.checks import reconcile, totals_checks
from flows.report_extraction.extract import extract_file
from flows.report_extraction.models import CheckResult, Extraction, Figure, Provenance
from flows.report_extraction.period_checks import check_day_over_day
from flows.report_extraction.specs import ExtractionSpec, load_spec

__all__ = [
    "CheckResult",
    "Extraction",
    "ExtractionSpec",
    "Figure",
    "Provenance",
    "check_day_over_day",
    "extract_file",
    "load_spec",
    "reconcile",
    "totals_checks",
]
