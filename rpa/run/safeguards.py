"""Safeguards a run keeps: a yes/no setting marked `json_schema_extra={"safeguard": True}` in
`rpa/settings.py` (RPA_FILING_REQUIRE_CHECK) that was on when a run started stays on for all that
works the run afterwards: a resume, `rpa runs retry`, `rpa cases`, `rpa worker` on any host,
whatever that host says. A host with it on applies it too, so the stricter of the two holds.

    >>> kept = kept_by_run(host_settings, params, audit, run_id)   # params: params.json's
    >>> kept.settings.filing_require_check, kept.applied     # on at the start, off on this host
    (True, ['filing_require_check'])

What the run keeps is read from its parameters (params.json, run.json's copy) and from its
`run.started` in the audit chain, the one a person cannot edit unseen; either saying on is on.
One that acted on the run's rows on a host that had it (`ACTED`: the chain events its flow
records only with it on) stays on for the run after it (tester AP: rows a host with the gate
held, then filed unchecked by the next retry on a host without it, in a run started without
it); a host that resumed the run and worked nothing under it turns nothing on (reviewer).
Never read as off: a start, or an `ACTED` event, that does not verify (edited, or another audit
key) or a value that is not a {name: yes/no} table keeps every safeguard on. A run started
before safeguards were kept (2026-12-07) recorded none: its `LEGACY` event stands for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from rpa.audit.log import AuditLog
from rpa.run.runs import read_run_json, read_run_params
from rpa.settings import Settings

KEY = "safeguards"  # in the run's parameters, its run.started, run.resumed and host.joined
# (event, detail, value or None for any but 0) a flow records only when the safeguard acted on its
# rows: rows the gate held at a validation of the export, a queued row the gate held
ACTED: dict[str, tuple[tuple[str, str, str | None], ...]] = {"filing_require_check": (
    ("rows.check_required", "held", None), ("item.held", "code", "check_not_passed"))}
# a run started before 2026-12-07 (no safeguards in its start): the event its flow recorded only
# with the safeguard on at a validation, held or not, stands for its start
LEGACY = {"filing_require_check": "rows.check_required"}
UNVERIFIED = "开始记录无法核验"


@dataclass(frozen=True)
class Kept:
    """The settings a command works a run with, and what run.log says of them."""

    settings: Settings
    applied: list[str] = field(default_factory=list)  # safeguards on for the run, off on this host
    notices: list[str] = field(default_factory=list)


def safeguard_names() -> tuple[str, ...]:
    """The settings marked as safeguards, in `Settings`' order."""
    return tuple(name for name, spec in Settings.model_fields.items()
                 if isinstance(spec.json_schema_extra, dict) and spec.json_schema_extra.get("safeguard"))


def at_start(settings: Settings) -> dict[str, bool]:
    """What a new run keeps: each safeguard's value on the host that starts it."""
    return {name: bool(getattr(settings, name)) for name in safeguard_names()}


def kept_by_run(settings: Settings, params: Mapping[str, Any], audit: AuditLog, run_id: str) -> Kept:
    """`settings` (this host's) with every safeguard the run keeps turned on, and why."""
    chain, recorded = _in_chain(audit, run_id)
    sources = {"运行参数": params.get(KEY), "审计链的开始记录": chain}
    unreadable = [name for name, kept in sources.items() if kept is not None and not _table(kept)]
    started = {name for name in safeguard_names()
               if any(_table(kept) and kept.get(name) is True for kept in sources.values())}
    acted, unverified = _acted(audit, run_id)
    unreadable += ["审计链的办理记录"] if unverified else []
    on = set(safeguard_names()) if unreadable else started | acted
    applied = [name for name in safeguard_names() if name in on and not getattr(settings, name)]
    notices = [_notice(f"RPA_{name.upper()}", run_id, unreadable, name in started) for name in applied]
    if recorded and params.get(KEY) != chain:  # params.json edited, or its safeguards taken out
        notices.append(f"运行参数（params.json）中的保护设置与审计链的开始记录不同（文件被改动过）：仍按开启的一方"
                       f"办理，请运行 rpa audit verify {run_id} 查明")
    return Kept(settings.model_copy(update=dict.fromkeys(applied, True)) if applied else settings,
                applied, notices)


def run_settings(settings: Settings, folder: Path) -> Settings:
    """`kept_by_run` for the run in `folder`: params.json, else run.json's parameters."""
    try:
        params = read_run_params(folder)
    except (OSError, ValueError):  # a damaged params.json: its safeguards unread, so kept on
        params = {KEY: "params.json 无法读取"}
    if params is None:
        recorded = read_run_json(folder).get("parameters")
        params = recorded if isinstance(recorded, dict) else {}
    return kept_by_run(settings, params, AuditLog.from_settings(settings), folder.name).settings


def _in_chain(audit: AuditLog, run_id: str) -> tuple[object, bool]:
    """The safeguards the run's verified start records, and True; for a run started before they
    were kept, each `LEGACY` one its chain shows was on, and False; UNVERIFIED when no start verifies."""
    started = next((found for found in audit.checked_details(run_id) if found is not None), None)
    if started is None:
        return UNVERIFIED, False
    if KEY in started:
        return started[KEY], True
    return {name: any(audit.checked_details(run_id, event)) for name, event in LEGACY.items()}, False


def _notice(setting: str, run_id: str, unreadable: list[str], at_start: bool) -> str:
    """run.log's words for a safeguard on for the run and off on this host, by why it is on."""
    if unreadable:
        return (f"{'、'.join(unreadable)}中的保护设置无法读取或核验：{setting} 按开启办理（本机未开启），"
                f"请运行 rpa audit verify {run_id} 查明")
    if at_start:
        return f"运行开始时已开启 {setting}，本机未开启：本运行仍按开启办理（运行保留开始时的保护设置）"
    return (f"本运行此前已按开启的 {setting} 办理过行（审计链有记录），本机未开启：本运行仍按开启办理"
            "（被它挡下的行不会不经核查就报备）")


def _acted(audit: AuditLog, run_id: str) -> tuple[set[str], bool]:
    """The safeguards whose `ACTED` events the run's chain holds, and whether one of those events
    does not verify (then every safeguard is kept on: what it said cannot be known)."""
    acted, unverified = set(), False
    for name, events in ACTED.items():
        for event, detail, value in events:
            for details in audit.checked_details(run_id, event):
                unverified = unverified or details is None
                shown = None if details is None else details.get(detail)
                if shown and (value is None or shown == value):
                    acted.add(name)
    return acted, unverified


def _table(kept: object) -> TypeGuard[Mapping[str, bool]]:
    """Whether `kept` reads as {safeguard name: yes/no}."""
    return isinstance(kept, Mapping) and all(isinstance(value, bool) for value in kept.values())
