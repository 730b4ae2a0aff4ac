"""The one exception tree of the suite, and what each branch means for an item and a run.

    exception                     item ends as             retried  run   exit  traceback
    ───────────────────────────── ──────────────────────── ──────── ───── ───── ─────────
    RpaError                      .code (stable), .portal_message (the portal's own words)
    ├── BusinessError             业务错误 (business)       no       goes  1     no
    │   ├── InvalidRecord         无效，未报备: the input row is wrong (validation)
    │   ├── PortalRefusal         门户拒绝: the portal refused the data (e.g. 该账户已备案)
    │   └── ExtractionError       a report's content does not fit its extraction spec
    │       ├── ScannedPdf        a PDF without a text layer
    │       ├── MissingUnicodeMap glyphs come out as (cid:NNN): a font without a Unicode map
    │       ├── LabelNotFound     a row label or column header of the spec is not in the report
    │       ├── DuplicateHeader   a header or row label found twice
    │       └── UnreadableFigure  a number that does not parse, a formula without a cached value
    ├── NeedsPerson               需人工处理 (held)          no       goes  1     no
    │   └── AwaitingApproval      待复核: a run set for approval (maker-checker) holds each row
    │                             it would file until a checker approves it (rpa.approvals)
    ├── ApplicationError          system: pending again     yes      goes  1*    no
    │   │                         after the queue's backoff, 失败 once attempts are used up
    │   ├── PortalUnavailable     500 pages, overload, a connection the browser lost
    │   │   └── BatchWindow       the portal's batch window (当前系统正在运行后台批处理): the
    │   │                         queue waits its longest backoff; not counted by the circuit
    │   ├── PortalTimeout         a page or answer did not come in time
    │   ├── SessionLost           用户登录信息失效: the handler logs in again, the queue retries
    │   ├── DownloadFailed        truncated or wrong-type download
    │   ├── SelectorNotFound      no candidate matched one element (the rest of the page did)
    │   └── LeaseLost             (rpa.queue.work_queue) another worker holds the item now: dropped
    ├── RunFatalError             未完成: back to pending   no       stops 3     no
    │   ├── LoginRefused          wrong password, locked or disabled operator: never retried
    │   ├── PortalChanged         no selector candidate matches any element of a page, one
    │   │                         matches two elements, or a table's header is not there
    │   ├── CircuitOpen           too many system errors in a row
    │   ├── BrowserMissing        no Chromium to launch
    │   ├── DiskRefused           the disk is full or a run file may not be written (an
    │   │                         OSError ENOSPC/EACCES/EROFS... counts as this one)
    │   └── DatabaseUnavailable   the database stayed away longer than RPA_DB_OUTAGE_SECONDS
    │                             (a shorter outage is ridden out: rpa.db)
    └── UsageError                未完成: back to pending   no       stops 2     no
        ├── InputFileError        the input file cannot be read at all
        └── ConfigError           settings, selectors, specs or schedules are invalid
    anything else: a bug          失败 (failed)             no       goes  1     yes (masked)
    playwright's Error escaping a bot (the browser or its driver failed) is a system error

    * 0 when a later attempt succeeds. "goes": the run goes on; "stops": the whole run stops
    at once (every worker after the item in hand), resumable once the cause is fixed.

`outcome_for(exc)` is the one place where an exception becomes a `Disposition`; the worker
loop, the worker's setup, the run's own steps and the CLI's exit codes all ask it.

The queue's backoff (`rpa.queue.leases.LeaseKeeper.fail_system`) is the only retry loop: a bot
or handler never repeats a step itself, it raises the system error and the item goes back to
the queue, pending again after RPA_BACKOFF_BASE_SECONDS * 2**(attempts-1) (capped at
RPA_BACKOFF_MAX_SECONDS), failed once RPA_MAX_ATTEMPTS attempts are used. Its next attempt
starts from the beginning (for a filing: the look-up, so 确认提交 is never pressed twice
without one). A batch window (BatchWindow) lasts minutes, so its retry waits the longest
backoff at once, and the circuit breaker (RPA_CIRCUIT_BREAKER_THRESHOLD system errors in a
row) neither counts it nor is reset by it: every item meets the same window, which says
nothing of a broken portal. With the defaults an item waits out (4 - 1) x 120 s = 6 minutes
of batch window before it fails; `rpa runs retry` puts it back after a longer one. Waiting for
a page, an element or an answer to come is not a retry: it stays in the bots.

Messages never carry secrets or unmasked personal data: callers mask before raising.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any, ClassVar

EXIT_OK, EXIT_ITEMS_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3


class RpaError(Exception):
    """Base of every error the suite raises on purpose."""

    code: ClassVar[str] = "rpa_error"
    drops_item: ClassVar[bool] = False  # the item is no longer this worker's (`LeaseLost`)
    on_a_page: ClassVar[bool] = True  # False: decided without the portal, no failure screenshot

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        portal_message: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.portal_message = portal_message
        self.details = details or {}

    def __str__(self) -> str:
        if self.portal_message and self.portal_message not in self.message:
            return f"{self.message}（门户提示：{self.portal_message}）"
        return self.message


class BusinessError(RpaError):
    code = "business_error"


class InvalidRecord(BusinessError):
    code = "invalid_record"


class PortalRefusal(BusinessError):
    code = "portal_refusal"


class ExtractionError(BusinessError):
    code = "extraction_failed"
    report_figures: ClassVar[bool] = True  # quotes a report's figures: no account to mask in them


class ScannedPdf(ExtractionError):
    code = "scanned_pdf"


class MissingUnicodeMap(ExtractionError):
    code = "missing_unicode_map"


class LabelNotFound(ExtractionError):
    code = "label_not_found"


class DuplicateHeader(ExtractionError):
    code = "duplicate_header"


class UnreadableFigure(ExtractionError):
    code = "unreadable_figure"


class NeedsPerson(RpaError):
    code = "needs_person"


class AwaitingApproval(NeedsPerson):
    """The row would be filed, but its run is set for approval: it waits for a checker."""

    code = "awaiting_approval"


class ApplicationError(RpaError):
    code = "application_error"


class PortalUnavailable(ApplicationError):
    code = "portal_unavailable"


class BatchWindow(PortalUnavailable):
    """The portal says it is busy for a while (AMS's batch window): retried after the queue's
    longest backoff, and never what opens the circuit breaker."""

    code = "batch_window"


class PortalTimeout(ApplicationError):
    code = "portal_timeout"


class SessionLost(ApplicationError):
    code = "session_lost"


class DownloadFailed(ApplicationError):
    code = "download_failed"


class SelectorNotFound(ApplicationError):
    code = "selector_not_found"


class RunFatalError(RpaError):
    code = "run_fatal"


class LoginRefused(RunFatalError):
    code = "login_refused"


class PortalChanged(RunFatalError):
    code = "portal_changed"


class CircuitOpen(RunFatalError):
    code = "circuit_open"


class BrowserMissing(RunFatalError):
    code = "browser_missing"


class DiskRefused(RunFatalError):
    code = "disk_refused"


class DatabaseUnavailable(RunFatalError):
    code = "database_unavailable"


class UsageError(RpaError):
    code = "usage_error"


class InputFileError(UsageError):
    code = "input_unreadable"


class ConfigError(UsageError):
    code = "config_invalid"


# errnos of a full disk and of a refused write (`rpa.disk` words them for the clerk)
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
DISK_DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
# SQLite's words for the same two problems (the database lives under the runs folder by default)
DATABASE_REFUSALS = ("database or disk is full", "readonly database", "unable to open database")
# the stop code a worker asks for when it met a usage or configuration error: the run exits 2
USAGE_STOP_PREFIX = "usage:"


@dataclass(frozen=True)
class Disposition:
    """What one exception means: for the item in hand, for the run, and for its exit code.

    `outcome` is a row outcome code of `rpa.outcomes` (its word is `outcome_label(outcome)`);
    `state` the work item state the item goes to (`pending` for a retry or a stopped run);
    `code` the stable code recorded with the item and in the audit chain."""

    outcome: str
    state: str
    code: str
    retry: bool = False
    run_fatal: bool = False
    exit_code: int = EXIT_ITEMS_FAILED
    keep_traceback: bool = False
    dropped: bool = False  # another worker holds the item now: nothing is written to it
    busy: bool = False  # the portal is busy for a while: the longest backoff, not counted in a row

    def stop_code(self) -> str:
        """The code a worker asks the run to stop with; `exit_for_stop()` reads it back."""
        return f"{USAGE_STOP_PREFIX}{self.code}" if self.exit_code == EXIT_USAGE else self.code


def outcome_for(exc: BaseException) -> Disposition:
    """The one mapping from an exception to what becomes of the item and the run.

    >>> outcome_for(PortalTimeout("slow")).retry, outcome_for(KeyError("x")).outcome
    (True, 'failed')
    """
    if isinstance(exc, RpaError):
        return _disposition_of(exc)
    if refused_by_disk(exc):
        return Disposition("pending", "pending", DiskRefused.code, run_fatal=True, exit_code=EXIT_STOPPED)
    if type(exc).__module__.startswith("playwright") and isinstance(exc, Exception):
        # a browser or driver failure the bot did not translate: the browser's, not the code's
        return Disposition("failed", "pending", f"browser_{type(exc).__name__}", retry=True)
    return Disposition("failed", "failed", f"unexpected_{type(exc).__name__}", keep_traceback=True)


def _disposition_of(exc: RpaError) -> Disposition:
    code = exc.code
    if exc.drops_item:
        return Disposition("pending", "leased", code, dropped=True, exit_code=EXIT_OK)
    if isinstance(exc, BusinessError):
        outcome = "invalid" if isinstance(exc, InvalidRecord) else (
            "refused" if isinstance(exc, PortalRefusal) else "rejected")
        return Disposition(outcome, "business_error", code)
    if isinstance(exc, NeedsPerson):
        return Disposition("awaiting_approval" if isinstance(exc, AwaitingApproval) else "held", "held", code)
    if isinstance(exc, ApplicationError):
        return Disposition("failed", "pending", code, retry=True, busy=isinstance(exc, BatchWindow))
    if isinstance(exc, RunFatalError):
        return Disposition("pending", "pending", code, run_fatal=True, exit_code=EXIT_STOPPED)
    if isinstance(exc, UsageError):
        return Disposition("pending", "pending", code, run_fatal=True, exit_code=EXIT_USAGE)
    # an RpaError outside every branch is raised by mistake: a bug, said as one
    return Disposition("failed", "failed", f"unexpected_{type(exc).__name__}", keep_traceback=True)


def refused_by_disk(exc: BaseException) -> bool:
    """A full disk or a refused write (an OSError, or SQLite saying so through SQLAlchemy)."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS | DISK_DENIED_ERRNOS
    if type(exc).__module__.startswith("sqlalchemy"):
        text = str(getattr(exc, "orig", None) or "")
        return any(words in text for words in DATABASE_REFUSALS)
    return False


def exit_for_stop(stop_code: str | None) -> int:
    """The exit code of a run stopped with this code (`Disposition.stop_code`)."""
    return EXIT_USAGE if stop_code and stop_code.startswith(USAGE_STOP_PREFIX) else EXIT_STOPPED
