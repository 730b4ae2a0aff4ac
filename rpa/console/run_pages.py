"""任务详情: one run's summary, its items (masked), the run report, downloads of its records and
the result of verifying its audit chain (the same checks as `rpa audit verify RUN`).

The items read as the run's result.xlsx rows do, in the input's order (`Flow.item_row`): sheet
row, 业务, account and name masked as the flow's outputs mask them, the outcome word, 备案编号,
复核人 and the note; then the attempts, the last error (scrubbed) and the queue's id. The rows the
run put aside while validating (需人工处理, 无效，未报备: never items) are among them, with the
validator's reasons, as in result.xlsx, and so are the rows another run's items hold (an earlier
run filed them: `rpa.run.elsewhere`), with result.xlsx's note. A flow's items that are no input rows (report
extraction) say what they are instead, in the queue's order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse

from rpa.alerts.aside_by_hand import AsideMark, approved_by_hand
from rpa.alerts.findings import PutAside, put_aside_rows
from rpa.audit.checks import verify_runs
from rpa.casework.cases import flow_of
from rpa.casework.words import FILED_BY_HAND
from rpa.console.files import downloads, run_file, run_folder_of
from rpa.console.uploads import uploaded_as
from rpa.console.web import guarded_router, record, render, state_of
from rpa.masking import scrub_text
from rpa.outcomes import (
    FLOW_NAMES,
    counts_as_closed,
    counts_text,
    item_label,
    outcome_label,
    run_state_label,
)
from rpa.queue.tallies import live_counts
from rpa.queue.work_queue import WorkItem, WorkQueue
from rpa.run.elsewhere import RowElsewhere, rows_elsewhere
from rpa.run.flow import Flow
from rpa.run.item_rows import ItemRow, input_item_row, input_order
from rpa.run.report_sections import shown_reference, shown_text
from rpa.run.runs import read_run_json, run_state

router = guarded_router()

# the columns of an item's row before 备注: 结果 always, the others when some row of the run has one
ROW_COLUMNS = (("place", "行号"), ("subject", "报表文件"), ("action", "业务"), ("account", "账号"),
               ("name", "存款人名称"), ("outcome", "结果"), ("filing_no", "备案编号"), ("checker", "复核人"))


def is_dry_run(run: dict[str, Any]) -> bool:
    """A run started as 演练 (`--dry-run`): it validated and looked up, and filed nothing."""
    return bool(((run.get("parameters") or {}).get("flow_params") or {}).get("dry_run"))


def state_words(run: dict[str, Any], recorded: int | None = None) -> str:
    """The run's state in words; a dry run says so first, so it never reads as a filing run."""
    text = run_state_label(run_state(run, recorded))
    return f"演练 · {text}（只校验和查询，未向 AMS 提交）" if is_dry_run(run) else text


def counts_shown(request: Request, run: dict[str, Any]) -> str:
    """A run's counts: its close's, or the queue's while it has not closed (an --enqueue-only run
    its workers work: tester AH saw 未完成 34 of a run whose rows were done)."""
    state = state_of(request)
    if "ended_at" not in run and run.get("run_id") and state.audit.has_schema():
        return counts_text(*live_counts(WorkQueue.from_settings(state.settings), str(run["run_id"])))
    return counts_as_closed(run.get("counts") or {}, run)


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
        aside, elsewhere = put_aside_rows(state.settings, run_id), rows_elsewhere(state.audit, queue, run_id)
        items = item_rows(flow_of(info), queue.items(run_id), aside, elsewhere,
                          approved_by_hand(state.settings, run_id))
        uploaded = uploaded_as(folder)  # a CSV's rows by the clerk's file name, not its stored copy's (AJ)
        items = [{**i, "place": i["place"].replace(*uploaded)} for i in items] if uploaded else items
        reports = verify_runs(state.audit, state.settings.runs_dir, run_id, queue.items)
        # each sentence names its subject (运行 <id>：...): on the run's own page the id goes
        verification = [line.split("：", 1)[-1] for report in reports[1:] for line in report.lines]
        verified = all(report.ok for report in reports[1:])
    return render(
        request, "run.html.j2", run_id=run_id, info=info,
        flow=FLOW_NAMES.get(info.get("flow", ""), info.get("flow")),
        state_text=state_words(info), counts=counts_shown(request, info), items=items,
        columns=shown_columns(items),
        files=downloads(folder), has_report=(folder / "report.html").is_file(),
        verification=verification, verified=verified,
    )


def item_rows(flow: Flow | None, run_items: Iterable[WorkItem], aside: Iterable[PutAside] = (),
              elsewhere: Iterable[RowElsewhere] = (),
              by_hand: Mapping[tuple[str, int], AsideMark] | None = None) -> list[dict[str, str]]:
    """The run's items as the page shows them, with the input rows it put aside while validating
    (never items) and those another run's items hold (`rpa.run.elsewhere`), in the input's order:
    each item its row as the flow reads it (without the flow, or for a payload the flow cannot
    read, the row its payload names), each row put aside as result.xlsx has it (需人工处理 or
    无效，未报备, the validator's reasons; 人工报备 once a checker approved a mark that a person
    filed it by hand: `by_hand`, rpa.alerts.aside_by_hand), each row held elsewhere as that run's
    item, at this run's row, with result.xlsx's note; every text scrubbed once more, a filing number whole
    (`shown_reference`)."""
    rows: list[tuple[ItemRow, WorkItem | None]] = [(_row_of(flow, item), item) for item in run_items]
    rows += [(replace(_row_of(flow, r.item), sheet=r.sheet, row=r.row, note=r.note), None) for r in elsewhere]
    rows += [(_aside_row(r, (by_hand or {}).get((r.sheet, r.row))), None) for r in aside]
    rows.sort(key=lambda pair: input_order(pair[0], pair[1].id if pair[1] is not None else 0))
    return [_shown(row, item) for row, item in rows]


def _aside_row(row: PutAside, mark: AsideMark | None) -> ItemRow:
    if mark is not None:  # approved
        return ItemRow(sheet=row.sheet, row=row.row, action=row.action, account=row.account,
                       outcome=outcome_label(FILED_BY_HAND), filing_no=mark.filing_no, note=mark.note)
    return ItemRow(sheet=row.sheet, row=row.row, action=row.action, account=row.account,
                   outcome=outcome_label(row.status), note=row.reasons)


def _row_of(flow: Flow | None, item: WorkItem) -> ItemRow:
    try:
        row = flow.item_row(item) if flow is not None else input_item_row(item, {})
    except (KeyError, TypeError, ValueError):  # a payload of another shape (an older run's)
        row = input_item_row(item, {})
    result = item.result or {}
    return row or ItemRow(outcome=item_label(str(item.state), result), note=str(result.get("note") or ""))


def _shown(row: ItemRow, item: WorkItem | None) -> dict[str, str]:
    """One row's cells; the attempts, the last error and the queue's id of an item only."""
    return {
        "place": shown_text(row.place), "subject": shown_text(row.subject), "action": shown_text(row.action),
        "account": shown_text(row.account), "name": shown_text(row.name), "outcome": shown_text(row.outcome),
        "filing_no": shown_reference(row.filing_no), "checker": shown_text(row.checker),
        "note": shown_text(row.note), "attempts": "", "error": "", "id": "",
        **({} if item is None else {"attempts": str(item.tries), "id": str(item.id),
                                    "error": scrub_text(item.last_error_message or "")}),
    }


def shown_columns(items: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(key, header) of the row columns the page shows: 结果 always, the others when a row has one."""
    return [(key, header) for key, header in ROW_COLUMNS if key == "outcome" or any(i[key] for i in items)]


@router.get("/runs/{run_id}/download")
def run_download(request: Request, run_id: str, file: str = "") -> FileResponse:
    folder = run_folder_of(state_of(request).settings, run_id)
    path = run_file(folder, file)
    # in the chain of actions outside any run: an ended run's chain is sealed by its final head
    record(request, "console.download", {"run": run_id, "file": file})
    return FileResponse(path, filename=path.name)


@router.get("/runs/{run_id}/files/{name:path}")
def run_file_inline(request: Request, run_id: str, name: str) -> FileResponse:
    """The run report and its screenshots, shown in the browser (report.html links them relatively).
    A workbook asked for here (its values are whole) is recorded as a download, as the 下载 link's
    is (tester W's B1); the report's screenshots (masked, loaded with it) are not."""
    folder = run_folder_of(state_of(request).settings, run_id)
    path = run_file(folder, name)
    if name == "report.html":
        record(request, "console.report_viewed", {"run": run_id})
    elif path.suffix.lower() != ".png":
        record(request, "console.download", {"run": run_id, "file": name})
    return FileResponse(path, content_disposition_type="inline")
