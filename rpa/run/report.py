"""The run report: `runs/<run_id>/report.html`, one self-contained page for operations and audit.

    >>> write_run_report(folder, read_run_json(folder), queue.items(run_id), audit.events(run_id))
    PosixPath('runs/20260105-093000-smoke-1a2b3c/report.html')

The page shows the run's header (flow, trigger, times, exit code and what it means, why it
stopped), the flow's checks and refused files when run.json lists them (`checks`), the flow's
reconciliations and scorecards (`FlowSections`), the items by state (and row word) as tiles and
an inline SVG bar chart (rpa.run.report_tiles), one table row per item with its screenshots in a
row below it (wide enough to read, each linking to the full image in `evidence/`), and a summary
of the audit chain. It is a diagnostic: the payload and item keys are never shown, only result
fields the flows mask themselves (`SHOWN_RESULT_FIELDS`), and every text passes through
`scrub_text` before Jinja2 escapes it. No network, and no script but the row filter, which the page's
Content-Security-Policy allows by its hash.

This module draws the page and its items; what a flow hands it is in rpa.run.report_sections,
the input-rows table and its filter in rpa.run.report_inputs, the reconciliations and scorecards
as shown in rpa.run.report_scorecards, and the screenshots it links in rpa.run.report_evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rpa.audit.log import AuditEvent
from rpa.masking import item_ref
from rpa.outcomes import MATCH, MISMATCH, item_label
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.run.report_approvals import approval_entries
from rpa.run.report_evidence import Evidence, evidence, failure_shots
from rpa.run.report_inputs import FILTER_SCRIPT, SCRIPT_HASH, aside_line, outcome_choices, shown_input_row
from rpa.run.report_scorecards import SCORE_BAR_WIDTH, SCORE_LABEL_WIDTH, shown_ranking, shown_reconciliation
from rpa.run.report_sections import RESULT_FIELD_WORDS as _WORDS
from rpa.run.report_sections import FlowSections, InputRow, shown_reference
from rpa.run.report_sections import shown_text as _text
from rpa.run.report_tiles import CHART_BAR_WIDTH, STATE_STYLE, state_tiles
from rpa.run.runs import write_private_text

REPORT_FILE = "report.html"
# result fields the flows fill with values already masked or harmless; nothing else is shown
# (the result's status is the row's word in the 状态 badge: `rpa.outcomes.item_label`)
SHOWN_RESULT_FIELDS = ("account", "already_filed", "deadline", "overdue", "due_today", "message")
# result fields shown as a count: the number itself, or how many entries a list or mapping holds
COUNTED_RESULT_FIELDS = ("figures", "checks", "checks_failed", "metrics", "rows")

EXIT_MEANINGS: dict[int, str] = {
    0: "全部事项完成",
    1: "已结束，有事项需要处理（见下）",
    2: "用法错误或输入文件无法读取",
    3: "运行提前停止，剩余事项待续跑",
}


@dataclass(frozen=True)
class ItemRow:
    """What the report shows of one work item: masked and scrubbed."""

    id: int
    state: str
    label: str
    colour: str
    attempts: int
    error_code: str
    error_message: str
    note: str
    filing_no: str
    details: list[tuple[str, str]]
    ref: str
    shots: list[Evidence]


@dataclass(frozen=True)
class EventSummary:
    """How many events of one type the audit chain holds, and when the first and last were."""

    event: str
    count: int
    first: str
    last: str


def write_run_report(
    folder: Path,
    run_info: Mapping[str, Any],
    items: Sequence[WorkItem],
    events: Sequence[AuditEvent],
    *,
    title: str | None = None,
    audit_key: bytes | None = None,
    input_rows: Sequence[InputRow] | None = None,
    sections: FlowSections | None = None,
) -> Path:
    """Write `folder/report.html` (mode 0600) from run.json's content, the run's items and its
    audit events; returns the report's path.

    With `input_rows` (a flow whose input is a file of rows), the page lists every row of the
    input in input order, rows refused before any filing included, with filters by outcome and
    a search box.

    With `sections` (a flow that reconciles and ranks, such as report extraction), the page shows
    each reconciliation group by group (相符 / 不符 with the difference) and each scorecard
    with a bar chart drawn as inline SVG.

    With the `audit_key`, each row also shows the item's ref (the HMAC that joins it to run.log
    and the audit chain) and the failure screenshots the browser kept under that ref.
    """
    # the run id is made by rpa.run.runs.new_run_id (time, flow, random hex): not free text, and it
    # must stay whole for `rpa audit verify`; scrubbing would mask its date digits
    run_id = str(run_info.get("run_id") or folder.name)
    tiles = state_tiles(items)
    filing_nos = input_rows is not None or any(item.result and item.result.get("filing_no") for item in items)
    template = _environment().get_template("report.html.j2")
    html = template.render(
        title=_text(title) if title else f"运行报告 {run_id}",
        run=_run_header(run_info, run_id),
        tiles=tiles,
        total=len(items),
        chart_width=CHART_BAR_WIDTH,
        rows=[_item_row(item, folder, audit_key) for item in sorted(items, key=lambda i: i.id)],
        events=_event_summaries(events),
        chain=_chain_summary(events),
        checks=_checks(run_info.get("checks")), approvals=approval_entries(events),
        verify_command=f"rpa audit verify {run_id}",
        input_rows=None if input_rows is None else [shown_input_row(row, folder) for row in input_rows],
        outcome_choices=outcome_choices(input_rows or []), aside=aside_line(input_rows or [], run_id),
        script=Markup(FILTER_SCRIPT),
        script_hash=SCRIPT_HASH,
        show_filing_no=filing_nos,
        reconciliations=[shown_reconciliation(r) for r in sections.reconciliations] if sections else [],
        rankings=[shown_ranking(r) for r in sections.rankings] if sections else [],
        score_label_width=SCORE_LABEL_WIDTH,
        score_bar_width=SCORE_BAR_WIDTH,
        match_word=MATCH,
        mismatch_word=MISMATCH,
    )
    return write_private_text(folder / REPORT_FILE, html)


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("rpa.run", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _when(value: Any) -> str:
    """An ISO time as `YYYY-MM-DD HH:MM:SS` (the run's own time zone), or the text as given."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return _text(value)


def _run_header(info: Mapping[str, Any], run_id: str) -> dict[str, str]:
    exit_code = info.get("exit_code")
    started, ended = info.get("started_at"), info.get("ended_at")
    duration = ""
    if started and ended:
        try:
            elapsed = datetime.fromisoformat(str(ended)) - datetime.fromisoformat(str(started))
            duration = str(elapsed).split(".")[0]
        except (TypeError, ValueError):  # unparseable or naive/aware mix: show the times only
            duration = ""
    recorded = info.get("versions")
    versions: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
    return {
        "run_id": run_id,
        "flow": _text(info.get("flow", "")),
        "trigger": _text(info.get("trigger", "")),
        "started": _when(started),  # the run's first start; `resumes` lists each resume
        "resumes": str(len(info.get("resumes") or []) or ""),
        "ended": _when(ended) if ended else "— 尚未结束",
        "duration": duration,
        "exit_code": "—" if exit_code is None else _text(exit_code),
        "exit_class": f"exit{exit_code}" if isinstance(exit_code, int) else "exitnone",
        "exit_meaning": _exit_meaning(exit_code),
        "stop_reason": _text(info.get("stop_reason") or ""),
        # a 演练 (`--dry-run`) submitted nothing: its 已完成 is the rehearsal's (tester BJ F13)
        "dry_run": "是" if ((info.get("parameters") or {}).get("flow_params") or {}).get("dry_run") else "",
        "code_version": _text(info.get("code_version", "")),
        "versions": ", ".join(f"{_text(k)} {_text(v)}" for k, v in sorted(versions.items())),
    }


def _checks(listed: Any) -> list[dict[str, str]]:
    """The flow's checks and refused files as run.json lists them (`checks`), scrubbed."""
    if not isinstance(listed, list):
        return []
    fields = ("date", "check", "result", "message")
    entries = [entry for entry in listed if isinstance(entry, Mapping)]
    return [{key: _text(entry.get(key, "")) for key in fields} for entry in entries]


def _exit_meaning(exit_code: Any) -> str:
    if not isinstance(exit_code, int):
        return "运行未结束或未记录 — still running or not recorded"
    return EXIT_MEANINGS.get(exit_code, "未知 — unknown")


def _item_row(item: WorkItem, folder: Path, audit_key: bytes | None) -> ItemRow:
    result = item.result or {}
    state = ItemState(item.state)
    colour = STATE_STYLE[state][2]
    details = [(_WORDS[k], _shown(result[k])) for k in SHOWN_RESULT_FIELDS if result.get(k) is not None]
    details += [(_WORDS[k], _count(result[k])) for k in COUNTED_RESULT_FIELDS if result.get(k) is not None]
    ref = item_ref(item.key, audit_key) if audit_key else ""
    shown = evidence(result.get("evidence"), folder)
    shots = ([shown] if shown else []) + (failure_shots(folder, ref) if ref else [])
    return ItemRow(
        id=item.id,
        state=state.value,
        label=item_label(state.value, result),
        colour=colour,
        attempts=item.tries,
        error_code=_text(item.last_error_code),
        error_message=_text(item.last_error_message),
        note=_text(result.get("note")),
        filing_no=shown_reference(result.get("filing_no")),
        details=details,
        ref=ref,
        shots=shots,
    )


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return _text(value)


def _count(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return str(len(value))
    return _text(value)


def _event_summaries(events: Sequence[AuditEvent]) -> list[EventSummary]:
    grouped: dict[str, list[AuditEvent]] = {}
    for event in events:
        grouped.setdefault(event.event, []).append(event)
    return [
        EventSummary(_text(name), len(group), _when(group[0].time), _when(group[-1].time))
        for name, group in sorted(grouped.items(), key=lambda entry: entry[1][0].seq)
    ]


def _chain_summary(events: Sequence[AuditEvent]) -> dict[str, str]:
    if not events:
        return {"count": "0", "first": "—", "last": "—", "head": "—", "actors": ""}
    actors = sorted({_text(event.actor) for event in events})
    return {
        "count": str(len(events)),
        "first": _when(events[0].time),
        "last": _when(events[-1].time),
        "head": events[-1].hash,
        "actors": ", ".join(actors),
    }
