"""调度: the jobs of schedules.yaml (which stays their source) with next fires and last outcomes;
pause and resume (admin) and trigger now (operator, admin), each in the audit chain."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from rpa.console.roles import Action
from rpa.console.schedules import job_ids, job_rows, start_trigger
from rpa.console.web import (
    Refused,
    can,
    done_and_back,
    guarded_router,
    record,
    render,
    require,
    session_of,
    state_of,
)
from rpa.schedule.pauses import JobPauses

router = guarded_router()


@router.get("/schedule", response_class=HTMLResponse)
def schedule(request: Request) -> HTMLResponse:
    jobs, problem = job_rows(state_of(request).settings)
    return render(request, "schedule.html.j2", jobs=jobs, problem=problem,
                  may_pause=can(request, Action.PAUSE_JOB), may_trigger=can(request, Action.TRIGGER_JOB))


def _known(request: Request, job_id: str) -> str:
    if job_id not in job_ids(state_of(request).settings):
        raise Refused(404, f"schedules.yaml 中没有任务 {job_id}：请从调度页面操作")
    return job_id


@router.post("/schedule/{job_id}/trigger")
def trigger(request: Request, job_id: str) -> Response:
    require(request, Action.TRIGGER_JOB)
    state = state_of(request)
    state.started(start_trigger(state.settings, _known(request, job_id)))
    record(request, "console.job_triggered", {"job": job_id})
    return done_and_back(request, "/schedule", f"已开始运行任务 {job_id}")


@router.post("/schedule/{job_id}/pause")
def pause(request: Request, job_id: str) -> Response:
    require(request, Action.PAUSE_JOB)
    settings = state_of(request).settings
    JobPauses(settings.database_url_resolved).pause(_known(request, job_id), by=session_of(request).user.name)
    record(request, "console.job_paused", {"job": job_id})
    return done_and_back(request, "/schedule", f"已暂停任务 {job_id}")


@router.post("/schedule/{job_id}/resume")
def resume(request: Request, job_id: str) -> Response:
    require(request, Action.PAUSE_JOB)
    settings = state_of(request).settings
    JobPauses(settings.database_url_resolved).resume(_known(request, job_id))
    record(request, "console.job_resumed", {"job": job_id})
    return done_and_back(request, "/schedule", f"已恢复任务 {job_id}")
