"""RPA_FILING_REQUIRE_CHECK: a 开户/变更 row is filed only once its check (keyed as its filing) and any
later check of its enterprise passed; else it is 需人工处理 saying what was found: not queued, or held."""

from __future__ import annotations

from flows.account_filing.issues import RowIssue, Severity
from flows.account_filing.records import FilingRecord
from flows.account_filing.report import ValidationReport
from rpa.outcomes import state_label
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue

CHECK_FLOW = "enterprise-check"
THEN = "核查通过后再报备（RPA_FILING_REQUIRE_CHECK）"
AGAIN = f"再运行 rpa run enterprise-check，{THEN}"


def not_passed(queue: WorkQueue, records: list[FilingRecord]) -> dict[str, str]:
    """Key -> what was found, of each 开户/变更 record whose check (or a later one) did not pass."""
    rows = {r.idempotency_key(): r.uscc or "" for r in records if r.action in ("open", "change")}
    checks = queue.find_by_keys(CHECK_FLOW, list(rows))
    last = queue.latest_by_payload(CHECK_FLOW, "credit_code", list(rows.values()))
    return {key: _not_passed(item) for key, code in rows.items()  # the row's check, or a later one not passed
            if (item := checks.get(key)) is None or not item.done_as("passed")
            or ((later := last.get(code)) is not None and later.updated_at > item.updated_at
                and not (item := later).done_as("passed"))}


def hold_unchecked(report: ValidationReport, queue: WorkQueue, queued_in: str = "") -> int:
    """Make each valid row without a passed check, not `queued_in`'s item yet, a person's; how many."""
    rows = {o.record.idempotency_key(): o for o in report.outcomes if o.valid and o.record is not None}
    queued = queue.find_by_keys(queued_in, list(rows)) if queued_in else {}  # the worker asks for those
    fresh = [o.record for key, o in rows.items() if key not in queued and o.record is not None]
    for key, why in (held := not_passed(queue, fresh)).items():
        rows[key].valid, rows[key].needs_person = False, True
        rows[key].errors.append(RowIssue("统一社会信用代码", "check_not_passed", why, Severity.NEEDS_PERSON))
    return len(held)


def _not_passed(check: WorkItem | None) -> str:
    """What the row's latest check found (none, held and why, failed, not finished) and in which run."""
    if check is None:
        return f"未见企业信息联网核查此行现在的内容（从未核查，或核查后行的内容改过）：请先{AGAIN}"
    if check.state in (ItemState.PENDING, ItemState.LEASED):  # in flight, or its run stopped (tester AP)
        return f"运行 {check.run_id} 的企业信息联网核查尚未完成：请待它完成或用 --resume 续跑，{THEN}"
    found = "：".join(filter(None, (state_label(check.state), str((check.result or {}).get("note") or ""))))
    fix = "更正此行或企业的登记后" if check.state == ItemState.HELD else ""
    return f"运行 {check.run_id} 的企业信息联网核查为「{found}」，未通过：请{fix}{AGAIN}"
