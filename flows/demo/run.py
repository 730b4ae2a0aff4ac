"""Run the demo: both bots against the mock portals, then say where everything is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.demo.portals import AMS_OPERATORS, FIXTURES, REPORT_OPERATORS, active_operators, portals_process
from rpa.runs import RunOutcome
from rpa.settings import Settings

SAMPLE_EXPORT = FIXTURES / "inputs" / "accounts.xlsx"
AMS_SEED = FIXTURES / "inputs" / "ams_seed.json"
DEMO_REPORT_DATE = "2026-11-27"
DEMO_WORKERS = 2

RunFlow = Callable[[Settings, str, dict[str, Any]], RunOutcome]


@dataclass(frozen=True)
class DemoResult:
    filing: RunOutcome
    extraction: RunOutcome

    @property
    def exit_code(self) -> int:
        """0 when both runs finished (items needing attention are expected in the sample)."""
        worst = max(self.filing.exit_code, self.extraction.exit_code)
        return 0 if worst <= 1 else worst


def run_demo(settings: Settings, run_flow: RunFlow) -> DemoResult:
    """Start the portals, run account filing then report extraction, stop the portals."""
    log_file = settings.runs_dir / "demo-portals.log"
    with portals_process(AMS_SEED if AMS_SEED.exists() else None, log_file) as portals:
        demo_settings = settings.model_copy(
            update={
                "ams_url": portals.ams_url,
                "reports_url": portals.reports_url,
                "ams_operators": settings.ams_operators or active_operators(AMS_OPERATORS, DEMO_WORKERS),
                "reports_operators": settings.reports_operators
                or active_operators(REPORT_OPERATORS, DEMO_WORKERS),
            }
        )
        filing = run_flow(demo_settings, "account-filing", {"flow_params": {"input": str(SAMPLE_EXPORT)}})
        extraction = run_flow(demo_settings, "report-extraction", {"flow_params": {"date": DEMO_REPORT_DATE}})
    return DemoResult(filing, extraction)


def describe(result: DemoResult) -> list[str]:
    """Where the results, run reports and audit logs are."""
    lines = []
    for label, outcome in (("account filing", result.filing), ("report extraction", result.extraction)):
        lines.append(f"{label}: run {outcome.run_id}, exit {outcome.exit_code}, {outcome.counts}")
        for name in ("result.xlsx", "consolidated.xlsx", "report.html", "audit.jsonl", "run.json"):
            path = outcome.folder / name
            if path.exists():
                lines.append(f"  {name:<18} {path}")
    return lines


def sample_paths() -> dict[str, Path]:
    return {"export": SAMPLE_EXPORT, "seed": AMS_SEED}
