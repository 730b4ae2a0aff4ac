"""The filing run's close: one result.xlsx row and one report row for each input row, and the rows
another run holds, recorded for the pages that list a run's rows from the queue.

A row whose item another run holds (an earlier run filed it, or works it still) is no item of
this run: result.xlsx and report.html say what that run did with it, and the `rows.elsewhere`
event names each such row with the other run's item, so the console's 任务详情 (which lists
this run's items) shows the same rows (`rpa.run.elsewhere`).

    closed = close_rows(ctx, report, key_of, today)   # .rows (result.xlsx), .input_rows (report.html)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from flows.account_filing.lost_answers import RETRIED
from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.other_runs import held_elsewhere_note, run_state
from flows.account_filing.put_aside import filing_of_outcome
from flows.account_filing.row_results import (
    close_days,
    from_this_folder,
    input_row,
    overdue_at_close,
    result_row,
    with_failure_shot,
)
from rpa.alerts.aside_by_hand import approved_by_hand
from rpa.alerts.findings import DRY_RUN_PREFIX, filing_of
from rpa.casework.words import FILED_BY_HAND
from rpa.outcomes import item_label
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.run.elsewhere import ROWS_ELSEWHERE
from rpa.run.owners import RunOwners, RunState
from rpa.run.report_sections import InputRow

if TYPE_CHECKING:
    from flows.account_filing.records import FilingRecord
    from flows.account_filing.report import RowOutcome, ValidationReport
    from flows.account_filing.result_book import ResultRow
    from rpa.run.runs import RunContext


@dataclass
class Closed:
    """What the close found: result.xlsx's rows, report.html's, and how many rows another run
    holds without having filed them."""

    rows: list[ResultRow] = field(default_factory=list)
    input_rows: list[InputRow] = field(default_factory=list)
    not_done_elsewhere: int = 0


def close_rows(ctx: RunContext, report: ValidationReport, key_of: Callable[[RowOutcome, FilingRecord], str],
               run_day: date, flow: str = "account-filing") -> Closed:
    """Each input row of `report` as result.xlsx and report.html show it, with the queue's item
    of its key (`key_of`), this run's or another's; records `rows.elsewhere` when another run
    holds any. `run_day`: the run's day (是否逾期 is judged by the day of the close)."""
    from flows.account_filing.aliases import load_aliases

    aliases = load_aliases(ctx.settings.config_dir)
    items = {item.key: item for item in ctx.queue.items(ctx.run_id)}
    owners = RunOwners.from_settings(ctx.settings)
    today, filed_on = close_days(ctx, run_day)  # 是否逾期 as the book is written
    states: dict[str, RunState] = {}
    closed, elsewhere_rows = Closed(), []
    followed = _filed_by_another_row(ctx, report, flow)
    released = _released(ctx, items)
    by_hand = approved_by_hand(ctx.settings, ctx.run_id)  # rows put aside for a person, filed by hand
    for outcome in report.outcomes:
        item: WorkItem | None = None
        elsewhere = followed.get((outcome.sheet, outcome.row), "")
        if outcome.valid and outcome.record is not None:
            key = key_of(outcome, outcome.record)
            item = items.get(key) or ctx.queue.find_by_key(flow, key)
        if item is not None and item.run_id != ctx.run_id:  # another run holds the row
            closed.not_done_elsewhere += item.state != ItemState.DONE
            if item.state in (ItemState.PENDING, ItemState.LEASED) and item.run_id not in states:
                states[item.run_id] = run_state(ctx, item.run_id, owners)
            elsewhere = held_elsewhere_note(item, states.get(item.run_id))
            elsewhere_rows.append(_elsewhere(outcome.sheet, outcome.row, item, elsewhere))
        row = with_failure_shot(result_row(outcome, item, aliases.match, elsewhere), item, ctx)
        if item is not None and item.run_id == ctx.run_id and (who := released.get(item.id)):
            row = replace(row, note="；".join(p for p in (row.note, f"由 {'、'.join(who)} 重试放行") if p))
        if (mark := by_hand.get((outcome.sheet, outcome.row))) is not None and not outcome.valid:
            row = replace(row, status=FILED_BY_HAND, filing_no=mark.filing_no, note=mark.note)
        row = overdue_at_close(row, outcome, item, today, filed_on)
        closed.input_rows.append(input_row(outcome, item, row))
        closed.rows.append(from_this_folder(row, item, ctx.run_id))
    if elsewhere_rows:
        ctx.record(ROWS_ELSEWHERE, rows=elsewhere_rows)
    return closed


def _elsewhere(sheet: str, row: int, item: WorkItem, note: str) -> dict[str, Any]:
    return {"sheet": sheet, "row": row, "item_id": item.id, "run": item.run_id, "note": note}


def _filed_by_another_row(ctx: RunContext, report: ValidationReport, flow: str) -> dict[tuple[str, int], str]:
    """For each row put aside (invalid, for a person) whose filing, the same account, action and
    business date, another row's item holds (a corrected export's, in any run but a dry run), what
    result.xlsx says of it: the row stays 未报备, and its 说明 names the row that was filed instead
    (tester BJ F2, 2026-12-07: the record of the row said 无效，未报备 and nothing else)."""
    aside = {(o.sheet, o.row): ":".join(filing_of_outcome(o)) for o in report.outcomes if not o.valid}
    aside = {where: filing for where, filing in aside.items() if all(filing.split(":"))}
    patterns = sorted({f"%{filing}:%" for filing in aside.values()})
    found: dict[str, WorkItem] = {}
    for one in ctx.queue.find_by_key_patterns(flow, patterns) if patterns else []:
        if not one.key.startswith(DRY_RUN_PREFIX):
            found[filing_of(one.key)] = one  # the latest item of a filing (ordered by id)
    notes = {}
    for where, filing in aside.items():
        if (other := found.get(filing)) is not None:
            action, _, day = filing.split(":")
            run = "本运行" if other.run_id == ctx.run_id else f"运行 {other.run_id} "
            number = (other.result or {}).get("filing_no") if other.state == ItemState.DONE else None
            said = item_label(other.state.value, other.result) + (f"，备案编号 {number}" if number else "")
            label, row = ACTION_LABELS.get(action, action), other.payload.get("row")
            notes[where] = f"同一账户{label}（{day}）由{run}第 {row} 行办理：{said}"
    return notes


def _released(ctx: RunContext, items: dict[str, WorkItem]) -> dict[int, list[str]]:
    """Who put each of the run's items back to be worked again (`rpa runs retry` names items, `rpa
    cases retry` sheet rows), by item id: the row held or refused before it was filed says so in
    result.xlsx (tester BJ F2, F5, 2026-12-07: a row held behind an invalid one, released by 柜员王,
    read 已报备 成功 and nothing else)."""
    by_row: dict[object, list[int]] = {}
    for item in items.values():
        by_row.setdefault(item.payload.get("row"), []).append(item.id)
    who: dict[int, list[str]] = {}
    for event in ctx.audit.events(ctx.run_id):
        if event.event == RETRIED:
            put = [i for i in event.details.get("items") or () if isinstance(i, int)]
        elif event.event == "case.retried":
            put = [i for row in event.details.get("rows") or () for i in by_row.get(row, ())]
        else:
            continue
        for item_id in put:
            if event.actor not in who.setdefault(item_id, []):
                who[item_id].append(event.actor)
    return who
