"""What waits for a checker, and a checker's approval or rejection: plain functions that the
command line (`rpa approvals ...`) and the console call alike.

    >>> for run in waiting(settings):
    ...     print(run.run_id, run.maker, [row.row for row in run.rows])
    >>> approve(settings, run_id, checker="li.si", rows=[3, 5])       # or rows=None: every row
    Decision(run_id=..., checker='li.si', rows=[3, 5], ...)
    >>> reject(settings, run_id, checker="li.si", rows=[4], reason="证件已过期")

A row is addressed by its sheet row (as result.xlsx and `waiting` number it). The maker (who
started the run, as its audit chain records it: `rpa.approvals.maker`) can never decide on
their own run, and a run without a recorded maker cannot be decided on at all: both are
`UsageError`s (exit 2), as is a row that does not wait. Every decision is written to the
run's audit chain under the checker's name: one `item.approved` or `item.business_error`
event per row and one `approval.approved` or `approval.rejected` event for the decision.

A page's decision names the rows as it showed them (`seen`, `rpa.approvals.stale`): a row
changed since (rejected, corrected, waiting again) or not shown is refused, never decided on
content its checker did not see.

A decision is taken in one compare-and-set on the rows' awaiting state (the queue's
`approve_held` / `reject_held`, all or none): when another checker decided one of its rows a
moment earlier, it changes nothing, records nothing and is a UsageError naming who decided.

Approved rows are pending again; the run files them when it is resumed (`execute_run(...,
resume=run_id)`; `rpa approvals approve` does it at once), or at once if it is still running.
Rejected rows end as business errors (复核退回 with the reason). Resuming also brings the run's
result.xlsx, report.html (its 复核记录 section), run.json and ledger up to date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.approvals.maker import maker_of
from rpa.approvals.reasons import stated_reason
from rpa.approvals.stale import already_decided, decided_by, refuse_unseen, row_seen, taken
from rpa.approvals.stale import sheet_row as _row
from rpa.approvals.words import (
    APPROVED_AT,
    APPROVED_BY,
    AWAITING_CODE,
    CORRECTED_BY,
    KEPT_NOTE,
    MAKER_PARAM,
    OLD_REVIEW_NOTE,
    REJECTED_CODE,
)
from rpa.audit.log import AuditLog
from rpa.errors import UsageError
from rpa.masking import mask, scrub_known
from rpa.people import os_account, same_person
from rpa.queue.work_queue import ItemState, WorkItem, WorkQueue
from rpa.run.flow import Flow, load_flow
from rpa.run.resume_checks import refuse_unsound_run
from rpa.run.runs import list_runs, now_in, read_run_json, run_folder, tell_run_log

if TYPE_CHECKING:
    from rpa.settings import Settings


@dataclass(frozen=True)
class ReviewField:
    """One field of a waiting row: as it will be filed, as AMS holds it now (None: not read, the
    row opens an account or closes one), whether it changes, and whether the 变更 leaves it as
    AMS holds it (`kept`: `send` is then AMS's value, whatever the row's cell said). Masked."""

    label: str
    send: str
    ams: str | None
    changed: bool
    kept: bool = False

    @property
    def to_file(self) -> str:
        """The value under 将报送, with KEPT_NOTE when the 变更 leaves the field to AMS."""
        return f"{self.send}{KEPT_NOTE}" if self.kept else self.send


@dataclass(frozen=True)
class WaitingRow:
    """One row that waits for a checker."""

    item_id: int
    sheet: str
    row: int
    action: str
    account: str  # masked
    business_date: str
    fields: tuple[ReviewField, ...]
    ams_history: tuple[str, ...] = ()  # AMS's filings of the account: `开户 2025-03-04 AMS...`
    # a change held before reviews marked the fields it leaves to AMS: its 将报送 may show the
    # row's cells where AMS's values are filed (the screens then say OLD_REVIEW_NOTE)
    kept_unmarked: bool = False
    seen: str = ""  # the row as shown (`stale.row_seen`): a decision on it sends this back
    corrected_by: str = ""  # who corrected it (异常处理): they may not approve it (tester AI)

    @property
    def warning(self) -> str:
        """What the screens say above the row's fields; empty for most rows."""
        return OLD_REVIEW_NOTE if self.kept_unmarked else ""


@dataclass(frozen=True)
class WaitingRun:
    """A run with rows waiting for a checker."""

    run_id: str
    flow: str
    maker: str | None
    started_at: str
    rows: tuple[WaitingRow, ...]


@dataclass(frozen=True)
class Decision:
    """What one approval or rejection did: the sheet rows it decided, by whom, when."""

    run_id: str
    checker: str
    maker: str
    approved: bool
    rows: list[int]
    reason: str
    at: str
    run_live: bool  # the run is still running: it files approved rows itself


def waiting(settings: Settings, run_id: str | None = None) -> list[WaitingRun]:
    """Runs with rows waiting for a checker (the one named, or every run), newest first."""
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()
    runs = [read_run_json(run_folder(settings, run_id))] if run_id else list_runs(settings)
    found = []
    for run in runs:
        flow = _flow_of(run)
        rows = tuple(_waiting_row(item, flow) for item in _awaiting(queue, str(run.get("run_id"))))
        if rows:
            maker = run.get("parameters", {}).get(MAKER_PARAM)
            found.append(WaitingRun(str(run["run_id"]), str(run.get("flow", "")), maker and str(maker),
                                    str(run.get("started_at", "")), rows))
    return found


def approve(settings: Settings, run_id: str, checker: str, rows: Sequence[int] | None = None,
            seen: Mapping[int, str] | None = None) -> Decision:
    """Approve the run's waiting rows (all, or the sheet rows named): pending again, to be filed.
    `seen`: each row's token as a page showed it (`stale.refuse_unseen`)."""
    queue, audit, maker, chosen = _prepare(settings, run_id, checker, rows, seen)
    checker = checker.strip()
    at = now_in(settings).isoformat(timespec="seconds")
    mark = {APPROVED_BY: checker, APPROVED_AT: at}
    done = set(queue.approve_held(run_id, [item.id for item in chosen], AWAITING_CODE, mark,
                                  all_or_none=True))
    decided = taken(queue, run_id, chosen, done, lambda: _awaiting(queue, run_id))
    for item in decided:
        audit.append(run_id, checker, "item.approved", item_key=item.key,
                     details={"checker": checker, "row": _row(item)})
    numbers = sorted(_row(item) for item in decided)
    audit.append(run_id, checker, "approval.approved",
                 details={"checker": checker, "maker": maker, "rows": numbers, "count": len(numbers),
                          **os_account()})
    tell_run_log(settings, run_id, numbers, f"由复核 {checker} 批准报备（经办 {maker}）")
    return Decision(run_id, checker, maker, True, numbers, "", at, _live(settings, run_id))


def reject(settings: Settings, run_id: str, checker: str, rows: Sequence[int], reason: str,
           seen: Mapping[int, str] | None = None) -> Decision:
    """Reject the run's waiting rows named: they end as 复核退回 with the reason, never filed."""
    reason = stated_reason(reason, "退回须写明原因：请用 --reason 说明为何不予报备")
    if not rows:
        raise UsageError("退回须指明行号：请用 --rows 给出要退回的行（见 rpa approvals list）")
    queue, audit, maker, chosen = _prepare(settings, run_id, checker, rows, seen)
    kept = getattr(_flow_of(read_run_json(run_folder(settings, run_id))), "payload_not_personal", None)
    reason = scrub_known(reason, [item.payload for item in chosen], kept)  # the rows' own values masked
    checker, at = checker.strip(), now_in(settings).isoformat(timespec="seconds")
    note = f"复核人 {checker} 退回：{reason}"
    result = {"status": REJECTED_CODE, "note": note, "checker": checker, "reason": reason, "at": at}
    done = set(queue.reject_held(run_id, [item.id for item in chosen], AWAITING_CODE,
                                 new_code=REJECTED_CODE, message=note, result=result, all_or_none=True))
    decided = taken(queue, run_id, chosen, done, lambda: _awaiting(queue, run_id))
    for item in decided:
        audit.append(run_id, checker, "item.business_error", item_key=item.key,
                     details={"code": REJECTED_CODE, "message": note, "row": _row(item)})
    numbers = sorted(_row(item) for item in decided)
    audit.append(run_id, checker, "approval.rejected",
                 details={"checker": checker, "maker": maker, "rows": numbers, "reason": reason,
                          **os_account()})
    tell_run_log(settings, run_id, numbers, f"办结：复核退回（复核 {checker}，经办 {maker}）：{reason}")
    return Decision(run_id, checker, maker, False, numbers, reason, at, _live(settings, run_id))


def _prepare(
    settings: Settings, run_id: str, checker: str, rows: Sequence[int] | None, seen: Mapping[int, str] | None
) -> tuple[WorkQueue, AuditLog, str, list[WorkItem]]:
    """The queue, the audit log, the run's maker and the chosen waiting items; UsageError when
    the checker may not decide or a row named does not wait."""
    if not checker.strip():
        raise UsageError("缺少复核人：请用 --checker 给出复核人姓名")
    folder = run_folder(settings, run_id)  # a run id that names no run is said so (tester Y)
    maker = maker_of(settings, run_id)
    if maker is None:
        raise UsageError(f"运行 {run_id} 没有记录发起人：无法确认复核人不是发起人，不能在此复核")
    if same_person(maker, checker):
        raise UsageError(f"运行 {run_id} 由 {maker} 发起：发起人不能复核自己的运行，请由另一位复核人办理")
    refuse_unsound_run(AuditLog.from_settings(settings), folder, run_id)  # before anything is changed
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()
    waiting_items = _awaiting(queue, run_id)
    if rows is not None:  # a row named that another checker decided a moment ago: say who
        gone = set(rows) - {_row(item) for item in waiting_items}
        decided = [item for item in queue.items(run_id) if _row(item) in gone and decided_by(item)]
        if decided:
            raise already_decided(run_id, decided)
    if not waiting_items:
        raise UsageError(f"运行 {run_id} 没有待复核的行：请在控制台的复核页面或用 rpa approvals list 查看")
    if rows is None:
        chosen = waiting_items
    else:
        by_row = {_row(item): item for item in waiting_items}
        unknown = sorted(set(rows) - set(by_row))
        if unknown:
            named = "、".join(str(n) for n in unknown)
            raise UsageError(f"第 {named} 行不在运行 {run_id} 的待复核行中："
                             "请在控制台的复核页面或用 rpa approvals list 查看行号")
        chosen = [by_row[n] for n in sorted(set(rows))]
    refuse_unseen(run_id, chosen, seen)
    # four eyes on what is filed: tester AF corrected a row and approved it herself
    own = [str(_row(item)) for item in chosen if same_person(str(item.payload.get(CORRECTED_BY) or ""),
                                                              checker)]
    if own:
        raise UsageError(f"第 {'、'.join(own)} 行由 {checker} 更正：更正人不能复核自己更正的行，"
                         "请由另一位复核人办理")
    audit = AuditLog.from_settings(settings)
    audit.create_schema()
    return queue, audit, maker, chosen


def _awaiting(queue: WorkQueue, run_id: str) -> list[WorkItem]:
    return [item for item in queue.items(run_id)
            if item.state == ItemState.HELD and item.last_error_code == AWAITING_CODE]


def _flow_of(run: dict[str, Any]) -> Flow | None:
    try:
        return load_flow(str(run.get("flow", "")), run.get("parameters", {}).get("flow_params", {}))
    except UsageError:
        return None


def _waiting_row(item: WorkItem, flow: Flow | None) -> WaitingRow:
    """The row as its review shows it, each value masked again by what the flow says it is in
    this row (`Flow.case_fields`: a 无字号个体工商户's name is its owner's): masking a masked value
    changes nothing, and a review kept before a rule was added is shown masked all the same."""
    review: dict[str, Any] = (item.result or {}).get("review") or {}
    kinds = {label: kind for label, _, kind, _ in (flow.case_fields(item.payload) if flow else [])}

    def shown(label: str, value: Any) -> str:
        kind = kinds.get(label)
        return mask(value, kind) if kind is not None else str(value)

    fields = tuple(
        ReviewField(label, shown(label, f.get("send", "")),
                    None if f.get("ams") is None else shown(label, f["ams"]), bool(f.get("changed")),
                    bool(f.get("kept")))
        for f in review.get("fields", [])
        for label in [str(f.get("label", ""))]
    )
    sheet = str(item.payload.get("sheet") or "")
    history = tuple(" ".join(str(entry.get(k) or "") for k in ("action", "business_date", "filing_no"))
                    for entry in review.get("ams_history", []) if isinstance(entry, dict))
    raw = [f for f in review.get("fields", []) if isinstance(f, dict)]
    unmarked = any(f.get("ams") is not None for f in raw) and not any("kept" in f for f in raw)
    return WaitingRow(item.id, sheet, _row(item), str(review.get("action", "")),
                      str(review.get("account", "")), str(review.get("business_date", "")), fields, history,
                      unmarked, row_seen(item), str(item.payload.get(CORRECTED_BY) or ""))


def _live(settings: Settings, run_id: str) -> bool:
    from rpa.run.owners import RunOwners

    return RunOwners.from_settings(settings).state(run_id) == "running"

