"""Safeguards a run keeps: a yes/no setting marked `json_schema_extra={"safeguard": True}` in
`rpa/settings.py` (RPA_FILING_REQUIRE_CHECK) that was on when a run started stays on for all that
works the run afterwards: a resume, `rpa runs retry`, `rpa cases`, `rpa worker` on any host,
whatever that host says. A host with it on applies it too, so the stricter of the two holds.

    >>> params = {"safeguards": {"filing_require_check": True}}   # params.json, run.json's parameters
    >>> for_run(Settings(filing_require_check=False), params).filing_require_check
    True

A run made before safeguards were kept follows the host's setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rpa.audit.log import AuditLog
from rpa.run.runs import read_run_json, read_run_params
from rpa.settings import Settings

KEY = "safeguards"  # in the run's parameters


def safeguard_names() -> tuple[str, ...]:
    """The settings marked as safeguards, in `Settings`' order."""
    return tuple(name for name, field in Settings.model_fields.items()
                 if isinstance(field.json_schema_extra, dict) and field.json_schema_extra.get("safeguard"))


def at_start(settings: Settings) -> dict[str, bool]:
    """What a new run keeps: each safeguard's value on the host that starts it."""
    return {name: bool(getattr(settings, name)) for name in safeguard_names()}


def kept_on(settings: Settings, *kept_in: Mapping[str, Any] | None) -> list[str]:
    """The safeguards the run keeps on that `settings` (this host's) has off: on in any of `kept_in`,
    the run's parameters or its chain's `run.started` details (params.json alone can be edited)."""
    said = [kept for source in kept_in
            if isinstance(source, Mapping) and isinstance(kept := source.get(KEY), Mapping)]
    return [name for name in safeguard_names()
            if not getattr(settings, name) and any(kept.get(name) is True for kept in said)]


def for_run(settings: Settings, *kept_in: Mapping[str, Any] | None) -> Settings:
    """`settings` with every safeguard the run keeps (`kept_on`) turned on."""
    on = kept_on(settings, *kept_in)
    return settings.model_copy(update=dict.fromkeys(on, True)) if on else settings


def kept_notices(settings: Settings, *kept_in: Mapping[str, Any] | None) -> list[str]:
    """One line for run.log per safeguard the run keeps on against this host's setting."""
    return [f"运行开始时已开启 RPA_{name.upper()}，本机未开启：本运行仍按开启办理（运行保留开始时的保护设置）"
            for name in kept_on(settings, *kept_in)]


def run_settings(settings: Settings, folder: Path) -> Settings:
    """`for_run` with what the run in `folder` keeps: params.json (else run.json's parameters) and
    its audit chain's `run.started`."""
    params = read_run_params(folder)
    if params is None:
        recorded = read_run_json(folder).get("parameters")
        params = recorded if isinstance(recorded, dict) else {}
    return for_run(settings, params, AuditLog.from_settings(settings).started_details(folder.name))
