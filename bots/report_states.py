"""What the report platform shows instead of the page asked for, as the suite's exceptions.

    raise_for_page_state(frame.content(), response.status)

用户登录信息失效 is SessionLost (log in again); the batch window (当前系统正在运行后台批处理)
is BatchWindow, 系统繁忙 and 502 pages PortalUnavailable (the queue retries both later);
报表文件不存在或尚未生成 is a refusal.
Each carries the sentence the platform showed. Playwright's own errors become PortalTimeout or
ApplicationError with their first line only (a call log can quote typed values).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Dialog, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from rpa.errors import (
    ApplicationError,
    BatchWindow,
    PortalChanged,
    PortalRefusal,
    PortalTimeout,
    PortalUnavailable,
    RpaError,
    SessionLost,
)

SESSION_LOST = "用户登录信息失效"
BATCH_WINDOW = "当前系统正在运行后台批处理"
SYSTEM_BUSY = "系统繁忙"
BAD_GATEWAY = "502 Bad Gateway"
NO_SUCH_REPORT = "报表文件不存在或尚未生成"


def raise_for_page_state(content: str, status: int = 200, portal: str = "报表平台") -> None:
    """Raise what a page's HTML (and HTTP status) says went wrong; silent for an ordinary page.
    `portal` names it in the diagnostics: the registration check system says the same."""
    if SESSION_LOST in content:
        words = words_around(content, SESSION_LOST)
        raise SessionLost(f"{portal}结束了会话", portal_message=words)
    if BATCH_WINDOW in content:
        raise BatchWindow(f"{portal}正在批处理", code="batch_window",
                         portal_message=words_around(content, BATCH_WINDOW))
    if status >= 500 or SYSTEM_BUSY in content or BAD_GATEWAY in content:
        words = words_around(content, SYSTEM_BUSY) or words_around(content, BAD_GATEWAY) or f"HTTP {status}"
        raise PortalUnavailable(f"{portal}回应了 {status}", portal_message=words)
    if NO_SUCH_REPORT in content:
        raise PortalRefusal("报表平台没有这个报表文件",
                            portal_message=words_around(content, NO_SUCH_REPORT))


def words_around(content: str, phrase: str) -> str:
    """The text around `phrase` in a page's HTML: the sentence the platform shows."""
    found = re.search(rf"[^<>]*{re.escape(phrase)}[^<>]*", content)
    return " ".join(found.group(0).split()) if found else ""


@contextmanager
def playwright_errors(action: str, portal: str = "报表平台") -> Iterator[None]:
    """Playwright's own errors as the suite's: a timeout is PortalTimeout, the rest ApplicationError."""
    try:
        yield
    except RpaError:
        raise
    except PlaywrightTimeoutError as error:
        message = f"{action}：{portal}没有及时应答（{_first_line(error)}）"
        raise PortalTimeout(message) from None
    except PlaywrightError as error:
        raise ApplicationError(f"{action}：{_first_line(error)}", code="browser_error") from None


@contextmanager
def page_dialogs(page: Page, action: str, portal: str = "报表平台") -> Iterator[None]:
    """An alert() the page shows instead of going on (its own script refused what was filled in:
    a date in a format it no longer takes) is dismissed, and the wait that timed out behind it is
    PortalChanged in the page's words: the page changed, no slow portal to retry."""
    said: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        said.append(" ".join(dialog.message.split()))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield
    except PortalTimeout:
        if not said:
            raise
        raise PortalChanged(f"{action}：{portal}的页面不接受填写的内容：{said[-1]}（页面可能已改版，"
                            "请核对配置和 selectors）", portal_message=said[-1]) from None
    finally:
        page.remove_listener("dialog", on_dialog)


def _first_line(error: PlaywrightError) -> str:
    return next((line.strip() for line in error.message.splitlines() if line.strip()), "没有说明")
