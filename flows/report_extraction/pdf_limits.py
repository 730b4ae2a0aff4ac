"""How far a report PDF may go: its number of pages, and the seconds one page may take to read.

    check_page_count(pdf, "daily.pdf")              # InputFileError beyond RPA_INPUT_MAX_PDF_PAGES
    with page_deadline("daily.pdf", 3):             # InputFileError once the page takes longer than
        chars = page.chars                          #   RPA_INPUT_PDF_PAGE_SECONDS, stopped there

Both refusals are `InputFileError`s (exit 2 for `rpa extract`; in a run the file is refused, see
flows.report_extraction.fetch) naming the file, the page and the setting, with their own codes
(`PDF_LIMIT_CODES`): the same file is refused the same way each time, so nothing retries them.

How a page is stopped: a real-time interval timer (`signal.setitimer(ITIMER_REAL)`) is armed
for the page, and its SIGALRM handler raises `_PageTimedOut` in the reading thread. pdfminer and
pdfplumber are pure Python, so the exception lands between two bytecodes wherever the page's
layout or table finding is (a single C call, such as inflating one stream, ends first; its size
is bounded by the file's). `_PageTimedOut` is a BaseException, so no `except Exception` inside a
library swallows it; it becomes the InputFileError at the deadline's edge, and the PDF is closed
as on any refusal. The handler and any timer armed before are put back after every page.
A child process per PDF would also stop a C call, but the page objects cannot cross processes
(the whole Grid would have to be sent back) and a worker process holds Playwright's threads,
which a fork must not copy: the timer is the simplest sound choice.

Signals reach only the main thread, which is where `rpa extract` and every worker process read
their PDFs. Off the main thread the timer cannot be armed: the page is read to its end and
refused afterwards when it took longer, so the limit still holds, only later.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from rpa.errors import InputFileError
from rpa.input_files import current_limits

TOO_MANY_PAGES = "pdf_too_many_pages"
PAGE_TOO_SLOW = "pdf_page_too_slow"
ENCRYPTED = "pdf_encrypted"
PDF_LIMIT_CODES = frozenset({TOO_MANY_PAGES, PAGE_TOO_SLOW, ENCRYPTED})


class _PageTimedOut(BaseException):
    """Raised by the timer's signal handler inside whatever reads the page."""


def too_many_pages(file: str, pages: int) -> InputFileError:
    limit = current_limits().max_pdf_pages
    return InputFileError(
        f"{file} 共 {pages} 页，超过上限 {limit} 页（RPA_INPUT_MAX_PDF_PAGES）：请确认文件是否选对，"
        "或调大 RPA_INPUT_MAX_PDF_PAGES",
        code=TOO_MANY_PAGES, details={"file": file, "pages": pages, "limit": limit})


def check_page_count(pdf: Any, file: str) -> int:
    """The PDF's page count, refused beyond the limit. The count its page tree declares is read
    first, so a PDF of a million pages is refused before they are listed one by one."""
    limit = current_limits().max_pdf_pages
    declared = _declared_count(pdf)
    if declared is not None and declared > limit:
        raise too_many_pages(file, declared)
    pages = len(pdf.pages)
    if pages > limit:
        raise too_many_pages(file, pages)
    return pages


def _declared_count(pdf: Any) -> int | None:
    """/Count of the page tree's root, or None when the tree does not say (the pages are then
    counted one by one)."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
    except (KeyError, TypeError, AttributeError):
        return None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _page_too_slow(file: str, page_number: int, seconds: float) -> InputFileError:
    return InputFileError(
        f"{file}，第{page_number}页：读取超过 {seconds:g} 秒仍未完成，已停止（RPA_INPUT_PDF_PAGE_SECONDS）："
        "该页内容异常（图形或文字过多），请从系统重新导出，或调大 RPA_INPUT_PDF_PAGE_SECONDS",
        code=PAGE_TOO_SLOW, details={"file": file, "page": page_number, "seconds": seconds})


@contextmanager
def page_deadline(file: str, page_number: int) -> Iterator[None]:
    """Read one page within RPA_INPUT_PDF_PAGE_SECONDS, or refuse the PDF naming the page."""
    seconds = current_limits().pdf_page_seconds
    started = time.monotonic()
    if threading.current_thread() is not threading.main_thread():
        yield
        if time.monotonic() - started > seconds:
            raise _page_too_slow(file, page_number, seconds)
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise _PageTimedOut

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _PageTimedOut:  # also when it fired as the page ended, before the timer was off
        raise _page_too_slow(file, page_number, seconds) from None
    finally:
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # a timer armed before this page: it goes on with what it had left
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3), previous_interval)
