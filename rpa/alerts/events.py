"""Where the engine raises alerts: the end of a run, and an operator refused at login.

    alert_run_end(settings, run_id, folder)        # rpa.run.orchestrate, once a run has ended
    alert_operator_refused(settings, "ams", code, portal_words, run_id)   # rpa.run.operators

Neither ever fails its caller: an alert that cannot be sent (a bad alerts.yaml, a database that
refuses, a channel down) is logged, masked, and the run goes on with its own exit code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from rpa.alerts import kinds
from rpa.alerts.findings import FOR_A_PERSON, INVALID, reconciliation_found, rows_put_aside
from rpa.alerts.kinds import Alert
from rpa.alerts.send import send_alert
from rpa.errors import EXIT_STOPPED, EXIT_USAGE, CircuitOpen, ConfigError, RpaError
from rpa.masking import FieldClass, mask, scrub_text
from rpa.outcomes import item_label, outcome_label

if TYPE_CHECKING:
    from rpa.settings import Settings

# runs started by a person at a terminal: a refused one (exit 2) is told to that person there
AT_A_TERMINAL = frozenset({"cli", "retry", "demo"})
# a scheduled fire's run (`rpa.schedule.runner.trigger_label`): the scheduler tells a refused one
# as its fire's (定时任务需要处理, with the drop folder's put-back), so it is not told twice
FIRE_TRIGGER = "schedule:"
PORTAL_NAMES = {"ams": "AMS", "report_platform": "报表平台", "enterprise_check": "联网核查系统"}


def alert_run_end(settings: Settings, run_id: str, folder: Path) -> None:
    """The alerts a run's end calls for, from its run.json: stopped early (the circuit breaker
    named as such) or, unattended and not a scheduled fire's, refused; items that failed; items
    the portal refused or business errors (门户拒绝, 业务错误; not 复核退回); rows held for a
    person (queue items held, and input rows put aside while validating); input rows invalid,
    not filed; and what a reconciliation found. Logged as the run's (its run.log)."""
    with logger.contextualize(run_id=run_id):
        try:
            for alert in run_end_alerts(settings, run_id, folder):
                send_quietly(settings, alert)
        except RpaError as exc:  # e.g. the database still away: said in one line, no traceback
            logger.error(f"告警未能发送（{exc.code}）：{scrub_text(exc.message)}；运行不受影响")
        except Exception as exc:  # never the run's failure: logged, masked
            _log_failure(exc)


def run_end_alerts(settings: Settings, run_id: str, folder: Path) -> list[Alert]:
    """What `alert_run_end` sends, without sending it."""
    record = _run_json(folder)
    if record.get("exit_code") is None and "waiting_for_workers" in record:
        return []  # `--enqueue-only`: not ended, its items (if any) wait for `rpa worker`
    flow = str(record.get("flow") or "?")
    exit_code = record.get("exit_code")
    reason = record.get("stop_reason") or record.get("finish_failed")
    found: list[Alert] = []
    if exit_code == EXIT_USAGE:
        trigger = str(_last_trigger(record) or "")  # `retry:<user>` too: someone is at the terminal
        if trigger.partition(":")[0] not in AT_A_TERMINAL and not trigger.startswith(FIRE_TRIGGER):
            found.append(kinds.run_failed(run_id, flow, reason))
    elif exit_code == EXIT_STOPPED or exit_code is None:
        stop = _stop_request(settings, run_id)
        if stop is not None and stop[0] == CircuitOpen.code:
            found.append(kinds.circuit_open(run_id, flow, stop[1]))
        else:
            found.append(kinds.run_stopped(run_id, flow, reason or ("运行没有记下结束状态：请查看 run.log"
                                                                      if exit_code is None else None)))
    counts = record.get("counts") or {}
    failed = int(counts.get("failed", 0) or 0)
    if failed:
        found.append(kinds.items_failed(run_id, flow, failed))
    if int(counts.get("business_error", 0) or 0):
        by_word = _refused(settings, run_id)
        if by_word:
            found.append(kinds.items_refused(run_id, flow, by_word))
    held = int(counts.get("held", 0) or 0)
    aside = rows_put_aside(settings, run_id)
    if held or aside[FOR_A_PERSON]:
        found.append(kinds.rows_held(run_id, flow, held + aside[FOR_A_PERSON], set_aside=aside[FOR_A_PERSON]))
    if aside[INVALID]:
        found.append(kinds.rows_invalid(run_id, flow, aside[INVALID]))
    reconciled = reconciliation_found(settings, run_id)
    if reconciled is not None:
        found.append(kinds.reconciliation_found(run_id, reconciled.told, reconciled.classes))
    return found


def alert_operator_refused(settings: Settings, portal: str, operator_code: str, portal_words: str,
                           run_id: str | None) -> None:
    """A portal refused an operator at login (kept by rpa.run.operators): a person must clear it."""
    try:
        masked = mask(operator_code, FieldClass.ACCOUNT_NO)
        words = scrub_text(portal_words)[:100]
        alert = kinds.operator_refused(PORTAL_NAMES.get(portal, portal), masked, words, run_id)
        send_quietly(settings, alert)
    except Exception as exc:
        _log_failure(exc)


def send_quietly(settings: Settings, alert: Alert) -> None:
    """`send_alert`, with a bad alerts.yaml logged instead of raised."""
    try:
        send_alert(settings, alert)
    except ConfigError as exc:
        logger.error("告警未发送：{}", scrub_text(exc.message))


def _last_trigger(record: dict[str, Any]) -> Any:
    """What started the run's latest process: run.json's `trigger` is the first start's, each
    resume is in `resumes` (an entry of a run recorded before they named theirs is a time alone,
    and `trigger` was then the latest)."""
    resumes = record.get("resumes")
    last = resumes[-1] if isinstance(resumes, list) and resumes else None
    return last.get("trigger") if isinstance(last, dict) else record.get("trigger")


def _run_json(folder: Path) -> dict[str, Any]:
    try:
        loaded = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _stop_request(settings: Settings, run_id: str) -> tuple[str, str] | None:
    from rpa.queue.work_queue import WorkQueue

    return WorkQueue.from_settings(settings).stop_requested(run_id)


def _refused(settings: Settings, run_id: str) -> dict[str, int]:
    """The run's business-error items by their word, but those a checker sent back (复核退回:
    a person's decision, not news to anyone)."""
    from rpa.queue.work_queue import WorkQueue

    words: dict[str, int] = {}
    for item in WorkQueue.from_settings(settings).items(run_id):
        word = item_label(item.state.value, item.result)
        if item.state.value == "business_error" and word != outcome_label("rejected_by_checker"):
            words[word] = words.get(word, 0) + 1
    return words


def _log_failure(exc: Exception) -> None:
    logger.opt(exception=exc).error(f"告警未能发送（{type(exc).__name__}）：运行不受影响")
