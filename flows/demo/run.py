"""Run the demo: both bots against the mock portals, then say where everything is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.demo.portals import AMS_OPERATORS, FIXTURES, REPORT_OPERATORS, active_operators, portals_process
from rpa.browser.evidence import unique_path
from rpa.outcomes import counts_as_closed
from rpa.run.runs import DEMO_PREFIX, RunOutcome, make_private_dir, now_in, read_run_json
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
    runs_dir: Path

    @property
    def exit_code(self) -> int:
        """0 when both runs finished (items needing attention are expected in the sample)."""
        worst = max(self.filing.exit_code, self.extraction.exit_code)
        return 0 if worst <= 1 else worst


def demo_runs_dir(runs_dir: Path, now: datetime | None = None) -> Path:
    """A new folder for one demo's runs, and (unless a database is configured) its queue and audit
    database: a folder of its own under `runs_dir`, named by `now` (the caller passes the time in
    RPA_TIMEZONE, as run ids are named). Each demo starts fresh mock portals, so it
    starts a fresh queue too: the same sample rows, already known to an earlier demo's queue,
    would otherwise not be filed into the new, empty portal at all."""
    stem = f"{DEMO_PREFIX}{(now or datetime.now()):%Y%m%d-%H%M%S}"
    folder = unique_path(make_private_dir(runs_dir), stem, "")
    folder.mkdir(mode=0o700)  # a demo started in the same instant fails here, not in its runs
    return folder


def new_demo_folder(settings: Settings) -> Path:
    """This demo's folder, named by the time in RPA_TIMEZONE (as run ids are)."""
    return demo_runs_dir(settings.runs_dir, now_in(settings))


def run_demo(settings: Settings, run_flow: RunFlow) -> DemoResult:
    """Start the portals, run account filing then report extraction, stop the portals."""
    runs_dir = new_demo_folder(settings)
    log_file = runs_dir / "demo-portals.log"
    with portals_process(AMS_SEED if AMS_SEED.exists() else None, log_file) as portals:
        demo_settings = settings.model_copy(
            update={
                "runs_dir": runs_dir,
                "ams_url": portals.ams_url,
                "ams_service_window": "always",  # the demo's own mock AMS has no service hours
                "reports_url": portals.reports_url,
                "ams_operators": settings.ams_operators or active_operators(AMS_OPERATORS, DEMO_WORKERS),
                "reports_operators": settings.reports_operators
                or active_operators(REPORT_OPERATORS, DEMO_WORKERS),
            }
        )
        filing = run_flow(demo_settings, "account-filing", {"flow_params": {"input": str(SAMPLE_EXPORT)}})
        extraction = run_flow(demo_settings, "report-extraction", {"flow_params": {"date": DEMO_REPORT_DATE}})
    return DemoResult(filing, extraction, runs_dir)


def describe(result: DemoResult) -> list[str]:
    """Where the results, run reports and audit logs are."""
    lines = []
    for label, outcome in (("单位结算账户备案", result.filing), ("报表数据提取", result.extraction)):
        try:  # its rows' words: 门户拒绝, 待复核 (as the run's verdict)
            run = read_run_json(outcome.folder)
        except (OSError, ValueError):  # damaged: verify says so; the counts are still the run's
            run = {}
        counts = counts_as_closed(outcome.counts, run)
        lines.append(f"{label}：运行 {outcome.run_id}，退出码 {outcome.exit_code}，{counts}")
        for name in ("result.xlsx", "consolidated.xlsx", "report.html", "audit.jsonl", "run.json"):
            path = outcome.folder / name
            if path.exists():
                lines.append(f"  {name:<18} {path}")
    lines.append(f"这次演示的运行和队列在 {result.runs_dir}；让 rpa 指向那里查看：")
    lines.append(f"  RPA_RUNS_DIR={result.runs_dir} .venv/bin/rpa runs show <run id>")
    lines.append(f"  RPA_RUNS_DIR={result.runs_dir} .venv/bin/rpa audit verify <run id>")
    return lines


def sample_paths() -> dict[str, Path]:
    return {"export": SAMPLE_EXPORT, "seed": AMS_SEED}
