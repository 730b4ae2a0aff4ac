"""What a person does with a row that waits (异常处理): plain functions the console's page and
`rpa cases ...` call alike.

    >>> correct(settings, run_id, item_id, user="wang.jb", changes={"基本存款账户编号": "J1000..."})
    >>> mark_by_hand(settings, run_id, item_id, user="wang.jb", filing_no="AMS2026...", reason="柜面已报")
    >>> approve_by_hand(settings, run_id, item_id, checker="li.fh")      # never the mark's maker
    >>> refuse_by_hand(settings, run_id, item_id, checker="li.fh", reason="编号与回执不符")
    >>> retry_failures(settings, run_id, user="wang.jb")                 # system failures, rows now cleared

A correction is validated by the flow's own validator (`Flow.corrected_payload`: the same parsers
and record model as the input rows) and refused naming the field; accepted, the item is pending
again with the corrected payload, its attempts reset, and the run files it once resumed
(`rpa.casework.resume`): its look-up comes first, as for every attempt. What changed is judged
on the values, not as masked (刘一 and 刘二 both mask as 刘*), and a correction that changes none
is refused. A gate the flow's fresh rows pass before they are queued (`Flow.correction_held`:
RPA_FILING_REQUIRE_CHECK's registration check, on when the run keeps it: `rpa.run.safeguards`)
holds a corrected row that does not pass it (需人工处理, its note, an `item.held` event); a retry
files it once it passes. "Filed by hand" has two steps: an operator's mark (filing number,
reason) leaves the row as it was, not counted as filed; a checker who is not the mark's maker
approves it, and the item ends done with the outcome 人工报备 and that filing number
(result.xlsx and report.html show it once the run's outputs are refreshed by resuming it), or
refuses it and the mark is gone. A retry puts the run's items that failed on system errors, and
corrected rows held by such a gate that pass it now, back to pending. A row held only because
an earlier row of its account had not ended filed (`WAITS_FOR_EARLIER`) goes back to pending
with that row when it is retried, corrected or approved as filed by hand: the account's order
group files it after it.
Each is one event in the run's audit chain under the acting user's name, values masked (a
correction's old and new values too), and a line of the run's run.log; each asks for the run to be resumed
(`CaseAction.resume`): its outputs and its sealed chain are brought up to date. Refusals are
`UsageError`s (exit 2) saying what to do; every action on a dry run (演练) is one: it submitted
nothing, so its rows are the real filing run's to handle.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.approvals.reasons import stated_reason
from rpa.audit.log import AuditLog
from rpa.casework.cases import (
    CASE_STATES,
    flow_of,
    is_case,
    mark_of,
    mark_to_decide,
    masked_fields,
    refuse_dry_run,
    rejected,
)
from rpa.casework.filing_numbers import agrees_with_ams, before_mark, difference_note, looks_like_filing_no
from rpa.casework.words import (
    BY_HAND,
    CORRECTED_AT,
    CORRECTED_BY,
    CORRECTED_FIELDS,
    FILED_BY_HAND,
    WAITS_FOR_EARLIER,
)
from rpa.errors import UsageError
from rpa.masking import FieldClass, scrub_known
from rpa.outcomes import MAY_BE_DONE
from rpa.people import one_account_words, os_account
from rpa.queue.aftercare import HELD_ON_REFILE, held_on_refile
from rpa.queue.work_queue import ItemState, Outcome, WorkItem, WorkQueue
from rpa.run.resume_checks import refuse_unsound_run
from rpa.run.runs import now_in, read_run_json, run_folder, tell_run_log
from rpa.run.safeguards import run_settings

if TYPE_CHECKING:
    from rpa.run.flow import Flow
    from rpa.settings import Settings

@dataclass(frozen=True)
class CaseAction:
    """What one action did: the sheet rows it touched, by whom, and whether the run is to be
    resumed to file them or refresh its outputs (`resume`)."""

    run_id: str
    user: str
    event: str
    rows: list[int]
    resume: bool


def correct(settings: Settings, run_id: str, item_id: int, user: str,
            changes: Mapping[str, str]) -> CaseAction:
    """Correct the row's fields named (label -> text; blank ones are left as they are) and put
    it back to be filed."""
    user = who_acts(user)
    changes = {label: text.strip() for label, text in changes.items() if text and text.strip()}
    if not changes:
        raise UsageError("没有填写要更正的项：在要改的项中填写新值（不改的项留空）")
    queue, audit, item = _case(settings, run_id, item_id)
    if mark_of(item) is not None:
        raise UsageError(f"第 {_row(item)} 行已标记为人工报备、待复核：请先由复核人退回该标记再更正")
    if not queue.payload_sound(item):  # a correction would seal what someone else wrote
        raise UsageError(f"第 {_row(item)} 行的内容与入队时的签封不符（队列数据库被改动过），不能在其上更正："
                         "请查明改动；该行仍要报备的，请按导出人工报备后标记")
    run = read_run_json(run_folder(settings, run_id))
    flow = flow_of(run)
    if flow is None:
        raise UsageError(f"运行 {run_id} 的流程在此安装中不可用，不能更正")
    payload = flow.corrected_payload(settings, item.payload, changes)
    # changed or not by the values themselves: masked, 刘一 and 刘二 would both read 刘*
    old_values, new_values = _values(flow, item.payload), _values(flow, payload)
    changed_labels = [label for label in old_values  # those named, in the form's order
                      if label in changes and old_values[label] != new_values.get(label)]
    if not changed_labels:
        raise UsageError(f"第 {_row(item)} 行所填的新值与原值相同，没有更正任何项："
                         "请在要改的项中填写不同的新值")
    before, after = masked_fields(flow, item.payload), masked_fields(flow, payload)
    earlier = {*(item.payload.get(CORRECTED_FIELDS) or []), *changed_labels}  # every correction's
    corrected = [label for label in old_values if label in earlier]
    payload = {**payload, CORRECTED_BY: user, CORRECTED_AT: _now(settings), CORRECTED_FIELDS: corrected}
    held = flow.correction_held(run_settings(settings, run_folder(settings, run_id)), queue, payload)
    if not queue.refile(run_id, item.id, payload, CASE_STATES, held=held):
        raise UsageError(f"第 {_row(item)} 行刚刚已被处理或其同一账户的事项正在办理：请刷新后再试")
    if held is None:
        queue.retry(run_id, [later.id for later in _waiting_behind(queue, run_id, [item])])
    changed = [{"field": label, "old": before.get(label, ""), "new": after.get(label, "")}
               for label in changed_labels]
    audit.append(run_id, user, "case.corrected", item_key=item.key,
                 details={"user": user, "row": _row(item), "was": item.state.value, "changes": changed,
                          **({"held": held[0]} if held else {}), **os_account()})
    if held is not None:  # its outcome now, as the item loop records a hold (`rpa audit verify`)
        audit.append(run_id, user, "item.held", item_key=item.key,
                     details={"code": held[0], "message": held[1], "row": _row(item),
                              "result_hmac": audit.keyed_digest(held_on_refile(held[1]))})
    then = "待续跑重新报备" if held is None else f"暂不报备（需人工处理）：{held[1]}"
    tell_run_log(settings, run_id, [_row(item)], f"由 {user} 更正（{'、'.join(changed_labels)}），{then}")
    return CaseAction(run_id, user, "case.corrected", [_row(item)], True)


def mark_by_hand(settings: Settings, run_id: str, item_id: int, user: str, filing_no: str,
                 reason: str) -> CaseAction:
    """An operator's mark: the row was filed by hand under `filing_no`; it counts once approved."""
    user = who_acts(user)
    filing_no = unicodedata.normalize("NFKC", filing_no).strip()
    reason = stated_reason(reason, "请写明人工报备的原因（如：柜面已在 AMS 中办理）")
    queue, audit, item = _case(settings, run_id, item_id)
    if mark_of(item) is not None:
        raise UsageError(f"第 {_row(item)} 行已有待复核的人工报备标记：请等复核人批准或退回")
    agrees_with_ams(item, filing_no, "人工报备只能填写该编号，请核对 AMS 的备案历史后重新标记")
    looks_like_filing_no(settings, item, filing_no)
    flow = flow_of(read_run_json(run_folder(settings, run_id)))
    if flow is None or not flow.case_fields(item.payload):  # a report download is not filed by hand
        raise UsageError(f"运行 {run_id} 的事项不是报备，不能标记为人工报备：请重试或重新运行")
    reason = scrub_known(reason, [item.payload], flow.payload_not_personal)  # the row's values masked
    mark = {"maker": user, "filing_no": filing_no, "reason": reason, "at": _now(settings), **os_account()}
    if not queue.annotate(run_id, item.id, CASE_STATES, BY_HAND, mark):
        raise UsageError(f"第 {_row(item)} 行刚刚已被处理：请刷新后再试")
    audit.append(run_id, user, "case.marked_by_hand", item_key=item.key,
                 details={"user": user, "row": _row(item), "filing_no": filing_no, "reason": reason,
                          **os_account()},
                 field_classes={"filing_no": FieldClass.REFERENCE})
    tell_run_log(settings, run_id, [_row(item)], f"由 {user} 标记为人工报备（备案编号 {filing_no}），待复核")
    return CaseAction(run_id, user, "case.marked_by_hand", [_row(item)], True)


def approve_by_hand(settings: Settings, run_id: str, item_id: int, checker: str,
                    seen: str | None = None) -> CaseAction:
    """A checker's approval of a mark (the one `seen`, when given: `ByHandMark.seen`): the item
    ends done as 人工报备 with the mark's number."""
    checker = who_acts(checker)
    queue, audit, item = _case(settings, run_id, item_id)
    mark = mark_to_decide(item, checker, seen)
    agrees_with_ams(item, mark.filing_no, "请退回该标记，由经办人按 AMS 显示的编号重新标记")
    at = _now(settings)
    checker_os = os_account().get("os_user")  # none where the checker signed in to the console
    who = f"经办 {mark.maker} 标记，复核 {checker} 批准{one_account_words(mark.os_user, checker_os)}"
    note = f"人工报备：{mark.reason}（{who}）{difference_note(item)}"
    result = {"status": FILED_BY_HAND, "filing_no": mark.filing_no, "note": note,
              BY_HAND: {**(item.result or {}).get(BY_HAND, {}), "checker": checker, "approved_at": at},
              "before": before_mark(item)}
    if not queue.settle(run_id, item.id, CASE_STATES, code=FILED_BY_HAND, result=result):
        raise UsageError(f"第 {_row(item)} 行刚刚已被处理：请刷新后再试")
    queue.retry(run_id, [later.id for later in _waiting_behind(queue, run_id, [item])])
    audit.append(run_id, checker, "item.done", item_key=item.key,  # its outcome, as the item loop records one
                 details={"status": FILED_BY_HAND, "filing_no": mark.filing_no, "row": _row(item),
                          "result_hmac": audit.keyed_digest(result)},
                 field_classes={"filing_no": FieldClass.REFERENCE})
    audit.append(run_id, checker, "case.by_hand_approved", item_key=item.key,
                 details={"checker": checker, "maker": mark.maker, "row": _row(item),
                          "filing_no": mark.filing_no, **os_account()},
                 field_classes={"filing_no": FieldClass.REFERENCE})
    tell_run_log(settings, run_id, [_row(item)],
                 f"办结：人工报备（备案编号 {mark.filing_no}，{who}）")
    return CaseAction(run_id, checker, "case.by_hand_approved", [_row(item)], True)


def refuse_by_hand(settings: Settings, run_id: str, item_id: int, checker: str, reason: str,
                   seen: str | None = None) -> CaseAction:
    """A checker's refusal of a mark (the one `seen`, when given): the mark is gone, the row
    waits as before."""
    checker = who_acts(checker)
    reason = stated_reason(reason, "退回须写明原因")
    queue, audit, item = _case(settings, run_id, item_id)
    mark, flow = mark_to_decide(item, checker, seen), flow_of(read_run_json(run_folder(settings, run_id)))
    reason = scrub_known(reason, [item.payload], flow.payload_not_personal if flow else None)
    if not queue.annotate(run_id, item.id, CASE_STATES, BY_HAND, None):
        raise UsageError(f"第 {_row(item)} 行刚刚已被处理：请刷新后再试")
    audit.append(run_id, checker, "case.by_hand_refused", item_key=item.key,
                 details={"checker": checker, "maker": mark.maker, "row": _row(item), "reason": reason,
                          **os_account()})
    tell_run_log(settings, run_id, [_row(item)], f"的人工报备标记由复核 {checker} 退回：{reason}")
    return CaseAction(run_id, checker, "case.by_hand_refused", [_row(item)], True)


def retry_failures(settings: Settings, run_id: str, user: str) -> CaseAction:
    """The run's items that failed on system errors (timeouts, 500s, a lost session) or after a
    submit the portal may have done, and its corrected rows held for a registration check that
    has passed since, go back to pending; items failed on a bug or refused stay as they are."""
    user = who_acts(user)
    queue, audit = services(settings, run_id)
    chosen = [item for item in queue.items(run_id) if item.state == ItemState.FAILED and mark_of(item) is None
              and _failed_on_system(queue, item)]
    chosen += (cleared := _cleared_since(settings, queue, run_id))
    if not chosen:
        raise UsageError(f"运行 {run_id} 没有因系统故障失败的行，也没有更正后待核查、现已核查通过的行")
    chosen += _waiting_behind(queue, run_id, chosen)  # the account's later rows, in order behind
    back = set(queue.retry(run_id, [item.id for item in chosen]))
    rows = sorted(_row(item) for item in chosen if item.id in back)
    audit.append(run_id, user, "case.retried",
                 details={"user": user, "rows": rows, "count": len(rows), **os_account()})
    which = "因系统故障失败的行" + ("、更正后核查已通过的行" if cleared else "")
    tell_run_log(settings, run_id, rows, f"由 {user} 重试（{which}，及排在其后的同一账户的行）")
    return CaseAction(run_id, user, "case.retried", rows, bool(rows))


# -- internals -------------------------------------------------------------------------------

def _waiting_behind(queue: WorkQueue, run_id: str, earlier: list[WorkItem]) -> list[WorkItem]:
    """The run's rows held only because one of `earlier` (a row of their account before them)
    had not ended filed (`WAITS_FOR_EARLIER`): they go back to pending with it, and the
    account's order group files them after it."""
    before = {item.order_group: item.id for item in sorted(earlier, key=lambda i: -i.id) if item.order_group}
    return [item for item in queue.items(run_id)
            if item.state == ItemState.HELD and item.last_error_code == WAITS_FOR_EARLIER
            and item.order_group in before and item.id > before[item.order_group]
            and item.id not in {e.id for e in earlier}]


def _cleared_since(settings: Settings, queue: WorkQueue, run_id: str) -> list[WorkItem]:
    """The run's corrected rows a gate held (`Flow.correction_held`: no passed registration check
    of the corrected content then) that pass it now."""
    folder = run_folder(settings, run_id)
    flow, kept = flow_of(read_run_json(folder)), run_settings(settings, folder)
    return [item for item in queue.items(run_id) if flow is not None and item.state == ItemState.HELD
            and (item.result or {}).get(HELD_ON_REFILE) and mark_of(item) is None
            and flow.correction_held(kept, queue, item.payload) is None]


def _values(flow: Flow, payload: Mapping[str, Any]) -> dict[str, str]:
    """The payload's fields by label, as the export writes them (unmasked: compared, never kept)."""
    return {label: value for label, value, _, _ in flow.case_fields(payload)}


def who_acts(user: str) -> str:
    if not user.strip():
        raise UsageError("缺少办理人：请给出办理人姓名")
    return " ".join(user.split())  # a newline would write what reads as a run.log line (tester BM F17)


def _now(settings: Settings) -> str:
    return now_in(settings).isoformat(timespec="seconds")


def _row(item: WorkItem) -> int:
    return int(item.payload.get("row") or 0)


def services(settings: Settings, run_id: str) -> tuple[WorkQueue, AuditLog]:
    refuse_dry_run(settings, run_id)  # and a UsageError for a run this runs folder does not hold
    queue, audit = WorkQueue.from_settings(settings), AuditLog.from_settings(settings)
    queue.create_schema()
    audit.create_schema()
    refuse_unsound_run(audit, run_folder(settings, run_id), run_id)  # before anything is changed
    return queue, audit


def _case(settings: Settings, run_id: str, item_id: int) -> tuple[WorkQueue, AuditLog, WorkItem]:
    queue, audit = services(settings, run_id)
    found = [item for item in queue.items(run_id) if item.id == item_id]
    if found and rejected(found[0]):
        raise UsageError(f"第 {_row(found[0])} 行已由复核人退回（复核退回），是复核人的决定，"
                         "不能更正、标记或重试：如仍须报备，请改正导出后重新运行")
    if not found or not is_case(found[0]):
        raise UsageError(f"运行 {run_id} 中没有待处理的事项 {item_id}："
                         "请在异常处理页面或用 rpa cases list 查看")
    return queue, audit, found[0]


def _failed_on_system(queue: WorkQueue, item: WorkItem) -> bool:
    """A system error, or any failure after a submit the portal may have done (looked up first)."""
    history, ended = queue.history(item.id), (Outcome.SYSTEM_ERROR, Outcome.LEASE_EXPIRED)
    return bool((item.result or {}).get(MAY_BE_DONE)) or (bool(history) and history[-1].outcome in ended)
