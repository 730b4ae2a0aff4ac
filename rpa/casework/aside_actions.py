"""A row put aside for a person, filed by hand at AMS: the operator's mark, a checker's approval
or refusal, recorded in the run's audit chain (rpa.alerts.aside_by_hand), since such a row is no
queue item for the item's mark (rpa.casework.actions) to hold.

    aside = aside_row(settings, run_id, 14)                        # None: not a row put aside
    mark_aside(settings, run_id, aside, "柜员王", "100020261207000777", "生僻字已在柜面录入")
    approve_aside(settings, run_id, aside, "复核李")                # or refuse_aside(..., reason)

Only a row put aside for a person (需人工处理) can be marked: an invalid one (无效，未报备) holds data
the core system must correct, and a corrected export files it. The checker is never the maker. An
approved row leaves 异常处理 and the alerts; its run, resumed, names the filing in result.xlsx.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rpa.alerts.aside_by_hand import APPROVED, MARKED, REFUSED, AsideMark
from rpa.alerts.findings import FOR_A_PERSON
from rpa.approvals.reasons import stated_reason
from rpa.casework.actions import CaseAction, services, who_acts
from rpa.casework.cases import flow_of, open_cases
from rpa.casework.filing_numbers import refuse_odd_filing_no
from rpa.casework.taken_numbers import refuse_taken
from rpa.errors import UsageError
from rpa.masking import FieldClass, scrub_known
from rpa.outcomes import outcome_label
from rpa.people import os_account, same_person
from rpa.queue.work_queue import WorkQueue
from rpa.run.runs import read_run_json, run_folder, tell_run_log

if TYPE_CHECKING:
    from rpa.audit.log import AuditLog
    from rpa.casework.aside_rows import SetAside
    from rpa.settings import Settings

_NUMBER = {"filing_no": FieldClass.REFERENCE}  # kept whole in the chain, as the item's mark keeps it


def aside_row(settings: Settings, run_id: str, row: int) -> SetAside | None:
    """The run's row put aside at sheet row `row` that still waits for a person, or None."""
    rows = (aside for run in open_cases(settings, run_id) for aside in run.aside)
    return next((aside for aside in rows if aside.row == row), None)


def mark_aside(settings: Settings, run_id: str, aside: SetAside, user: str, filing_no: str,
               reason: str) -> CaseAction:
    """An operator's mark: the row was filed by hand under `filing_no`; it is done once approved."""
    user = who_acts(user)
    filing_no = unicodedata.normalize("NFKC", filing_no).strip()
    reason = stated_reason(reason, "请写明人工报备的原因（如：生僻字已在 AMS 柜面手工录入）")
    if aside.outcome != outcome_label(FOR_A_PERSON):
        raise UsageError(f"第 {aside.row} 行{aside.outcome}，数据有误的行不能标记为人工报备：{aside.advice}")
    if aside.mark is not None:
        raise UsageError(f"第 {aside.row} 行已有待复核的人工报备标记：请等复核人批准或退回")
    refuse_odd_filing_no(aside.row, filing_no)
    refuse_taken(settings, row=aside.row, filing_no=filing_no, filing_ref=aside.filing_ref)
    _, audit = services(settings, run_id)
    reason = _scrubbed(settings, run_id, aside, reason)
    audit.append(run_id, user, MARKED, details={**_place(aside), "filing_no": filing_no, "reason": reason,
                                                "user": user, **os_account()}, field_classes=_NUMBER)
    told = f"（校验时搁置）由 {user} 标记为人工报备（备案编号 {filing_no}），待复核"
    tell_run_log(settings, run_id, [aside.row], told)
    _seal(settings, run_id, audit)
    return CaseAction(run_id, user, MARKED, [aside.row], False)


def approve_aside(settings: Settings, run_id: str, aside: SetAside, checker: str) -> CaseAction:
    """A checker's approval of the row's mark: the row is done, filed by hand under its number."""
    checker = who_acts(checker)
    mark = _to_decide(aside, checker)
    _, audit = services(settings, run_id)
    refuse_taken(settings, row=aside.row, filing_no=mark.filing_no, filing_ref=aside.filing_ref)
    audit.append(run_id, checker, APPROVED,
                 details={**_place(aside), "filing_no": mark.filing_no,
                          "maker": mark.maker, "checker": checker, **os_account()},
                 field_classes=_NUMBER)
    decided = replace(mark, checker=checker, checker_os=os_account().get("os_user", ""))
    tell_run_log(settings, run_id, [aside.row], f"（校验时搁置）办结：人工报备（备案编号 {mark.filing_no}，"
                                                f"{decided.who}）")
    return CaseAction(run_id, checker, APPROVED, [aside.row], True)  # result.xlsx names the filing


def refuse_aside(settings: Settings, run_id: str, aside: SetAside, checker: str, reason: str) -> CaseAction:
    """A checker's refusal of the row's mark: the mark is gone, the row waits as before."""
    checker, reason = who_acts(checker), stated_reason(reason, "退回须写明原因")
    mark = _to_decide(aside, checker)
    _, audit = services(settings, run_id)
    reason = _scrubbed(settings, run_id, aside, reason)
    audit.append(run_id, checker, REFUSED, details={**_place(aside), "maker": mark.maker, "checker": checker,
                                                    "reason": reason, **os_account()})
    tell_run_log(settings, run_id, [aside.row], f"（校验时搁置）的人工报备标记由复核 {checker} 退回："
                                                f"{reason}")
    _seal(settings, run_id, audit)
    return CaseAction(run_id, checker, REFUSED, [aside.row], False)


def _seal(settings: Settings, run_id: str, audit: AuditLog) -> None:
    """audit.jsonl and the ledger's head brought to the chain's end, as at a run's end: a mark or a
    refusal resumes nothing (tester BM, 2026-12-08: verify called each 【不符】, audit.jsonl lacking
    the event; a refusal deleted from the database, its head put back, went unseen)."""
    counts = WorkQueue.from_settings(settings).counts(run_id)
    audit.export(run_id, run_folder(settings, run_id) / "audit.jsonl")
    audit.ledger_ended(run_id, {str(k): v for k, v in counts.items()})


def _scrubbed(settings: Settings, run_id: str, aside: SetAside, reason: str) -> str:
    """The reason with the row's own personal values masked (its names, address: read again from
    the run's input, unchanged since, as `services` checked) as an item's are, then ID-like
    numbers (tester BM F3, 2026-12-08: the row's 法定代表人 stood in clear in the chain and lists)."""
    flow = flow_of(read_run_json(run_folder(settings, run_id)))
    values = flow.input_row_values(settings, aside.sheet, aside.row) if flow is not None else None
    return scrub_known(reason, [values] if values else [], flow.payload_not_personal if flow else None)


def _place(aside: SetAside) -> dict[str, Any]:
    return {"sheet": aside.sheet, "row": aside.row}


def _to_decide(aside: SetAside, checker: str) -> AsideMark:
    if aside.mark is None:
        raise UsageError(f"第 {aside.row} 行没有待复核的人工报备标记")
    if same_person(aside.mark.maker, checker):
        raise UsageError(f"第 {aside.row} 行由 {aside.mark.maker} 标记为人工报备："
                         "标记人不能复核自己的标记，请由另一位复核人办理")
    return aside.mark
