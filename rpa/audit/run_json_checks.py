"""run.json and params.json against the chain (`rpa audit verify`): what `rpa runs list`, `rpa runs
show`, the console and a checker's maker check read of a run must be what its keyed events say.

    counts, aside                    -> the chain's last `run.finished` (aside: the rows put
                                       aside while validating, recorded since 2026-12-08)
    exit code, stop reason           -> a `run.finished` after the run's last start or resume
                                       (when it ended after it: a resumed run not yet ended
                                       keeps its earlier end in run.json)
    ended_at                         -> not before that last start, not more than a minute
                                       after the chain's last event
    started_at                       -> not after the `run.started` event, nor an hour before
    maker (run.json, params.json)    -> the maker `run.started` records (maker-checker)
    safeguards (the same two files)  -> the safeguards `run.started` records (rpa.run.safeguards)

Some ends write two `run.finished` (the second when the disk or database refused part of the
first end: run.json may keep the first); a run whose finishing step failed after `run.finished`
(run.json's `finish_failed`) may show a worse exit code than the chain's; an exit code run.json
does not have is not a difference. Texts are compared as the chain keeps them (scrubbed); nothing
is unmasked.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rpa.audit.chain import AuditEvent
from rpa.audit.report_lines import Report
from rpa.masking import scrub_text
from rpa.outcomes import counts_text, outcome_label

RUN_JSON, PARAMS_JSON = "run.json", "params.json"
STARTS = ("run.started", "run.resumed")


def check_run_json(report: Report, folder: Path, events: list[AuditEvent]) -> None:
    """One 【不符】 line per field of run.json (or params.json's maker) the chain says otherwise."""
    info = _read(folder / RUN_JSON)
    if info is None:
        report.bad(f"{RUN_JSON} 无法读取（不是 JSON）")
        return
    started = next((event for event in events if event.event == "run.started"), None)
    finished = [event for event in events if event.event == "run.finished"]
    last_start = max((e.seq for e in events if e.event in STARTS), default=0)
    ends = [event for event in finished if event.seq > last_start]  # this start's end(s)
    problems = [*_start_differences(folder, info, started)]
    if finished:
        problems += _count_differences(info, finished[-1])
    if ends:
        starts = [event for event in events if event.seq == last_start]
        problems += _end_differences(info, ends, starts[0] if starts else None, events[-1])
    for problem in problems:
        report.bad(problem)
    if finished and not problems:
        counts = nonzero_counts(finished[-1].details.get("counts"))
        report.good(f"{RUN_JSON} 的计数、退出码、发起人和时间与审计链一致（共 {sum(counts.values())} 项）")


def makers_in_files(folder: Path) -> list[tuple[str, str | None]]:
    """(file, maker) as run.json and params.json (when the run has one: a resume starts again
    with its parameters) name the run's maker, scrubbed as the chain keeps it; None: none named."""
    named = _in_files(folder, "maker")
    return [(name, scrub_text(str(maker)) if maker else None) for name, maker in named]


def _in_files(folder: Path, key: str) -> list[tuple[str, Any]]:
    """(file, value) of one run parameter as run.json and params.json (when there is one) keep it."""
    named = [(RUN_JSON, ((_read(folder / RUN_JSON) or {}).get("parameters") or {}).get(key))]
    if (folder / PARAMS_JSON).exists():
        named.append((PARAMS_JSON, (_read(folder / PARAMS_JSON) or {}).get(key)))
    return named


def _read(path: Path) -> dict[str, Any] | None:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None
    return info if isinstance(info, dict) else None


def _count_differences(info: dict[str, Any], finished: AuditEvent) -> list[str]:
    in_file, in_chain = nonzero_counts(info.get("counts")), nonzero_counts(finished.details.get("counts"))
    found = [] if in_file == in_chain else [
        f"{RUN_JSON} 的计数（{counts_text(in_file)}）与审计链记录的（{counts_text(in_chain)}）不同"]
    if "aside" in finished.details:  # recorded since 2026-12-08: the rows put aside while validating
        file_aside, chain_aside = nonzero_counts(info.get("aside")), nonzero_counts(finished.details["aside"])
        if file_aside != chain_aside:
            found.append(f"{RUN_JSON} 记录的校验时搁置的行（{_aside_text(file_aside)}）与审计链第 "
                         f"{finished.seq} 条事件记录的（{_aside_text(chain_aside)}）不同")
    return found


def _aside_text(aside: dict[str, int]) -> str:
    told = [f"{outcome_label(outcome)} {count} 行" for outcome, count in sorted(aside.items())]
    return "；".join(told) or "无"


def _start_differences(folder: Path, info: dict[str, Any], started: AuditEvent | None) -> list[str]:
    if started is None:
        return []
    recorded = started.details.get("maker") or None
    found = []
    for name, maker in makers_in_files(folder):
        if maker != recorded:
            found.append(f"{name} 记录的发起人（{maker or '无'}）与审计链第 {started.seq} 条事件记录的"
                         f"（{recorded or '无'}）不同")
    kept = started.details.get("safeguards")  # a run recorded before safeguards were kept has none
    found += [f"{name} 记录的保护设置（{_on(value)}）与审计链第 {started.seq} 条事件记录的（{_on(kept)}）不同"
              for name, value in _in_files(folder, "safeguards") if kept is not None and value != kept]
    at, when = _time(info.get("started_at")), _time(started.time)
    if info.get("started_at") is not None and (
        at is None or when is None or not 0 <= (when - at).total_seconds() <= 3600
    ):
        found.append(f"{RUN_JSON} 的开始时间（{info.get('started_at')}）与审计链第 {started.seq} 条"
                     f"事件的时间（{started.time}）不符")
    return found


def _end_differences(info: dict[str, Any], ends: list[AuditEvent], start: AuditEvent | None,
                     last: AuditEvent) -> list[str]:
    found = []
    code, codes = info.get("exit_code"), [end.details.get("exit_code") for end in ends]
    worse_after_failure = bool(info.get("finish_failed")) and 0 in codes and code not in (None, 0)
    if code is not None and code not in codes and not worse_after_failure:
        found.append(f"{RUN_JSON} 的退出码（{code}）与审计链第 {ends[-1].seq} 条事件"
                     f"记录的（{codes[-1]}）不同")
    reason = scrub_text(str(info["stop_reason"])) if info.get("stop_reason") else None
    if reason not in [end.details.get("stop_reason") or None for end in ends]:
        kept = ends[-1].details.get("stop_reason")
        found.append(f"{RUN_JSON} 的停止原因与审计链第 {ends[-1].seq} 条事件记录的不同"
                     f"（{RUN_JSON}：{'有' if reason else '无'}；审计链：{'有' if kept else '无'}）")
    ended, began, latest = _time(info.get("ended_at")), start and _time(start.time), _time(last.time)
    if info.get("ended_at") is not None and (
        ended is None or (began and ended < began) or (latest and (ended - latest).total_seconds() > 60)
    ):
        found.append(f"{RUN_JSON} 的结束时间（{info.get('ended_at')}）不在审计链记录的最后一次开始"
                     f"（第 {start.seq if start else '?'} 条事件）与运行结束之间")
    return found


def _time(text: object) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def nonzero_counts(counts: object) -> dict[str, int]:
    """A run's counts by state without the zeros (run.json's and the chain's alike)."""
    if not isinstance(counts, dict):
        return {}
    return {str(k): v for k, v in counts.items() if isinstance(v, int) and v}


def _on(safeguards: Any) -> str:
    """The safeguards a run keeps on, as their settings are named (RPA_…)."""
    if not isinstance(safeguards, dict):
        return "无" if safeguards is None else "无法读取"
    return "、".join(f"RPA_{name.upper()}" for name, on in safeguards.items() if on is True) or "均未开启"
