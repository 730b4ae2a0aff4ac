"""What an item's exception means, written to the queue: `settle` asks `rpa.errors.outcome_for`
and ends, holds, retries or drops the item, records it in the audit log and counts it in the
worker's `LoopSummary` (the table of outcomes is in `rpa.run.worker`'s docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rpa.disk import disk_refusal, full_disk
from rpa.errors import Disposition, RpaError, outcome_for
from rpa.masking import scrub_text
from rpa.outcomes import MAY_BE_DONE, OFF_THE_PAGE, item_label, may_be_done
from rpa.queue.models import AWAITING_APPROVAL

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem, WorkQueue
    from rpa.run.flow import WorkerContext


@dataclass
class LoopSummary:
    """What one worker's item loop did: its counts and why it stopped (for its last log line)."""

    done: int = 0
    business_errors: int = 0
    held: int = 0
    awaiting: int = 0  # held for a checker: 待复核, not 需人工处理
    retried: int = 0
    failed: int = 0
    lease_lost: int = 0
    bugs: int = 0
    fatal: str | None = None
    last_error: str = ""


def named(item: WorkItem) -> str:
    """An item as run.log names it: its id and the sheet row it files (result.xlsx's 行号), when
    it has one (tester BJ F9, 2026-12-07: `事项 5：已报备` matched nothing in result.xlsx)."""
    row = (item.payload or {}).get("row")
    return f"事项 {item.id}" + (f"（第 {row} 行）" if isinstance(row, int) else "")


def describe(exc: BaseException) -> tuple[Disposition, str]:
    """What the exception means, and a scrubbed message for it."""
    disposition = outcome_for(exc)
    if isinstance(exc, RpaError):
        return disposition, scrub_text(str(exc))
    return disposition, scrub_text(disk_refusal(exc) or f"{type(exc).__name__}: {exc}")


STOP, SYSTEM, SETTLED, DROPPED, BUSY = "stop", "system", "settled", "dropped", "busy"


def settle(queue: WorkQueue, wctx: WorkerContext, item: WorkItem, exc: Exception,
           summary: LoopSummary) -> str:
    """Write what `exc` means for the item (as `outcome_for` says) and count it; `STOP` when
    the run stops, `SYSTEM` for a system error or a bug (they open the circuit), `BUSY` for
    a portal busy for a while (a batch window: it neither opens the circuit nor closes it),
    `DROPPED` when the item is no longer this worker's."""
    disposition, message = describe(exc)
    if (disposition.retry or disposition.keep_traceback) and (full := full_disk(wctx.folder, exc)):
        disposition, message = describe(full)  # the browser's odd words for a full disk
    code, owner, log = disposition.code, wctx.owner, wctx.log
    summary.last_error = message
    try:
        if disposition.dropped:
            # the lease is gone (this worker was frozen or too slow; another may hold it now):
            # nothing more is written to the item. Lost before 确认提交, nothing was submitted
            wctx.record("item.lease_lost", item, code=code, fence=item.fence)
            log.warning(f"{named(item)}：租约已失效，本工作进程不再处理：{message}")
            summary.lease_lost += 1
            return DROPPED
        if disposition.run_fatal:
            queue.return_lease(item.id, owner)
            queue.request_stop(wctx.run_id, disposition.stop_code(), message)
            wctx.record("run.fatal", item, code=code, message=message)
            log.error(f"运行级错误，整个运行停止：{message}")
            summary.fatal = message
            return STOP
        if disposition.state == "business_error":
            result = result_of(exc)
            queue.fail_business(item.id, owner, code, message, result=result)
            wctx.record("item.business_error", item, code=code, message=message, **_digest(wctx, result))
            log.warning(f"{named(item)}：{item_label('business_error', result)} {code}：{message}")
            summary.business_errors += 1
            return SETTLED
        if disposition.state == "held":
            result = result_of(exc)
            queue.hold(item.id, owner, code, message, result=result)
            wctx.record("item.held", item, code=code, message=message, **_digest(wctx, result))
            log.warning(f"{named(item)}：{item_label('held', result)}：{message}")
            summary.held += code != AWAITING_APPROVAL
            summary.awaiting += code == AWAITING_APPROVAL
            return SETTLED
        if disposition.retry:
            kept = _kept_on_failure(exc)
            state = queue.fail_system(item.id, owner, code, message, longest=disposition.busy, result=kept)
            wctx.record("item.system_error", item, code=code, message=message, next_state=str(state),
                        **(_digest(wctx, kept) if kept else {}))
            then = "失败" if state == "failed" else "将重试"
            log.warning(f"{named(item)}：系统错误 {code}，{then}：{message}")
            if state == "failed":
                summary.failed += 1
            else:
                summary.retried += 1
            return BUSY if disposition.busy else SYSTEM
        # a bug: the same code would meet it again, so never retried; its traceback is kept
        log.opt(exception=exc).error(f"{named(item)}：程序错误 {code}，本项失败，不重试：{message}")
        kept = _kept_on_failure(exc)
        queue.fail_bug(item.id, owner, code, message, result=kept)
        wctx.record("item.failed", item, code=code, message=message, **(_digest(wctx, kept) if kept else {}))
        summary.failed += 1
        summary.bugs += 1
        return SYSTEM
    except Exception as inner:
        if outcome_for(inner).dropped and not disposition.dropped:  # lost while writing it
            return settle(queue, wctx, item, inner, summary)
        raise


AUDITED = {"status", "filing_no", "already_filed", "evidence", "figures", "note"}


def _digest(wctx: WorkerContext, result: dict[str, Any] | None) -> dict[str, Any]:
    """The keyed digest of a refused or held item's result (its portal message, its note; none
    is a result too), for `rpa audit verify` to hold the queue to."""
    return {"result_hmac": wctx.audit.keyed_digest(result)}


def _kept_on_failure(exc: BaseException) -> dict[str, Any] | None:
    """What a system error or a bug keeps as the item's result: that a submit got no answer
    (`MAY_BE_DONE`: its row must not read as plain 失败, or a clerk files it by hand again), and
    the portal's words where the flow put them in its details (`portal_message`: words the
    flow could not read as a refusal, tester AS of 2026-12-07); None leaves the result as it was."""
    details = exc.details if isinstance(exc, RpaError) else {}
    words = {"portal_message": details["portal_message"]} if details.get("portal_message") else {}
    return {**({MAY_BE_DONE: True} if may_be_done(exc) else {}), **words} or None


def result_of(exc: BaseException) -> dict[str, Any] | None:
    """A refused or held item's result: the error's details, and `OFF_THE_PAGE` when it was
    decided without the portal (no page of the item's is its evidence)."""
    details = dict(exc.details) if isinstance(exc, RpaError) and exc.details else {}
    if not getattr(exc, "on_a_page", True):
        details[OFF_THE_PAGE] = True
    return details or None
