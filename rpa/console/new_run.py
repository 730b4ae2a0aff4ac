"""新建任务: upload a core-banking export, see every row's problems before anything is filed, choose
a dry run or 须复核 (rows wait for a checker on the 复核 page before they are filed), start; then
watch the run (rpa.console.progress). Operators and admins only: anyone else gets 403, before the
file is read. The user who starts the run is its maker."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flows.account_filing.report import ValidationReport
from flows.account_filing.validate import validate_export
from rpa.console.launch import start_run
from rpa.console.roles import Action
from rpa.console.uploads import (
    FLOW,
    Upload,
    claim_start,
    pending_upload,
    release_start,
    start_claimed,
    store_upload,
)
from rpa.console.web import (
    Refused,
    guarded_router,
    record,
    record_refusal,
    render,
    require,
    session_of,
    state_of,
)
from rpa.errors import InputFileError
from rpa.masking import scrub_text
from rpa.people import same_person

router = guarded_router()
CHUNK = 1 << 20


@router.get("/runs/new", response_class=HTMLResponse)
def new_run_form(request: Request) -> HTMLResponse:
    require(request, Action.START_RUN)
    return render(request, "new_run.html.j2", message="")


@router.post("/runs/new")
async def upload(request: Request) -> Response:
    require(request, Action.START_RUN)
    form = await request.form()
    sent = form.get("export")
    # the form holds starlette's UploadFile (fastapi's is a subclass of it): a file is what is not text
    if sent is None or isinstance(sent, str) or not sent.filename:
        return render(request, "new_run.html.j2", status=400,
                      message="请选择要上传的导出文件（.xlsx 或 .csv）")
    settings = state_of(request).settings
    user = session_of(request).user.name

    def chunks() -> Iterator[bytes]:
        while block := sent.file.read(CHUNK):
            yield block

    shown = scrub_text(sent.filename)  # the clerk's name of it, in the audit chain (tester AI)
    try:
        stored = await run_in_threadpool(store_upload, settings, chunks(), original=sent.filename, user=user)
    except Refused as refused:
        record_refusal(request, refused.status, f"{shown}：{refused.message}")
        return render(request, "new_run.html.j2", status=refused.status, message=refused.message)
    record(request, "console.export_uploaded", {"run": stored.run_id, "file": stored.path.name,
                                                "original": shown})
    return RedirectResponse(f"/runs/{stored.run_id}/preview", status_code=303)


def _validate(request: Request, pending: Upload) -> ValidationReport:
    return validate_export(pending.path, state_of(request).settings, keep_records=False)


@router.get("/runs/{run_id}/preview", response_class=HTMLResponse)
def preview(request: Request, run_id: str) -> Response:
    require(request, Action.START_RUN)
    if start_claimed(state_of(request).settings, run_id):  # started already (the back button)
        return RedirectResponse(f"/runs/{run_id}/progress", status_code=303)
    pending = pending_upload(state_of(request).settings, run_id)
    shown = scrub_text(pending.original)  # a file named after an account or ID number
    try:
        report = _validate(request, pending)
    except InputFileError as exc:
        said = str(exc).replace(pending.path.name, shown)  # the clerk's file, not the stored copy's name
        record_refusal(request, 400, f"{shown}：{said}")
        return render(request, "new_run.html.j2", status=400, message=f"{shown}：{said}")
    problems = [
        {"sheet": o.sheet.replace(pending.path.name, shown), "row": o.row, "account": o.account_masked,
         "status": o.status,
         "issues": [(i.column, i.cell or "", i.message) for i in o.errors]}
        for o in report.outcomes if o.errors
    ]
    warnings = [warning.replace(pending.path.name, shown) for warning in report.file_warnings()]
    return render(request, "preview.html.j2", run_id=run_id, file=shown, counts=report.counts,
                  problems=problems, warnings=warnings, sheet=report.sheet.replace(pending.path.name, shown))


@router.post("/runs/{run_id}/start")
async def start(request: Request, run_id: str) -> Response:
    require(request, Action.START_RUN)
    settings = state_of(request).settings
    progress = RedirectResponse(f"/runs/{run_id}/progress", status_code=303)
    if start_claimed(settings, run_id):  # a second press of 开始运行: show the run started by the first
        return progress
    pending = pending_upload(settings, run_id)
    form = await request.form()
    dry_run = form.get("dry_run") == "1"
    approval = form.get("approval") == "1"
    maker = session_of(request).user.name
    if not same_person(pending.user, maker):  # tester W's A3: the uploader could then approve it
        raise Refused(403, f"这个文件由 {pending.user} 上传：只有上传者本人可以开始这次运行"
                           "（经办人即上传者，复核人须是另一人）；请自己上传后再开始")
    if not claim_start(settings, run_id, maker):
        return progress
    flow_params: dict[str, object] = {"input": str(pending.path.resolve())}
    if dry_run:
        flow_params["dry_run"] = True
    if approval:
        flow_params["approval"] = True
    try:
        state_of(request).started(start_run(settings, run_id, FLOW, flow_params, maker))
    except BaseException:
        release_start(settings, run_id)
        raise
    record(request, "console.run_started", {"run": run_id, "flow": FLOW, "dry_run": dry_run,
                                               "approval": approval})
    return progress
