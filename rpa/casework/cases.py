"""The rows of runs that wait for a person (异常处理): what the console's page and `rpa cases
list` show, through one function.

    >>> for run in open_cases(settings):
    ...     print(run.run_id, [(case.row, case.outcome, case.message) for case in run.cases])

A case is a work item held for a person (not one waiting for a checker's approval: that is
rpa.approvals'), refused or rejected (business error) or failed. A run's input rows it put aside
while validating (需人工处理 before filing: 核准, a name outside GBK...; or 无效，未报备) never
became items: they are listed beside the cases (`SetAside`, from the audit chain's
`row.validated`, rpa.alerts.findings) with their reasons, their deadline (counted under the
calendar in force now: rpa.alerts.recount) and what a person can do, as result.xlsx shows them,
until a corrected export's row of the same account, action and business
date is queued (by any run): that item is then the one followed. A dry run (演练, `--dry-run`)
is left out whole, its items as well as the rows it put aside: it submitted nothing, so nothing
of it is a person's to handle here (`refuse_dry_run` says so to an action on it: run the real
filing and handle its rows).
Each case carries the portal's message, the outcome word of rpa.outcomes, the screenshot the
browser kept when it ended (a path relative to the run folder, "" when none), its fields masked
as the flow shows them, a "filed by hand" mark waiting for a checker, if any, and the filing
number AMS showed for the row when the bot found AMS already holding a filing of it, if any.
Nothing here changes anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa.alerts.aside_by_hand import aside_marks
from rpa.alerts.findings import (
    put_aside_everywhere,
    put_aside_rows,
)
from rpa.alerts.recount import deadline_now, shown_deadline
from rpa.alerts.waiting import not_queued_since
from rpa.approvals.words import AWAITING_CODE, REJECTED_CODE
from rpa.casework.aside_rows import SetAside, set_aside
from rpa.casework.words import BY_HAND
from rpa.errors import UsageError
from rpa.masking import FieldClass, item_ref, mask, scrub_text
from rpa.outcomes import MAY_BE_DONE, MAY_BE_DONE_WORDS, item_label
from rpa.people import same_person
from rpa.queue.work_queue import ItemState, Outcome, WorkItem, WorkQueue
from rpa.run.flow import Flow, load_flow
from rpa.run.report_evidence import evidence, last_failure_shot
from rpa.run.runs import list_runs, now_in, read_run_json, run_folder
from rpa.workdays import WorkCalendar

if TYPE_CHECKING:
    from rpa.settings import Settings

CASE_STATES = (ItemState.HELD, ItemState.BUSINESS_ERROR, ItemState.FAILED)


@dataclass(frozen=True)
class CaseField:
    """One field of a case's row: label, value masked, and whether a person may correct it."""

    label: str
    value: str
    correctable: bool


@dataclass(frozen=True)
class ByHandMark:
    """An operator's mark "filed by hand", waiting for a checker who is not its maker."""

    maker: str
    filing_no: str
    reason: str
    at: str
    os_user: str = ""  # the maker's operating-system account, at the command line

    @property
    def seen(self) -> str:
        """What names this mark among the row's marks (its maker, number and time): the page a
        checker decides on sends it back, so a decision never lands on a mark made since."""
        return hashlib.sha256("\n".join((self.maker, self.filing_no, self.at)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Case:
    """One row that waits for a person."""

    run_id: str
    item_id: int
    sheet: str
    row: int
    state: str  # the queue's state: held, business_error, failed
    outcome: str  # the one word for it (rpa.outcomes)
    code: str
    message: str  # the portal's own words where it gave any, masked
    screenshot: str  # relative to the run folder; "" when none was kept
    system_failure: bool  # failed on system errors (timeouts, 500s): a retry may file it
    fields: tuple[CaseField, ...]
    mark: ByHandMark | None
    ams_filing_no: str = ""  # AMS's filing the bot found for the row (`ams_filing_of`); "" when none
    may_be_done: bool = False  # an earlier attempt's submit got no answer: the portal may hold it
    deadline: str = ""  # counted under the calendar in force now (`2027-01-04（估算）`); "" when none
    overdue: bool = False

    @property
    def due(self) -> str:
        """`报备期限 2026-12-04，已逾期`; "" when the row has no deadline (tester T's U1: a refused
        or failed row said nothing of how urgent it is, a row put aside did)."""
        return f"报备期限 {self.deadline}{'，已逾期' if self.overdue else ''}" if self.deadline else ""

    @property
    def may_be_done_note(self) -> str:
        """What a person reads before filing a failed row by hand: it may be filed already."""
        return MAY_BE_DONE_WORDS if self.may_be_done else ""


@dataclass(frozen=True)
class CaseRun:
    """A run with rows that wait for a person."""

    run_id: str
    flow: str
    started_at: str
    cases: tuple[Case, ...]
    aside: tuple[SetAside, ...] = ()


def open_cases(settings: Settings, run_id: str | None = None) -> list[CaseRun]:
    """Runs with rows that wait for a person (the one named, or every run), newest first."""
    queue = WorkQueue.from_settings(settings)
    queue.create_schema()
    runs = [read_run_json(run_folder(settings, run_id))] if run_id else list_runs(settings)
    key = settings.audit_key_bytes()
    today = now_in(settings).date()
    calendar = WorkCalendar.load(settings.calendar_file)  # deadlines as the calendar now counts them
    aside: dict[str, list[SetAside]] = {}
    put = put_aside_rows(settings, run_id) if run_id else put_aside_everywhere(settings)
    marks = aside_marks(settings, run_id)
    for row in not_queued_since(settings, put):  # a corrected export's row of it: followed there
        mark = marks.get((row.run_id, row.sheet, row.row))
        aside.setdefault(row.run_id, []).append(set_aside(row, today, calendar, mark))
    found = []
    for run in runs:
        rid = str(run.get("run_id") or "")
        if is_dry_run(run):
            continue
        items = [item for item in queue.items(rid) if is_case(item)] if rid else []
        rows = tuple(aside.get(rid, ()))
        if not items and not rows:
            continue
        flow = flow_of(run)
        folder = settings.runs_dir / rid
        cases = tuple(_with_deadline(_case(queue, flow, folder, item, key), item, today, calendar)
                      for item in items)
        found.append(CaseRun(rid, str(run.get("flow", "")), str(run.get("started_at", "")), cases, rows))
    return found


def is_dry_run(run: Mapping[str, Any]) -> bool:
    """A run started as 演练 (`--dry-run`): it validated and looked up, and submitted nothing."""
    return bool(((run.get("parameters") or {}).get("flow_params") or {}).get("dry_run"))


def refuse_dry_run(settings: Settings, run_id: str) -> None:
    """A `UsageError` (exit 2) for a dry run: its rows are not corrected, marked or retried here."""
    if is_dry_run(read_run_json(run_folder(settings, run_id))):
        raise UsageError(f"运行 {run_id} 是演练（只校验和查询，未向 AMS 提交），其中的行不在异常处理中办理："
                         "请运行正式报备（不带 --dry-run），再处理正式运行的结果")


def _with_deadline(case: Case, item: WorkItem, today: date, calendar: WorkCalendar) -> Case:
    """The case with its row's deadline, counted again under the calendar in force now."""
    deadline = deadline_now(calendar, item.payload)
    if deadline is None:
        return case
    due = shown_deadline(deadline)
    return replace(case, deadline=due, overdue=deadline.due < today)


def is_case(item: WorkItem) -> bool:
    """True for an item that waits for a person here: not one waiting for a checker's approval,
    nor one a checker rejected (复核退回 is final: tester AF corrected such a row and filed it)."""
    return item.state in CASE_STATES and not (
        item.state == ItemState.HELD and item.last_error_code == AWAITING_CODE) and not rejected(item)


def rejected(item: WorkItem) -> bool:
    """A row a checker rejected: filed only from a corrected export, in a new run."""
    return item.last_error_code == REJECTED_CODE


def flow_of(run: Mapping[str, Any]) -> Flow | None:
    """The run's flow, built from run.json's parameters; None when it cannot be built here."""
    try:
        return load_flow(str(run.get("flow", "")), run.get("parameters", {}).get("flow_params", {}))
    except UsageError:
        return None


def ams_filing_of(item: WorkItem) -> str:
    """The filing number AMS showed for the row when the bot looked it up (a filing of the
    account held for a person: AMS already holds it under another date or content), "" when the
    item records none. A by-hand mark of the row must give that number (rpa.casework.actions)."""
    return str((item.result or {}).get("filing_no") or "").strip()


def mark_of(item: WorkItem) -> ByHandMark | None:
    mark = (item.result or {}).get(BY_HAND)
    if not isinstance(mark, Mapping):
        return None
    return ByHandMark(str(mark.get("maker", "")), str(mark.get("filing_no", "")),
                      scrub_text(str(mark.get("reason", ""))), str(mark.get("at", "")),
                      str(mark.get("os_user", "")))


def mark_to_decide(item: WorkItem, checker: str, seen: str | None = None) -> ByHandMark:
    """The row's mark a checker approves or refuses; UsageError when there is none, the checker
    made it, or it is not the one the checker saw (`seen`: refused, then marked again since)."""
    row, mark = int(item.payload.get("row") or 0), mark_of(item)
    if mark is None:
        raise UsageError(f"第 {row} 行没有待复核的人工报备标记")
    if same_person(mark.maker, checker):
        raise UsageError(f"第 {row} 行由 {mark.maker} 标记为人工报备："
                         "标记人不能复核自己的标记，请由另一位复核人办理")
    if seen is not None and seen != mark.seen:
        raise UsageError(f"第 {row} 行的人工报备标记在你打开页面后已改变（现为 {mark.maker} 标记的备案编号 "
                         f"{mark.filing_no}）：本次办理没有生效，请刷新页面后重新复核")
    return mark


def masked_fields(flow: Flow | None, payload: Mapping[str, Any]) -> dict[str, str]:
    """The payload's fields by label, masked as diagnostics are (rpa.masking)."""
    if flow is None:
        return {}
    return {label: _masked(value, kind) for label, value, kind, _ in flow.case_fields(payload)}


def _masked(value: str, kind: FieldClass | None) -> str:
    return mask(value, kind) if kind is not None and value else scrub_text(value)


def _case(queue: WorkQueue, flow: Flow | None, folder: Path, item: WorkItem, key: bytes) -> Case:
    result = item.result or {}
    shot = evidence(result.get("evidence"), folder)
    screenshot = shot.href and str(result["evidence"]) if shot is not None else ""
    held = result if item.state == ItemState.HELD else None  # a later failure's page is its own
    screenshot = screenshot or last_failure_shot(folder, item_ref(item.key, key), held)
    message = str(result.get("portal_message") or item.last_error_message or result.get("note") or "")
    history = queue.history(item.id) if item.state == ItemState.FAILED else []
    system = bool(history) and history[-1].outcome in (Outcome.SYSTEM_ERROR, Outcome.LEASE_EXPIRED)
    fields = tuple(CaseField(label, _masked(value, kind), correctable)
                   for label, value, kind, correctable in (flow.case_fields(item.payload) if flow else []))
    return Case(item.run_id, item.id, str(item.payload.get("sheet") or ""), int(item.payload.get("row") or 0),
                item.state.value, item_label(item.state.value, result), item.last_error_code or "",
                scrub_text(message), screenshot or "", system, fields, mark_of(item),
                mask(ams_filing_of(item), FieldClass.REFERENCE),
                item.state == ItemState.FAILED and bool(result.get(MAY_BE_DONE)))
