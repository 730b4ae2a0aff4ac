"""ReviewPage: 信息核对, the page that shows a filing as AMS took it, with 确认提交
(`selectors/ams.yaml`, page `check`).

    review = ReviewPage(screen)
    shown = review.reach(record, text)  # the page read: its content, canonical fields
    text = review.confirm(record)       # 确认提交, its confirm() accepted: the answer page's text

确认提交 is never repeated: an answer that does not come, or comes as a 5xx or gateway page, is
an ApplicationError coded `answer_lost`, and whoever retries must look the account up first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Dialog, Locator

from bots.ams import codes
from bots.ams._tables import read_table
from bots.ams.content import page_content, pairs_from_rows
from bots.ams.pages.form import raise_form_errors
from rpa.errors import ApplicationError, PortalTimeout, PortalUnavailable, RpaError

if TYPE_CHECKING:
    from bots.ams._pages import AmsPages
    from bots.ams.content import CanonicalFiling


def check_key(record: CanonicalFiling) -> str:
    """Names the 信息核对 page of one record while it loads ahead (not a URL: it is a POST)."""
    return f"check:{record.action}:{record.account_no}:{record.business_date}"


class ReviewPage:
    """信息核对 in the tab worked in, and its 确认提交."""

    def __init__(self, screen: AmsPages) -> None:
        self.screen = screen
        self._confirm: tuple[str, Locator] | None = None  # the 确认提交 button `reach` found

    def reach(self, record: CanonicalFiling, text: str) -> dict[str, str]:
        """Check that `text` is this record's 信息核对 page; what it shows (canonical fields)."""
        what = codes.filing_words(record.action, record.account_no)
        raise_form_errors(self.screen, text, what)
        check, confirm = self.screen.expect("check", "confirm", text, what)
        self._confirm = (record.account_no, confirm)
        return page_content(pairs_from_rows(r.cells for r in read_table(check, "check_table")))

    def confirm(self, record: CanonicalFiling, *, meanwhile: Callable[[], None] | None = None) -> str:
        """Press 确认提交, accept its confirm() (any other dialog is dismissed) and wait for the
        answer; `meanwhile` runs while it is on its way (it must not raise)."""
        screen = self.screen
        what = f"{codes.filing_words(record.action, record.account_no)} 的确认提交"
        prepared, confirm = self._confirm or ("", None)
        self._confirm = None
        if prepared != record.account_no or confirm is None:
            raise ApplicationError(
                f"{what}：这条记录的信息核对页面没有显示", code="not_prepared"
            )
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            if codes.CONFIRM_WORDS in dialog.message:
                dialogs.append("accepted")
                dialog.accept()
            else:
                dialogs.append("dismissed")
                dialog.dismiss()

        page = screen.page
        page.on("dialog", on_dialog)
        try:
            return screen.content.press(
                confirm, what=what, timeout_ms=screen.settings.answer_timeout_ms, meanwhile=meanwhile
            )
        except (PortalUnavailable, PortalTimeout) as exc:
            if dialogs == ["dismissed"]:
                raise ApplicationError(
                    f"{what}：出现了意外的对话框，已关闭；没有提交",
                    code="unexpected_dialog",
                ) from None
            raise _answer_lost(what, exc) from None
        finally:
            page.remove_listener("dialog", on_dialog)


def _answer_lost(what: str, exc: RpaError) -> ApplicationError:
    error_type = PortalTimeout if isinstance(exc, PortalTimeout) else PortalUnavailable
    return error_type(
        f"{what}：没有收到 AMS 的回执（{exc.code}）；报备可能已存入，再次提交前会先查询该账户",
        code="answer_lost",
        portal_message=exc.portal_message,
    )
