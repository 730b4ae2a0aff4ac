"""The one exception tree of the suite.

    RpaError                      .code (stable), .portal_message (the portal's own words)
    ├── BusinessError             the item ends; never retried automatically
    │   ├── InvalidRecord         the input row is wrong (validation)
    │   ├── PortalRefusal         the portal refused the data (e.g. 该账户已备案)
    │   └── ExtractionError       a report's content does not fit its extraction spec
    │       ├── ScannedPdf        a PDF without a text layer
    │       ├── MissingUnicodeMap glyphs come out as (cid:NNN): a font without a Unicode map
    │       ├── LabelNotFound     a row label or column header of the spec is not in the report
    │       ├── DuplicateHeader   a header or row label found twice
    │       └── UnreadableFigure  a number that does not parse, a formula without a cached value
    ├── NeedsPerson               the item is held for a person (content conflict, 核准 needed)
    ├── ApplicationError          the item is retried with backoff, then failed
    │   ├── PortalUnavailable     500 pages, batch windows, overload
    │   ├── PortalTimeout         a page or answer did not come in time
    │   ├── SessionLost           用户登录信息失效: log in again and retry
    │   ├── DownloadFailed        truncated or wrong-type download
    │   └── SelectorNotFound      no candidate matched one element (the rest of the page did)
    ├── RunFatalError             the whole run stops now; the rest stays pending
    │   ├── LoginRefused          wrong password, locked or disabled operator: never retried
    │   ├── PortalChanged         no selector candidate matches any element of a page, one
    │   │                         matches two elements, or a table's header is not there
    │   ├── CircuitOpen           too many system errors in a row
    │   ├── BrowserMissing        no Chromium to launch
    │   └── DiskRefused           the disk is full or a run file may not be written
    └── UsageError                bad command line, unreadable input or configuration (exit 2)
        ├── InputFileError        the input file cannot be read at all
        └── ConfigError           settings, selectors, specs or schedules are invalid

Messages never carry secrets or unmasked personal data: callers mask before raising.
The mapping from these exceptions to work-item outcomes lives in one place, `rpa.worker`.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RpaError(Exception):
    """Base of every error the suite raises on purpose."""

    code: ClassVar[str] = "rpa_error"

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


class ApplicationError(RpaError):
    code = "application_error"


class PortalUnavailable(ApplicationError):
    code = "portal_unavailable"


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


class UsageError(RpaError):
    code = "usage_error"


class InputFileError(UsageError):
    code = "input_unreadable"


class ConfigError(UsageError):
    code = "config_invalid"
