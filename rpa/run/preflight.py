"""What a run checks before it reads its input or queues anything: a broken configuration refuses
the run (exit 2) with nothing queued and no worker started.

    check_configuration(ctx, flow, enqueue_only=False)   # ConfigError / UsageError naming what to fix
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rpa.errors import ConfigError, UsageError
from rpa.masking import scrub_text
from rpa.run.flow import Flow, no_operators_message
from rpa.run.runs import RunContext, read_run_json
from rpa.settings import Settings


@runtime_checkable
class ChecksSetup(Protocol):
    """A flow whose bot needs more of its configuration than the selectors file reading (every
    element it uses, its message catalogue): checked here, before anything is queued."""

    def check_setup(self, settings: Settings) -> None: ...


def check_configuration(ctx: RunContext, flow: Flow, *, enqueue_only: bool) -> None:
    """The flow's selectors file, read and checked in this process (a broken one would fail in
    every worker), alerts.yaml when there is one, and, for a new run of a portal flow, its
    operators (refused only when its workers were to start, the run would leave its rows queued
    under a run that works none of them). Operators are not checked with `enqueue_only` (other
    hosts' workers, with their own operators, work the items), nor on a resume: its items are
    queued already, and one with none open writes its outputs without the portal."""
    _check_selectors(ctx, flow)
    if isinstance(flow, ChecksSetup):
        try:
            flow.check_setup(ctx.settings)
        except ConfigError as exc:
            reason = " ".join(scrub_text(str(exc)).split())
            raise ConfigError(f"配置有误，运行未开始：{reason}", code=exc.code) from None
    _check_alerts(ctx)
    portal = flow.portal
    new_run = not enqueue_only and not read_run_json(ctx.folder).get("resumes")
    if portal is not None and new_run and not ctx.settings.operators_for(portal):
        raise UsageError(no_operators_message(portal))


def _check_selectors(ctx: RunContext, flow: Flow) -> None:
    from rpa.browser.selectors import load_selectors

    name = flow.selectors or flow.portal
    if not name:
        return
    try:
        load_selectors(name, ctx.settings.selectors_dir)
    except ConfigError as exc:
        reason = " ".join(scrub_text(str(exc)).split())  # one line, whatever the YAML parser said
        raise ConfigError(
            f"选择器配置有误，运行未开始：{reason}；请改正 {ctx.settings.selectors_dir / (name + '.yaml')}"
            "（RPA_SELECTORS_DIR）后重新运行",
            code=exc.code,
        ) from None


def _check_alerts(ctx: RunContext) -> None:
    """alerts.yaml, when there is one, reads: a broken one would be found only when an alert
    had to go out (a night's refusal or stop told to nobody)."""
    from rpa.alerts.config import load_alerts_config

    try:
        load_alerts_config(ctx.settings.alerts_file)
    except ConfigError as exc:
        reason = " ".join(scrub_text(str(exc)).split())
        raise ConfigError(f"告警配置有误，运行未开始：{reason}（不需要告警时把该文件移走）") from None
