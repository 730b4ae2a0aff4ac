"""An account's rows that never became work items still order its filings.

    before = rows_aside_before(report, elsewhere, run_id, key)  # parent: (sheet, row) -> rows aside before it
    waits_for_row_aside(item, record, history)                   # worker: one not in AMS: held
    comes_after_a_later_filing(record, history)                  # worker: AMS holds a later one: held

A row the validator puts aside (invalid, or for a person before filing: 核准, a name outside GBK)
is no work item, so the queue's order groups never see it; yet a 撤销 filed behind an unfiled 变更
of its account leaves AMS refusing that 变更 for good. So the parent names, in each valid row's
payload (`ASIDE_BEFORE`), the rows of its account put aside before it in business order: this
run's, and other runs' (not dry runs') as their `row.validated` recorded them, matched by the
account's keyed hash (`rpa.alerts.findings.filing_ref`), never by the account number itself. The
worker, after looking the account up, holds the row (需人工处理) while AMS does not hold one of
them: it was filed since (a corrected export, by hand at AMS) once AMS lists it.

A row of this run's input put aside with an action or a business date that does not read may come
before any row of its account: every valid row of the account in the run is held, for a person to
file in order by hand (nothing tells the bot when that row is filed). Other runs' such rows carry no
keyed hash to match them by (`row_details` has none without a date), so they are not seen here.

A row dated before a filing AMS already holds of the account (a late 变更 of 12-01 after 12-02's
was filed) is held too: filed after it, AMS would end with the older content.

A row put aside for its date (1926 typed for 2026, a 变更 dated before its 开户: `_DATE_WRONG`)
cannot be filed under that date, and a corrected export files another date: tester BJ (F15,
2026-12-07) saw the corrected 开户 held behind the 1926 one for good. Another run's such row holds
no row of its account and action in this run (that row is its correction, and the rows after it
follow it), and a 开户 or 撤销 of it is filed once AMS holds a 开户 (撤销) of the account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from flows.account_filing.account_rows import HeldBehind
from flows.account_filing.notes import ACTION_LABELS
from flows.account_filing.opening_order import BEFORE_ITS_OPENING
from flows.account_filing.put_aside import filing_of_outcome
from flows.account_filing.records import ACTION_ORDER, business_order
from rpa.alerts.findings import filing_ref
from rpa.casework.words import LATER_FILING_NO, WAITS_FOR_EARLIER
from rpa.errors import NeedsPerson
from rpa.outcomes import outcome_label

if TYPE_CHECKING:
    from bots.ams import AccountHistory
    from flows.account_filing.records import FilingRecord
    from flows.account_filing.report import ValidationReport
    from rpa.alerts.aside_by_hand import AsideMark, Place
    from rpa.alerts.findings import PutAside
    from rpa.queue.work_queue import WorkItem

ASIDE_BEFORE = "aside_before"  # the payload field: rows of the account put aside before this one
LATER_IN_AMS = "later_filing_in_ams"
_CODES = {label: code for code, label in ACTION_LABELS.items()}
# a row put aside for its business date: that date says nothing of when its filing comes
_DATE_WRONG = frozenset({"date_too_early", "date_in_future", "action_date_before_opening", BEFORE_ITS_OPENING,
                         "before_its_basic"})


def rows_aside_before(report: ValidationReport, elsewhere: Iterable[PutAside], run_id: str,
                      key: bytes) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Each valid row (sheet, row) -> the rows of its account put aside before it, in this run's
    input or in another run's (`elsewhere`: every run's rows put aside, dry runs' left out)."""
    aside: dict[str, list[dict[str, Any]]] = {}  # account -> its rows put aside
    opening_first: set[tuple[str, str, int]] = set()  # (run, sheet, row) of those before its 开户
    for outcome in report.outcomes:
        action, account, day = filing_of_outcome(outcome)
        if not outcome.valid and account:  # an action or a date that does not read: order unknown
            if action not in ACTION_ORDER or not day:
                action, day = "", ""
            wrong = any(issue.code in _DATE_WRONG for issue in outcome.errors)
            aside.setdefault(account, []).append(_entry(run_id, outcome.sheet, outcome.row, action, day,
                                                        outcome.status, wrong))
            if any(issue.code == BEFORE_ITS_OPENING for issue in outcome.errors):
                opening_first.add((run_id, outcome.sheet, outcome.row))
    others = [row for row in elsewhere if row.run_id != run_id and not row.dry_run and row.filing_ref
              and _CODES.get(row.action) and row.business_date]
    opening_first |= {(row.run_id, row.sheet, row.row) for row in others if BEFORE_ITS_OPENING in row.codes}
    found: dict[tuple[str, int], list[dict[str, Any]]] = {}
    valid = {(o.record.account_no, o.record.action) for o in report.outcomes
             if o.valid and o.record is not None}
    for outcome in report.outcomes:
        record = outcome.record
        if not outcome.valid or record is None:
            continue
        mine = [*aside.get(record.account_no, []), *(
            _entry(row.run_id, row.sheet, row.row, _CODES[row.action], row.business_date, row.status,
                   bool(_DATE_WRONG.intersection(row.codes)))
            for row in others if row.account == outcome.account_masked and _same_account(row, record, key))]
        mine = [e for e in mine if not (e["date_wrong"] and e["run"] != run_id  # corrected in this run
                                        and (record.account_no, e["action"]) in valid)]
        before = [entry for entry in mine if not entry["action"] or _order(entry) < business_order(record)]
        if record.action == "open":  # a 变更 dated before it, its date wrong (tester AK): not behind it
            before = [e for e in before if (e["run"], e["sheet"], e["row"]) not in opening_first]
        if before:
            found[outcome.sheet, outcome.row] = before
    return found


def waits_for_row_aside(item: WorkItem, record: FilingRecord, history: AccountHistory,
                        marks: Callable[[], Mapping[Place, AsideMark]] = dict) -> None:
    """Hold the item while a row of its account put aside before it is not in AMS; `marks` gives
    the rows marked filed by hand (`rpa.alerts.aside_by_hand.aside_marks`), asked only to say so."""
    in_ams = {(e.action, e.business_date) for e in history.entries}
    for entry in item.payload.get(ASIDE_BEFORE) or []:
        action, day = entry["action"], entry["business_date"]
        if (action, day) in in_ams:
            continue  # AMS holds it: filed since, by a later run or by hand
        if entry.get("date_wrong") and action in ("open", "close") and any(a == action for a, _ in in_ams):
            continue  # its date was wrong: AMS holds the account's 开户 (撤销), its correction
        where = "" if entry["run"] == item.run_id else f"运行 {entry['run']} "
        if not action:  # its order is unknown: it may come first, and nothing can tell when it is filed
            note = (f"同一账户的{where}第{entry['row']}行{outcome_label(entry['status'])}，"
                    "其业务类型或业务日期读不出，无法判断先后：本行未提交，暂挂；"
                    "请人工核对该账户在 AMS 的备案，按业务顺序办理后将本行标记为人工报备（rpa cases mark）")
        elif (mark := marks().get((entry["run"], entry["sheet"], entry["row"]))) and mark.approved:
            # tester BM F5 (2026-12-08): the note still said 需人工处理 after the row was approved
            note = (f"同一账户在前的{where}第{entry['row']}行（{ACTION_LABELS[action]} {day}）已人工报备"
                    f"（备案编号 {mark.filing_no}，复核 {mark.checker} 批准），AMS 中却查不到这笔"
                    f"{ACTION_LABELS[action]}：本行未提交，暂挂；请核对该行是否确已在 AMS 办理、"
                    f"备案编号是否有误，AMS 中有了之后执行 rpa runs retry {item.run_id} --items {item.id}")
        else:
            note = (f"同一账户在前的{where}第{entry['row']}行（{ACTION_LABELS[action]} {day}）"
                    f"{outcome_label(entry['status'])}，AMS 中也没有：本行未提交，暂挂；"
                    f"待该行报备（改正后重新导出，或在 AMS 办理）后执行 "
                    f"rpa runs retry {item.run_id} --items {item.id}")
        raise HeldBehind(f"{record.masked_label()}：{note}", code=WAITS_FOR_EARLIER,
                         details={"status": "held", "note": note, "earlier_row": entry["row"]})


def comes_after_a_later_filing(record: FilingRecord, history: AccountHistory) -> None:
    """Hold a row dated before a filing AMS holds of the account: filed now, it would come last."""
    later = [e for e in history.entries
             if e.action in ACTION_ORDER and _order({"action": e.action, "business_date": e.business_date})
             > business_order(record)]
    if not later:
        return
    last = later[-1]
    mine = f"{ACTION_LABELS[record.action]} {record.business_date.isoformat()}"
    note = (f"AMS 中该账户已有更晚的{ACTION_LABELS[last.action]}（{last.business_date}，"
            f"备案编号 {last.filing_no}）：本行（{mine}）晚到，在其后报备会让 AMS 以较早的内容为准；"
            "本行未提交，请人工核对后在 AMS 办理")
    raise NeedsPerson(f"{record.masked_label()}：{note}", code=LATER_IN_AMS,
                      details={"status": "held", "note": note, LATER_FILING_NO: last.filing_no})


def _same_account(row: PutAside, record: FilingRecord, key: bytes) -> bool:
    """Whether another run's row put aside is of the record's account (its keyed hash)."""
    return row.filing_ref == filing_ref(f"{_CODES[row.action]}:{record.account_no}:{row.business_date}", key)


def _entry(run_id: str, sheet: str, row: int, action: str, day: str, status: str,
           date_wrong: bool = False) -> dict[str, Any]:
    return {"run": run_id, "sheet": sheet, "row": row, "action": action, "business_date": day,
            "status": status, "date_wrong": date_wrong}


def _order(entry: dict[str, Any]) -> tuple[date, int]:
    return date.fromisoformat(str(entry["business_date"])), ACTION_ORDER[str(entry["action"])]
