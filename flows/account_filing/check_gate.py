"""RPA_FILING_REQUIRE_CHECK: a 开户/变更 row is filed only after its registration check passed (the
check keys rows like their filings) and no later check of its enterprise, of another row of it,
did not pass (吊销 since). Else it is for a person (需人工处理, the note saying which check found
what) and is not enqueued."""

from __future__ import annotations

from flows.account_filing.issues import RowIssue, Severity
from flows.account_filing.report import ValidationReport
from rpa.outcomes import state_label
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue

CHECK_FLOW = "enterprise-check"
AGAIN = "再运行 rpa run enterprise-check，核查通过后再报备（RPA_FILING_REQUIRE_CHECK）"


def hold_unchecked(report: ValidationReport, queue: WorkQueue) -> int:
    """Turn every valid 开户/变更 row without a passed check into a row for a person; how many."""
    rows = {o.record.idempotency_key(): (o, o.record.uscc or "") for o in report.outcomes
            if o.valid and o.record is not None and o.record.action in ("open", "change")}
    checks = queue.find_by_keys(CHECK_FLOW, list(rows))
    last = queue.latest_by_payload(CHECK_FLOW, "credit_code", [code for _, code in rows.values()])
    held = [(o, item) for key, (o, code) in rows.items()  # the row's check, or a later one that did not pass
            if (item := checks.get(key)) is None or not item.done_as("passed")
            or ((later := last.get(code)) is not None and later.updated_at > item.updated_at
                and not (item := later).done_as("passed"))]
    for outcome, check in held:
        outcome.valid, outcome.needs_person = False, True
        issue = RowIssue("统一社会信用代码", "check_not_passed", _not_passed(check), Severity.NEEDS_PERSON)
        outcome.errors.append(issue)
    return len(held)


def _not_passed(check: WorkItem | None) -> str:
    """What the row's latest check found (none, held and why, failed, not finished) and in which run."""
    if check is None:
        return f"未见企业信息联网核查此行现在的内容（从未核查，或核查后行的内容改过）：请先{AGAIN}"
    found = "：".join(filter(None, (state_label(check.state), str((check.result or {}).get("note") or ""))))
    fix = "更正此行或企业的登记后" if check.state == ItemState.HELD else ""
    return f"运行 {check.run_id} 的企业信息联网核查为「{found}」，未通过：请{fix}{AGAIN}"
