"""异常处理: the rows of runs that wait for a person, grouped by run, with the portal's message
and the screenshot kept when the row ended; an operator corrects a row and refiles it, marks it
filed by hand, or retries the run's system failures; a checker approves or refuses a by-hand mark
(never their own). Everything goes through `rpa.casework` (as `rpa cases ...` does), which writes
the run's audit chain under the user's name; each action then resumes the run in a process of
its own (`python -m rpa.casework.resume`) to file what was put back and refresh its outputs,
unless the run is still running and files it itself.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from rpa.casework.actions import (
    CaseAction,
    approve_by_hand,
    correct,
    mark_by_hand,
    refuse_by_hand,
    retry_failures,
)
from rpa.casework.cases import open_cases
from rpa.casework.resume import is_live, left_to_workers
from rpa.console.files import check_run_id
from rpa.console.roles import Action
from rpa.console.run_pages import FLOW_NAMES
from rpa.console.web import (
    can,
    done_and_back,
    guarded_router,
    record_refusal,
    render,
    require,
    session_of,
    state_of,
)
from rpa.errors import UsageError
from rpa.masking import scrub_text
from rpa.people import signed_in

router = guarded_router()
FIELD_PREFIX = "field:"  # the correction form's inputs: field:<label as the export's header>


@router.get("/exceptions", response_class=HTMLResponse)
def exceptions(request: Request) -> HTMLResponse:
    return _page(request)


def _page(request: Request, status: int = 200, problem: str = "", where: str = "") -> HTMLResponse:
    """The page; `problem` beside the run or row `where` names, or on top when the page no longer
    lists it (settled by someone else a moment ago: tester W's C1, a 400 saying nothing)."""
    runs = open_cases(state_of(request).settings)
    shown = {run.run_id for run in runs}
    shown |= {f"{run.run_id}-{case.item_id}" for run in runs for case in run.cases}
    where = where if where in shown else ""
    return render(request, "exceptions.html.j2", status=status, runs=runs, flows=FLOW_NAMES,
                  may_work=can(request, Action.WORK_CASES), may_check=can(request, Action.APPROVE_BY_HAND),
                  me=session_of(request).user.name, problem=problem, where=where)


@router.post("/exceptions/{run_id}/{item_id}/correct")
async def correct_row(request: Request, run_id: str, item_id: int) -> Response:
    require(request, Action.WORK_CASES)
    form = await request.form()
    changes = {str(key)[len(FIELD_PREFIX):]: str(value) for key, value in form.items()
               if str(key).startswith(FIELD_PREFIX)}
    return _act(request, f"{run_id}-{item_id}", lambda user: correct(
        state_of(request).settings, check_run_id(run_id), item_id, user, changes),
        "已更正第 {rows} 行并交回队列：{resumed}")


@router.post("/exceptions/{run_id}/{item_id}/by-hand")
async def mark_row(request: Request, run_id: str, item_id: int) -> Response:
    require(request, Action.WORK_CASES)
    form = await request.form()
    filing_no, reason = str(form.get("filing_no") or ""), str(form.get("reason") or "")
    return _act(request, f"{run_id}-{item_id}", lambda user: mark_by_hand(
        state_of(request).settings, check_run_id(run_id), item_id, user, filing_no, reason),
        "已把第 {rows} 行标记为人工报备，待另一位复核人批准后才算已报备")


@router.post("/exceptions/{run_id}/{item_id}/by-hand/approve")
async def approve_row(request: Request, run_id: str, item_id: int) -> Response:
    require(request, Action.APPROVE_BY_HAND)
    seen = str((await request.form()).get("mark") or "")  # the mark the page showed: no other
    return _act(request, f"{run_id}-{item_id}", lambda user: approve_by_hand(
        state_of(request).settings, check_run_id(run_id), item_id, user, seen),
        "已批准第 {rows} 行的人工报备：{resumed}")


@router.post("/exceptions/{run_id}/{item_id}/by-hand/refuse")
async def refuse_row(request: Request, run_id: str, item_id: int) -> Response:
    require(request, Action.APPROVE_BY_HAND)
    form = await request.form()
    reason, seen = str(form.get("reason") or ""), str(form.get("mark") or "")
    return _act(request, f"{run_id}-{item_id}", lambda user: refuse_by_hand(
        state_of(request).settings, check_run_id(run_id), item_id, user, reason, seen),
        "已退回第 {rows} 行的人工报备标记")


@router.post("/exceptions/{run_id}/retry")
def retry_run(request: Request, run_id: str) -> Response:
    require(request, Action.WORK_CASES)
    return _act(request, run_id, lambda user: retry_failures(
        state_of(request).settings, check_run_id(run_id), user),
        "已把第 {rows} 行（系统故障）交回队列：{resumed}")


def _act(request: Request, where: str, action: Callable[[str], CaseAction], notice: str) -> Response:
    """Do the action as the signed-in user; a refusal is shown on the page beside the row."""
    user = session_of(request).user.name
    try:
        with signed_in():  # the session says who acts: no OS account beside the name
            done = action(user)
    except UsageError as exc:
        record_refusal(request, 400, scrub_text(str(exc)))
        return _page(request, 400, scrub_text(str(exc)), where)
    resumed = _resume(request, done)
    rows = "、".join(str(row) for row in done.rows)
    return done_and_back(request, "/exceptions", notice.format(rows=rows, resumed=resumed))


def _resume(request: Request, done: CaseAction) -> str:
    """Resume the run in a process of its own (outputs refreshed, rows put back filed)."""
    state = state_of(request)
    if not done.resume:
        return "无需续跑"
    resuming = any(child.poll() is None and isinstance(child.args, list) and done.run_id in child.args
                   for child in state.children)
    if resuming or is_live(state.settings, done.run_id):  # it goes on with what is pending (resume.py)
        return f"运行 {done.run_id} 仍在运行，会一并办理"
    if left_to_workers(state.settings, done.run_id):  # tester BM F14: not filed from the console
        return f"运行 {done.run_id} 的事项由 rpa worker 办理，不在此续跑"
    folder = state.settings.runs_dir / done.run_id
    with (folder / "console-launch.log").open("ab") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "rpa.casework.resume", done.run_id, done.user],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )
    state.started(child)
    return f"运行 {done.run_id} 已续跑，结果表随之更新"
