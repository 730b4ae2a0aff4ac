"""Why a scheduled run stopped (exit 3), and whether that has been cleared since.

    code = stop_code_of(settings, "report-extraction", run_id)   # e.g. "operators_refused"
    check = QueueCauses(settings, schedules)                     # the daemon's CauseCheck
    check(fire)  # WAITING | CLEARED (resume it now) | FINISHED / FINISHED_FAILED (run done by hand)

A stop for refused operators (`login_refused`, `operators_refused`) is cleared once the flow's
portal has an operator that is not refused (`rpa operators clear`). A stop for a portal that did
not answer (the circuit breaker, workers failing to start one after another, a timeout) is
cleared once the portal's address answers without a server error (at the earliest
OUTAGE_RETRY_SECONDS after the fire stopped, so a portal that answers its home page but fails
every login is not tried again at every beat of the daemon), a database outage once the
database answers (this check reads it). Any other stop (a changed portal, a full disk) waits for
a person: `rpa schedule trigger` resumes it, `rpa schedule close`
closes it. A run a person finished (`rpa run ... --resume`) finishes its fire.
"""

from __future__ import annotations

import importlib
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rpa.queue.models import ItemState
from rpa.queue.work_queue import WorkQueue
from rpa.run.flow import FLOWS
from rpa.run.operators import OperatorRefusals, OperatorsRefused, usable_operators
from rpa.schedule.attention import CauseState
from rpa.schedule.fire_rows import FireRecord

if TYPE_CHECKING:
    from rpa.schedule.models import ScheduleFile
    from rpa.settings import Settings

OPERATOR_CODES = ("login_refused", "operators_refused")
# an exit 3 with no stop request: this host's workers failed one after another (the portal away)
WORKERS_FAILED = "workers_failed"
# stops that pass by themselves: the portal (or the database) was away for a while
OUTAGE_CODES = ("circuit_open", WORKERS_FAILED, "portal_unavailable", "portal_timeout", "session_lost")
DATABASE_CODES = ("database_unavailable",)
PROBE_SECONDS = 10.0
OUTAGE_RETRY_SECONDS = 300
_OPEN = (ItemState.PENDING, ItemState.LEASED)
_FOR_A_PERSON = (ItemState.FAILED, ItemState.BUSINESS_ERROR, ItemState.HELD)


def flow_portal(flow_name: str) -> str | None:
    """The portal whose operators a flow logs in as (None: none, or an unknown flow)."""
    target = FLOWS.get(flow_name)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    portal: str | None = getattr(importlib.import_module(module_name), class_name).portal
    return portal


def no_operator_left(settings: Settings, portal: str) -> bool:
    """True when every operator configured for `portal` was refused at login."""
    try:
        usable_operators(settings, portal)
    except OperatorsRefused:
        return True
    return False


def portal_answers(settings: Settings, portal: str) -> bool:
    """True when the portal's address answers without a server error (5xx) within PROBE_SECONDS."""
    urls = {"ams": settings.ams_url, "report_platform": settings.reports_url,
            "enterprise_check": settings.check_url}
    try:
        with urllib.request.urlopen(urls[portal], timeout=PROBE_SECONDS) as answer:
            return int(answer.status) < 500
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code < 500
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return False


def stop_code_of(settings: Settings, flow_name: str, run_id: str) -> str | None:
    """Why run `run_id` stopped (exit 3): the code its workers stopped it with (`login_refused`
    for a login the portal refused in its own words, which the run recorded as a refused
    operator), else `operators_refused` when the flow's portal has no operator left (the run
    stopped before any worker started), else `workers_failed` (they failed to start one after
    another)."""
    why = WorkQueue.from_settings(settings).stop_requested(run_id)
    if why is not None:
        # the portal's words name the code (login_wrong_password, ...: config/ams_messages.yaml),
        # which no cause check knows: tester X's 1.2, a fire never resumed after `operators clear`
        refusals = OperatorRefusals.from_settings(settings).listing()
        refused = any(r.run_id == run_id and r.code == why[0] for r in refusals)
        return OPERATOR_CODES[0] if refused else why[0]
    portal = flow_portal(flow_name)
    if portal is not None and no_operator_left(settings, portal):
        return OperatorsRefused.code
    return WORKERS_FAILED


def workers_failed_reason(settings: Settings, run_id: str) -> str:
    """A fire's reason when its workers failed one after another: with the last failure's own
    words as the audit chain holds them (masked), e.g. what the portal answered at login."""
    from rpa.audit.log import AuditLog

    said = [e.details.get("message") for e in AuditLog.from_settings(settings).events(run_id)
            if e.event == "worker.failed"]
    last = f"，最后一次：{said[-1]}" if said and said[-1] else ""
    return f"运行提前停止，工作进程接连启动失败{last}（详见 run.log）"


class QueueCauses:
    """The daemon's cause check, reading the queue's database."""

    def __init__(self, settings: Settings, schedules: ScheduleFile) -> None:
        self.settings = settings
        self.schedules = schedules
        self.queue = WorkQueue.from_settings(settings)
        self.queue.create_schema()  # a scheduler may start on a database no run has used yet

    def __call__(self, fire: FireRecord) -> CauseState:
        run_id = (fire.run_id or "").split(",")[-1]
        if run_id:
            counts = self.queue.counts(run_id)
            stopped = self.queue.stop_requested(run_id) is not None
            if not stopped and any(counts.values()) and not any(counts[s] for s in _OPEN):
                failed = any(counts[s] for s in _FOR_A_PERSON)
                return CauseState.FINISHED_FAILED if failed else CauseState.FINISHED
        if fire.job_id not in self.schedules.job_ids():
            return CauseState.WAITING
        portal = flow_portal(self.schedules.job(fire.job_id).flow)
        if fire.stop_code in DATABASE_CODES:
            return CauseState.CLEARED  # the counts above were read from it
        if portal is None:
            return CauseState.WAITING
        if fire.stop_code in OPERATOR_CODES and not no_operator_left(self.settings, portal):
            return CauseState.CLEARED
        outage = fire.stop_code in OUTAGE_CODES and _stopped_a_while(fire)
        if outage and portal_answers(self.settings, portal):
            return CauseState.CLEARED
        return CauseState.WAITING


def _stopped_a_while(fire: FireRecord) -> bool:
    stopped = fire.finished_at or fire.started_at
    return stopped is None or (datetime.now(UTC) - stopped).total_seconds() >= OUTAGE_RETRY_SECONDS
