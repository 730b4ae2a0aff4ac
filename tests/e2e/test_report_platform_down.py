"""The report platform down from the start: every worker fails to log in, one after another,
and the run stops (exit 3) without stopping the run for other hosts (no stop request); the
scheduler reads that as `workers_failed`, a cause it clears once the platform answers
(rpa.schedule.causes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rpa.queue.work_queue import WorkQueue
from rpa.run.orchestrate import execute_run
from rpa.schedule.causes import WORKERS_FAILED, portal_answers, stop_code_of, workers_failed_reason
from rpa.settings import OperatorCredential, Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.timeout(300)
def test_workers_failing_to_log_in_stop_the_run_with_a_cause(tmp_path: Path, report_portal: Any) -> None:
    operators = [OperatorCredential(code=op.code, password=op.password) for op in report_portal.operators]
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key",
                        reports_url=report_portal.url, reports_operators=operators[:1])
    report_portal.set_faults(error_rate=1.0)  # every page a 500 系统繁忙
    try:
        assert not portal_answers(settings, "report_platform")
        outcome = execute_run(settings, "report-extraction", {"flow_params": {"date": "2026-11-27"}},
                              workers=1)
    finally:
        report_portal.set_faults()
    assert outcome.exit_code == 3, outcome
    assert WorkQueue.from_settings(settings).stop_requested(outcome.run_id) is None  # other hosts go on
    assert stop_code_of(settings, "report-extraction", outcome.run_id) == WORKERS_FAILED
    log = (outcome.folder / "run.log").read_text(encoding="utf-8")
    assert "工作进程接连启动失败" in log
    reason = workers_failed_reason(settings, outcome.run_id)  # the fire's reason: what the portal said
    assert reason.startswith("运行提前停止，工作进程接连启动失败，最后一次：") and "500" in reason, reason
    assert portal_answers(settings, "report_platform")  # back: the fire would now be resumed
