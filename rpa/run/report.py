"""The run report: `runs/<run_id>/report.html`, one self-contained page for operations and audit.

    >>> write_run_report(folder, read_run_json(folder), queue.items(run_id), audit.events(run_id))
    PosixPath('runs/20260105-093000-smoke-1a2b3c/report.html')

The page shows the run's header (flow, trigger, times, exit code and what it means, why it
stopped), the flow's checks and refused files when run.json lists them (`checks`), the flow's
reconciliations and scorecards (`FlowSections`), the items by state as tiles and an inline SVG
bar chart, one table row per item with its screenshots in a row below it (wide enough to read,
each linking to the full image in `evidence/`), and a summary of the audit chain. It is a
diagnostic: the payload and item keys are never shown, only result fields the
flows mask themselves (`SHOWN_RESULT_FIELDS`), and every text passes through `scrub_text` before
Jinja2 escapes it. No network, and no script but the row filter, which the page's
Content-Security-Policy allows by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from rpa.audit.log import AuditEvent
from rpa.masking import item_ref, scrub_text
from rpa.outcomes import MATCH, MISMATCH, OUTCOME_LABELS, outcome_label, state_label
from rpa.queue.work_queue import ItemState, WorkItem
from rpa.run.runs import write_private_text

REPORT_FILE = "report.html"
# result fields the flows fill with values already masked or harmless; nothing else is shown
SHOWN_RESULT_FIELDS = (
    "status", "account", "already_filed", "deadline", "overdue", "due_today", "message",
)  # fmt: skip
# result fields shown as a count: the number itself, or how many entries a list or mapping holds
COUNTED_RESULT_FIELDS = ("figures", "checks", "checks_failed", "metrics", "rows")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
EVIDENCE_DIR = "evidence"
# rpa.browser.evidence.item_evidence names failure screenshots <item_ref>-failure.png,
# <item_ref>-2-failure.png...
_FAILURE_SHOT = re.compile(r"(?:-\d+)?-failure\.png")

# state -> (Chinese label, English label, colour)
STATE_STYLE: dict[ItemState, tuple[str, str, str]] = {
    ItemState.DONE: (state_label("done"), "done", "#2e7d32"),
    ItemState.BUSINESS_ERROR: (state_label("business_error"), "business error", "#d9730d"),
    ItemState.FAILED: (state_label("failed"), "failed", "#c62828"),
    ItemState.HELD: (state_label("held"), "held", "#6a1b9a"),
    ItemState.PENDING: (state_label("pending"), "pending", "#607d8b"),
    ItemState.LEASED: (state_label("leased"), "leased", "#1565c0"),
}
EXIT_MEANINGS: dict[int, str] = {
    0: "全部事项完成 — every item done",
    1: "运行结束，但有业务错误或失败的事项 — finished, some items ended in business errors or failed",
    2: "用法错误或输入文件无法读取 — bad usage or an unreadable input file",
    3: "运行提前停止，剩余事项待续跑 — the run stopped early; resume to finish the rest",
}
_CHART_BAR_WIDTH = 420
# row outcome (rpa.outcomes) -> badge colour
OUTCOME_COLOURS: dict[str, str] = {
    "filed": "#2e7d32", "already_filed": "#1565c0", "would_file": "#558b2f", "refused": "#c62828",
    "rejected": "#d9730d", "held": "#6a1b9a", "needs_person": "#6a1b9a", "failed": "#b71c1c",
    "pending": "#607d8b", "elsewhere": "#607d8b", "invalid": "#8d6e63",
}  # fmt: skip
# the page's only script: filters the input rows by outcome and by a search text. The page's
# Content-Security-Policy allows this script by its hash, and nothing else.
FILTER_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.input-row"));
  var outcome = document.getElementById("outcome-filter");
  var search = document.getElementById("row-search");
  var shown = document.getElementById("rows-shown");
  if (!outcome || !search || !shown) { return; }
  function apply() {
    var wanted = outcome.value, text = search.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute("data-outcome") === wanted) &&
               (!text || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.hidden = !ok;
      var shots = row.nextElementSibling;  // the row's screenshot, in a row of its own
      if (shots && shots.classList.contains("input-evidence")) { shots.hidden = !ok; }
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
  }
  outcome.addEventListener("change", apply);
  search.addEventListener("input", apply);
})();
"""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(FILTER_SCRIPT.encode()).digest()).decode()


@dataclass(frozen=True)
class StateTile:
    """One state's count, label and colour, with its bar in the chart."""

    state: str
    label: str
    label_en: str
    colour: str
    count: int
    bar_width: int


@dataclass(frozen=True)
class Evidence:
    """A screenshot of an item: `href` relative to the report, None when the file is missing."""

    name: str
    href: str | None
    failure: bool = False


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
class InputRow:
    """One row of the flow's input, in input order, as the flow hands it to the report: the
    account already masked by the flow; `outcome` a row outcome code of rpa.outcomes;
    `evidence` a path inside the run folder. Every text is scrubbed again before it is shown."""

    sheet: str
    row: int
    account: str
    name: str
    action: str
    outcome: str
    filing_no: str = ""
    portal_message: str = ""
    note: str = ""
    attempts: int = 0
    evidence: str = ""


@dataclass(frozen=True)
class ShownInputRow:
    """An input row as the page shows it."""

    where: str
    account: str
    name: str
    action: str
    outcome: str
    label: str
    colour: str
    filing_no: str
    portal_message: str
    note: str
    attempts: int
    shot: Evidence | None


@dataclass(frozen=True)
class Comparison:
    """One figure as two sources show it (a branch's own file and the summary): the values
    already formatted with their unit, `difference` the second less the first ("" when one
    source lacks the figure), `note` why it is 不符 when not a difference alone."""

    group: str
    item: str
    first: str
    second: str
    difference: str
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class Reconciliation:
    """Every comparison of one reconciliation (a date and a format), grouped on the page by
    `Comparison.group` (a branch), each group 相符 only when every one of its figures is."""

    title: str
    first_label: str
    second_label: str
    comparisons: list[Comparison]


@dataclass(frozen=True)
class RankedEntry:
    """A ranked branch: rank, code, name, total 0-100 and each indicator's score as shown."""

    rank: int
    code: str
    name: str
    total: float
    scores: list[str]


@dataclass(frozen=True)
class Ranking:
    """A scorecard: its indicators, the ranked entries best first, those left out and why
    (code, name, reason), and `withheld`: why nothing is ranked ("" when the ranking stands)."""

    title: str
    indicators: list[str]
    ranked: list[RankedEntry]
    unranked: list[tuple[str, str, str]]
    withheld: str = ""


@dataclass(frozen=True)
class FlowSections:
    """What a flow adds to its report.html beyond the items: reconciliations and rankings."""

    reconciliations: list[Reconciliation] = field(default_factory=list)
    rankings: list[Ranking] = field(default_factory=list)


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
    tiles = _state_tiles(items)
    filing_nos = input_rows is not None or any(item.result and item.result.get("filing_no") for item in items)
    template = _environment().get_template("report.html.j2")
    html = template.render(
        title=_text(title) if title else f"运行报告 {run_id}",
        run=_run_header(run_info, run_id),
        tiles=tiles,
        total=len(items),
        chart_width=_CHART_BAR_WIDTH,
        rows=[_item_row(item, folder, audit_key) for item in sorted(items, key=lambda i: i.id)],
        events=_event_summaries(events),
        chain=_chain_summary(events),
        checks=_checks(run_info.get("checks")),
        verify_command=f"rpa audit verify {run_id}",
        input_rows=None if input_rows is None else [_input_row(row, folder) for row in input_rows],
        outcome_choices=_outcome_choices(input_rows or []),
        script=Markup(FILTER_SCRIPT),
        script_hash=SCRIPT_HASH,
        show_filing_no=filing_nos,
        reconciliations=[_reconciliation(r) for r in sections.reconciliations] if sections else [],
        rankings=[_ranking(r) for r in sections.rankings] if sections else [],
        score_label_width=_SCORE_LABEL_WIDTH,
        score_bar_width=_SCORE_BAR_WIDTH,
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


def _reference(value: Any) -> str:
    """A filing number is the regulator's reference, not personal data: auditors need it whole.
    Only a plain run of digits is shown as it is; anything else is scrubbed like free text."""
    text = "" if value is None else str(value)
    return text if text.isdigit() and len(text) <= 24 else scrub_text(text)


def _text(value: Any) -> str:
    return "" if value is None else scrub_text(str(value))


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
        "started": _when(started),
        "ended": _when(ended) if ended else "— 尚未结束 (not finished)",
        "duration": duration,
        "exit_code": "—" if exit_code is None else _text(exit_code),
        "exit_class": f"exit{exit_code}" if isinstance(exit_code, int) else "exitnone",
        "exit_meaning": _exit_meaning(exit_code),
        "stop_reason": _text(info.get("stop_reason") or ""),
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


def _state_tiles(items: Iterable[WorkItem]) -> list[StateTile]:
    counts = {state: 0 for state in STATE_STYLE}
    for item in items:
        counts[ItemState(item.state)] += 1
    largest = max(counts.values(), default=0) or 1
    tiles = []
    for state, (zh, en, colour) in STATE_STYLE.items():
        bar = round(_CHART_BAR_WIDTH * counts[state] / largest)
        tiles.append(StateTile(state.value, zh, en, colour, counts[state], bar))
    return tiles


def _item_row(item: WorkItem, folder: Path, audit_key: bytes | None) -> ItemRow:
    result = item.result or {}
    state = ItemState(item.state)
    label, _, colour = STATE_STYLE[state]
    details = [(key, _shown(result[key])) for key in SHOWN_RESULT_FIELDS if result.get(key) is not None]
    details += [(key, _count(result[key])) for key in COUNTED_RESULT_FIELDS if result.get(key) is not None]
    ref = item_ref(item.key, audit_key) if audit_key else ""
    shown = _evidence(result.get("evidence"), folder)
    shots = ([shown] if shown else []) + (_failure_shots(folder, ref) if ref else [])
    return ItemRow(
        id=item.id,
        state=state.value,
        label=label,
        colour=colour,
        attempts=item.attempts,
        error_code=_text(item.last_error_code),
        error_message=_text(item.last_error_message),
        note=_text(result.get("note")),
        filing_no=_reference(result.get("filing_no")),
        details=details,
        ref=ref,
        shots=shots,
    )


def _input_row(row: InputRow, folder: Path) -> ShownInputRow:
    return ShownInputRow(
        where=f"{_text(row.sheet)} 第{row.row}行",
        account=_text(row.account),
        name=_text(row.name),
        action=_text(row.action),
        outcome=row.outcome,
        label=outcome_label(row.outcome),
        colour=OUTCOME_COLOURS.get(row.outcome, "#455a64"),
        filing_no=_reference(row.filing_no),
        portal_message=_text(row.portal_message),
        note=_text(row.note),
        attempts=row.attempts,
        shot=_evidence(row.evidence, folder),
    )


def _outcome_choices(rows: Sequence[InputRow]) -> list[tuple[str, str, int]]:
    """(code, word, count) of each outcome the rows have, in the vocabulary's order."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    order = [code for code in OUTCOME_LABELS if code in counts] + sorted(set(counts) - set(OUTCOME_LABELS))
    return [(code, outcome_label(code), counts[code]) for code in order]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return _text(value)


def _count(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return str(len(value))
    return _text(value)


def _evidence(value: Any, folder: Path) -> Evidence | None:
    """The screenshot named by the result, only if it is an image inside the run folder."""
    if not isinstance(value, str) or not value:
        return None
    relative = PurePosixPath(value.replace("\\", "/"))
    name = _text(relative.name)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix.lower() not in IMAGE_SUFFIXES:
        return Evidence(name, None)
    target = folder.joinpath(*relative.parts).resolve()
    inside = target.is_relative_to(folder.resolve()) and target.is_file()  # a symlink may point out
    # the link target is not shown text: it keeps the real file name, percent-encoded
    return Evidence(name, quote(relative.as_posix()) if inside else None)


def _failure_shots(folder: Path, ref: str) -> list[Evidence]:
    evidence = folder / EVIDENCE_DIR
    if not evidence.is_dir():
        return []
    found = [p for p in evidence.glob(f"{ref}*-failure.png") if _FAILURE_SHOT.fullmatch(p.name[len(ref) :])]
    found.sort(key=lambda p: (len(p.name), p.name))  # <ref>-failure.png, then -2-, -3-...
    return [Evidence(p.name, quote(f"{EVIDENCE_DIR}/{p.name}"), failure=True) for p in found]


def last_failure_shot(folder: Path, ref: str) -> str:
    """The item's last failure screenshot (what the page showed when it was refused, held or
    failed) as a path relative to the run folder, or "" when the browser kept none."""
    shots = _failure_shots(folder, ref)
    return f"{EVIDENCE_DIR}/{shots[-1].name}" if shots else ""


# the scorecard chart: a bar per ranked branch on a 0-100 scale, drawn by the page itself (SVG)
_SCORE_LABEL_WIDTH, _SCORE_BAR_WIDTH, _SCORE_ROW = 150, 460, 26


@dataclass(frozen=True)
class ShownGroup:
    """One group of a reconciliation (a branch): 相符 or 不符, its comparisons, what differs."""

    name: str
    ok: bool
    word: str
    count: int
    mismatched: int
    summary: str
    comparisons: list[Comparison]


@dataclass(frozen=True)
class ShownReconciliation:
    title: str
    first_label: str
    second_label: str
    groups: list[ShownGroup]
    ok: bool


@dataclass(frozen=True)
class ScoreBar:
    label: str
    total: str
    y: int
    width: int


@dataclass(frozen=True)
class ShownRanking:
    title: str
    indicators: list[str]
    ranked: list[RankedEntry]
    unranked: list[tuple[str, str, str]]
    withheld: str
    bars: list[ScoreBar]
    chart_height: int
    ticks: list[tuple[int, int]]  # (x, value) of the 0, 25, ... 100 grid lines


def _reconciliation(shown: Reconciliation) -> ShownReconciliation:
    grouped: dict[str, list[Comparison]] = {}
    for comparison in shown.comparisons:
        grouped.setdefault(comparison.group, []).append(comparison)
    groups = []
    for name, comparisons in grouped.items():
        clean = [_clean_comparison(c) for c in comparisons]
        bad = [c for c in clean if not c.ok]
        summary = "；".join(_mismatch(c) for c in bad[:3])
        if len(bad) > 3:
            summary += f"；另有 {len(bad) - 3} 项"
        groups.append(ShownGroup(_text(name), not bad, MATCH if not bad else MISMATCH, len(clean), len(bad),
                                 summary or f"{len(clean)} 项均{MATCH}", clean))
    return ShownReconciliation(_text(shown.title), _text(shown.first_label), _text(shown.second_label),
                               groups, all(g.ok for g in groups))


def _mismatch(c: Comparison) -> str:
    """`储蓄存款余额 本日 相差 +100.00 元（超过容差 50.00 元）`; the item and why when a side lacks it."""
    if c.difference:
        return f"{c.item} 相差 {c.difference}" + (f"（{c.note}）" if c.note else "")
    return f"{c.item} {c.note or MISMATCH}"


def _clean_comparison(comparison: Comparison) -> Comparison:
    c = comparison
    return Comparison(_text(c.group), _text(c.item), _text(c.first), _text(c.second), _text(c.difference),
                      c.ok, _text(c.note))


def _ranking(shown: Ranking) -> ShownRanking:
    ranked = [RankedEntry(e.rank, _text(e.code), _text(e.name), e.total, [_text(s) for s in e.scores])
              for e in shown.ranked]
    bars = [ScoreBar(f"{e.rank}. {e.name or e.code}", f"{e.total:.2f}", n * _SCORE_ROW + 24,
                     round(_SCORE_BAR_WIDTH * min(max(e.total, 0.0), 100.0) / 100))
            for n, e in enumerate(ranked)]
    ticks = [(_SCORE_LABEL_WIDTH + _SCORE_BAR_WIDTH * v // 100, v) for v in (0, 25, 50, 75, 100)]
    return ShownRanking(_text(shown.title), [_text(i) for i in shown.indicators], ranked,
                        [(_text(c), _text(n), _text(r)) for c, n, r in shown.unranked], _text(shown.withheld),
                        bars, len(bars) * _SCORE_ROW + 30, ticks)


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
