"""复核: runs whose rows wait for a checker, with what each row will send (and, for a change, what
AMS holds now beside it); approve all, approve the rows ticked, or reject the rows ticked with a
reason. Every role reads the page; only a checker or an admin decides (rpa.console.roles).

The decisions are rpa.approvals.decisions' `approve` and `reject`, the functions `rpa approvals`
calls: they refuse the run's own maker, a run without a recorded maker and rows that do not wait
(UsageError: the page shows its message). The page sends back each row it showed with its token
(`rpa.approvals.stale`): a row changed since, or not shown (全部批准), is refused. The checker
is the signed-in user's name; the console also records its own action
(`console.approval_approved` / `console.approval_rejected`, actor `console:<user>`) in the run's
audit chain. Then the run is resumed in a process of its own, as
`rpa approvals approve` resumes it (rpa.console.launch): it files the approved rows and rewrites
result.xlsx and report.html. After approving, the page shows that run's progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from rpa.approvals.decisions import WaitingRun, approve, reject, waiting
from rpa.console.files import run_folder_of
from rpa.console.launch import resume_run
from rpa.console.roles import Action
from rpa.console.run_pages import FLOW_NAMES
from rpa.console.web import (
    Refused,
    can,
    done_and_back,
    guarded_router,
    record,
    record_refusal,
    render,
    require,
    session_of,
    state_of,
)
from rpa.errors import UsageError
from rpa.people import as_signed_in, same_person
from rpa.run.runs import now_in

router = guarded_router()
OWN_RUN = "不能复核自己发起的任务"


@dataclass(frozen=True)
class RunView:
    """A waiting run as the page shows it, and whether the signed-in user may decide on it."""

    run: WaitingRun
    flow: str
    started: str
    may_decide: bool
    why_not: str  # empty when the user may decide


def _views(request: Request, runs: list[WaitingRun]) -> list[RunView]:
    user = session_of(request).user
    allowed = can(request, Action.DECIDE_APPROVAL)
    views = []
    for run in runs:
        if run.maker is not None and same_person(run.maker, user.name):
            why = f"{OWN_RUN}：请由另一位复核人办理"
        elif not allowed:
            why = f"{user.role.label}角色只能查看：批准或退回由复核或管理员办理"
        elif run.maker is None:
            why = "这次运行没有记录发起人，不能在此复核：请联系维护人员"
        else:
            why = ""
        views.append(RunView(run, FLOW_NAMES.get(run.flow, run.flow), run.started_at[:19].replace("T", " "),
                             not why, why))
    return views


async def _page(request: Request, status: int = 200, message: str = "") -> HTMLResponse:
    runs = await run_in_threadpool(waiting, state_of(request).settings)
    return render(request, "approvals.html.j2", status=status, runs=_views(request, runs), message=message,
                  same_person=same_person)


@router.get("/approvals", response_class=HTMLResponse)
async def approvals(request: Request) -> HTMLResponse:
    return await _page(request)


async def _seen(request: Request) -> dict[int, str]:
    """The rows the page showed, each with its token (`rpa.approvals.stale`): a decision
    applies to them as shown, or not at all."""
    seen = {}
    for value in (await request.form()).getlist("seen"):
        row, _, token = str(value).partition(":")
        if row.strip().isdigit():
            seen[int(row)] = token.strip()
    return seen


async def _ticked(request: Request) -> list[int]:
    form = await request.form()
    numbers = []
    for value in form.getlist("row"):
        text = value.strip() if isinstance(value, str) else ""
        if not text.isdigit() or int(text) < 1:
            raise Refused(400, f"行号 {text!r} 的写法不对：请在复核页面勾选要办理的行")
        numbers.append(int(text))
    return numbers


@router.post("/approvals/{run_id}/approve")
async def approve_rows(request: Request, run_id: str) -> Response:
    require(request, Action.DECIDE_APPROVAL)
    settings = state_of(request).settings
    run_folder_of(settings, run_id)
    form = await request.form()
    everything = form.get("scope") == "all"
    rows = None if everything else await _ticked(request)
    if rows == []:
        return await _page(request, 400, "没有勾选要批准的行：请勾选后点“批准所选”，或点“全部批准”")
    checker = session_of(request).user.name
    before = now_in(settings).isoformat()  # the progress page waits for an end after this
    try:
        seen = await _seen(request)
        decision = await run_in_threadpool(as_signed_in, approve, settings, run_id, checker, rows, seen)
    except UsageError as refused:
        record_refusal(request, 400, str(refused))
        return await _page(request, 400, str(refused))
    record(request, "console.approval_approved", {"run": run_id, "rows": decision.rows}, run_id=run_id)
    state_of(request).started(resume_run(settings, run_id, checker))
    numbers = "、".join(str(n) for n in decision.rows)
    return done_and_back(request, f"/runs/{run_id}/progress?after={quote(before)}",
                         f"已批准运行 {run_id} 的第 {numbers} 行，正在报备")


@router.post("/approvals/{run_id}/reject")
async def reject_rows(request: Request, run_id: str) -> Response:
    require(request, Action.DECIDE_APPROVAL)
    settings = state_of(request).settings
    run_folder_of(settings, run_id)
    form = await request.form()
    rows = await _ticked(request)
    reason = " ".join(str(form.get("reason") or "").split())
    if not rows:
        return await _page(request, 400, "没有勾选要退回的行：请勾选要退回的行，并写明退回原因")
    if not reason:
        return await _page(request, 400, "退回须写明原因：请在“退回原因”中说明为何不予报备")
    checker = session_of(request).user.name
    try:
        seen = await _seen(request)
        decision = await run_in_threadpool(as_signed_in, reject, settings, run_id, checker, rows, reason,
                                           seen)
    except UsageError as refused:
        record_refusal(request, 400, str(refused))
        return await _page(request, 400, str(refused))
    record(request, "console.approval_rejected", {"run": run_id, "rows": decision.rows,
                                                  "reason": decision.reason}, run_id=run_id)  # as masked
    state_of(request).started(resume_run(settings, run_id, checker))  # result.xlsx: 复核退回
    numbers = "、".join(str(n) for n in decision.rows)
    said = f"已退回运行 {run_id} 的第 {numbers} 行（原因：{decision.reason}），结果文件正在更新"
    return done_and_back(request, "/approvals", said)
