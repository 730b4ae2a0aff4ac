"""任务详情: one run's summary, its items (masked), the run report, downloads of its records and
the result of verifying its audit chain (the same checks as `rpa audit verify RUN`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse

from rpa.audit.checks import verify_runs
from rpa.console.files import downloads, run_file, run_folder_of
from rpa.console.web import guarded_router, record, render, state_of
from rpa.masking import scrub_text
from rpa.outcomes import counts_text, item_label
from rpa.queue.work_queue import WorkQueue
from rpa.run.runs import read_run_json, run_state

router = guarded_router()

FLOW_NAMES = {"account_filing": "账户备案", "report_extraction": "报表提取",
              "enterprise_check": "企业信息核查", "smoke": "冒烟测试"}
FLOW_NAMES.update({name.replace("_", "-"): words for name, words in FLOW_NAMES.items()})


def is_dry_run(run: dict[str, Any]) -> bool:
    """A run started as 演练 (`--dry-run`): it validated and looked up, and filed nothing."""
    return bool(((run.get("parameters") or {}).get("flow_params") or {}).get("dry_run"))


def state_words(run: dict[str, Any], recorded: int | None = None) -> str:
    """The run's state in words; a dry run says so first, so it never reads as a filing run."""
    state = run_state(run, recorded)
    words = {"running": "运行中", "interrupted": "已中断，可续跑", "waiting": "已入队，等待工作进程办理",
             "0": "全部完成",
             "1": "已结束，有事项需要处理", "2": "被拒绝", "3": "提前停止，可续跑"}
    text = words.get(state, state)
    return f"演练 · {text}（只校验和查询，未向 AMS 提交）" if is_dry_run(run) else text


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_detail(request: Request, run_id: str) -> HTMLResponse:
    state = state_of(request)
    folder = run_folder_of(state.settings, run_id)
    info = read_run_json(folder)
    items: list[dict[str, str]] = []
    verification: list[str] = []
    verified = False
    if state.audit.has_schema():
        queue = WorkQueue.from_settings(state.settings)
        for item in queue.items(run_id):
            result = item.result or {}
            items.append({
                "id": str(item.id), "state": item_label(str(item.state), result),
                "attempts": str(item.attempts),
                "error": scrub_text(item.last_error_message or ""),
                "note": scrub_text(str(result.get("note") or "")),  # the word is in state, never the code
            })
        reports = verify_runs(state.audit, state.settings.runs_dir, run_id, queue.items)
        # each sentence names its subject (运行 <id>：...): on the run's own page the id goes
        verification = [line.split("：", 1)[-1] for report in reports[1:] for line in report.lines]
        verified = all(report.ok for report in reports[1:])
    return render(
        request, "run.html.j2", run_id=run_id, info=info,
        flow=FLOW_NAMES.get(info.get("flow", ""), info.get("flow")),
        state_text=state_words(info), counts=counts_text(info.get("counts") or {}), items=items,
        files=downloads(folder), has_report=(folder / "report.html").is_file(),
        verification=verification, verified=verified,
    )


@router.get("/runs/{run_id}/download")
def run_download(request: Request, run_id: str, file: str = "") -> FileResponse:
    folder = run_folder_of(state_of(request).settings, run_id)
    path = run_file(folder, file)
    # in the chain of actions outside any run: an ended run's chain is sealed by its final head
    record(request, "console.download", {"run": run_id, "file": file})
    return FileResponse(path, filename=path.name)


@router.get("/runs/{run_id}/files/{name:path}")
def run_file_inline(request: Request, run_id: str, name: str) -> FileResponse:
    """The run report and its screenshots, shown in the browser (report.html links them relatively)."""
    folder = run_folder_of(state_of(request).settings, run_id)
    path = run_file(folder, name)
    if name == "report.html":
        record(request, "console.report_viewed", {"run": run_id})
    return FileResponse(path, content_disposition_type="inline")
