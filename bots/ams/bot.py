"""The AMS bot: what an operator does on the portal, one method each.

    bot = AmsBot(page, selectors, settings, catalogue)
    with session.login_window():
        bot.login(code, password)                  # one attempt: a refusal is LoginRefused
    history = bot.find_filings(account_no)       # the account's filings, every page of them
    shown = bot.filing_detail(history.entries[0])  # one filing's content, canonical fields
    check = bot.prepare_filing(record)           # form filled, 信息核对 shown: its content
    answer = bot.confirm_submission(record)      # confirm() accepted; 成功 + filing number
    bot.save_receipt(path)                       # the success page, account numbers masked

Pages are found through `selectors/ams.yaml` (login, menus and evidence: `_pages.AmsPages`).
Steps that only read are repeated by the bot itself; 确认提交 never is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Dialog, Locator

from bots.ams import codes
from bots.ams._forms import FORM_PAGES, fill_form, form_steps
from bots.ams._pages import AmsPages
from bots.ams._tables import (
    HistoryEntry,
    form_errors,
    history_entries,
    read_table,
    table_rows,
    total_rows,
)
from bots.ams.content import CanonicalFiling, page_content, pairs_from_rows
from rpa.errors import ApplicationError, PortalTimeout, PortalUnavailable, RpaError
from rpa.masking import FieldClass, mask


@dataclass(frozen=True)
class AccountHistory:
    """An account as the look-up shows it: whether AMS knows it, and its filings, oldest first."""

    account_no: str
    filed: bool
    entries: tuple[HistoryEntry, ...] = ()


@dataclass(frozen=True)
class FilingAnswer:
    """AMS's 成功: the filing number, and the 基本存款账户编号 it assigned to a basic account."""

    filing_no: str
    permit: str | None
    message: str


class AmsBot(AmsPages):
    """What an operator does on AMS: look accounts up, read filings, file."""

    # -- look-up ---------------------------------------------------------------------------
    def find_filings(self, account_no: str) -> AccountHistory:
        """The account's filing history, every page of it; `filed` False only if AMS says it does
        not know the account (该账户未备案). A page that shows neither that nor a history read by
        the headers of selectors/ams.yaml (page `lookup`, table `history`) is an error."""
        what = f"查询 {mask(account_no, FieldClass.ACCOUNT_NO)}"
        with self._in_tab(self._lookup_tab):
            return self.content.retrying(lambda: self._find_filings_once(account_no, what), what=what)

    def _find_filings_once(self, account_no: str, what: str) -> AccountHistory:
        text = self._query("lookup", self._menu_url("lookup"), account_no, what)
        if codes.NOT_FILED_WORDS in text:
            return AccountHistory(account_no, False)
        spec = self.history_spec
        lookup, table = self._expect("lookup", spec.table, text, what)
        entries = history_entries(table_rows(table), spec, what)
        expected = total_rows(text, spec, what)
        while len(entries) < expected and lookup.present("next_page"):
            text = self.content.press(lookup.locate("next_page"), what=what)
            lookup, table = self._expect("lookup", spec.table, text, what)
            entries += history_entries(table_rows(table), spec, what)
        if expected != len(entries):
            raise ApplicationError(
                f"{what}：读到 {len(entries)} 条备案，页面却显示共{expected}行",
                code="history_incomplete",
            )
        return AccountHistory(account_no, True, tuple(entries))

    def filing_detail(self, entry: HistoryEntry) -> dict[str, str]:
        """One filing's content as its 详情 page shows it (canonical fields, `content.py`)."""
        what = f"备案 {mask(entry.filing_no, FieldClass.ACCOUNT_NO)} 的详情"
        if entry.detail_url is None:
            raise ApplicationError(f"{what}: the history row has no 详情 link", code="detail_missing")
        url = entry.detail_url

        def read() -> dict[str, str]:
            text = self.content.open(url, what=what)
            _, table = self._expect("detail", "detail_table", text, what)
            return page_content(pairs_from_rows(r.cells for r in table_rows(table)))

        with self._in_tab(self._lookup_tab):
            return self.content.retrying(read, what=what)

    def load_form_ahead(self, record: CanonicalFiling) -> None:
        """Set the next record's form loading in the spare filing tab (it only reads), to be
        filled by `check_ahead` or taken by `prepare_filing` when its turn comes. Does nothing
        without `add_tabs`, or before its URL is known."""
        form = self._form_url(record)
        if self._spare_tab is not None and form is not None:
            self._spare_tab.start(form)

    def load_look_up_ahead(self, record: CanonicalFiling) -> None:
        """Set the next record's look-up loading in the look-up tab, to be taken by
        `find_filings`. Does nothing without `add_tabs`, or before the query URL is known."""
        lookup = self._known_query("lookup", record.account_no)
        if self._lookup_tab is not None and lookup is not None:
            self._lookup_tab.start(lookup)

    def take_turn(self, record: CanonicalFiling) -> None:
        """Start on a record: the tab where its form or 信息核对 loaded ahead becomes the filing
        tab (and comes to the front), so the other one is free for the record after it."""
        self._use_started(self._form_url(record), _check_key(record))
        self.to_front()

    def _form_url(self, record: CanonicalFiling) -> str | None:
        if record.action == "open":
            return self._menu_url("open")
        return self._known_query(record.action, record.account_no)

    # -- filing ----------------------------------------------------------------------------
    def prepare_filing(self, record: CanonicalFiling) -> dict[str, str]:
        """Fill the action's form and go on to 信息核对; returns what that page shows (canonical
        fields). The portal's objections to the form are raised in its own words."""
        what = f"{_action(record.action)} {mask(record.account_no, FieldClass.ACCOUNT_NO)}"
        return self.content.retrying(lambda: self._prepare_once(record, what), what=what)

    def _prepare_once(self, record: CanonicalFiling, what: str) -> dict[str, str]:
        key = _check_key(record)
        self.to_front()
        text = self.content.take(key, what=what)
        if text is None:
            next_button = self._fill_form(record, what)
            text = self.content.press(next_button, what=what)
        self._raise_form_errors(text, what)
        check, confirm = self._expect("check", "confirm", text, what)
        self._confirm = (record.account_no, confirm)
        rows = read_table(check, "check_table")
        return page_content(pairs_from_rows(r.cells for r in rows))

    def _fill_form(self, record: CanonicalFiling, what: str) -> Locator:
        """Open the action's form (or take it, loaded ahead) and fill it; its 下一步 button."""
        form_page = FORM_PAGES[record.action]
        if record.action == "open":
            text = self.content.open(self._menu_url("open"), what=what)
        else:
            text = self._query("account_entry", self._menu_url(record.action), record.account_no, what)
        self._raise_form_errors(text, what)
        form, next_button = self._expect(form_page, "next", text, what)
        fill_form(self.content.frame(), form, self.selectors.page(form_page), form_steps(record), record)
        return next_button

    def check_ahead(self, record: CanonicalFiling) -> bool:
        """In the spare filing tab, fill the next record's form (loaded by `load_form_ahead`) and
        set its 信息核对 page loading, for `prepare_filing` to take. 信息核对 only reads: nothing
        is submitted before that record's own look-up and 确认提交. False if it did not start."""
        spare, form = self._spare_tab, self._form_url(record)
        if spare is None or form is None or spare.started() != form:
            return False
        what = f"{_action(record.action)} {mask(record.account_no, FieldClass.ACCOUNT_NO)}（提前载入）"
        with self._in_tab(spare):
            next_button = self._fill_form(record, what)
            return spare.start_press(next_button, _check_key(record))

    def _raise_form_errors(self, text: str, what: str) -> None:
        errors = form_errors(text)
        if errors:
            raise self.catalogue.error_for_lines(errors, context=what)

    def confirm_submission(
        self, record: CanonicalFiling, *, meanwhile: Callable[[], None] | None = None
    ) -> FilingAnswer:
        """Press 确认提交 on the 信息核对 page, accept its confirm(), and read the answer;
        `meanwhile` runs while the answer is on its way (it must not raise).

        Never repeated: an answer that does not come, or comes as a 5xx or gateway page, is an
        ApplicationError coded `answer_lost`, and whoever retries must look the account up first.
        """
        what = f"{_action(record.action)} {mask(record.account_no, FieldClass.ACCOUNT_NO)} 的确认提交"
        prepared, confirm = self._confirm or ("", None)
        self._confirm = None
        if prepared != record.account_no or confirm is None:
            raise ApplicationError(
                f"{what}: the 信息核对 page of this record is not shown", code="not_prepared"
            )
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            if codes.CONFIRM_WORDS in dialog.message:
                dialogs.append("accepted")
                dialog.accept()
            else:
                dialogs.append("dismissed")
                dialog.dismiss()

        self.page.on("dialog", on_dialog)
        try:
            text = self.content.press(
                confirm, what=what, timeout_ms=self.settings.answer_timeout_ms, meanwhile=meanwhile
            )
        except (PortalUnavailable, PortalTimeout) as exc:
            if dialogs == ["dismissed"]:
                raise ApplicationError(
                    f"{what}：出现了意外的对话框，已关闭；没有提交",
                    code="unexpected_dialog",
                ) from None
            raise _answer_lost(what, exc) from None
        finally:
            self.page.remove_listener("dialog", on_dialog)
        return self._read_answer(record, text, what)

    def _read_answer(self, record: CanonicalFiling, text: str, what: str) -> FilingAnswer:
        refused = next((line for line in text.splitlines() if codes.FAILED_PREFIX in line), None)
        if refused is not None:
            reason = re.split(r"[：:]", refused.split(codes.FAILED_PREFIX, 1)[1], maxsplit=1)[-1].strip()
            raise self.catalogue.error_for(reason or refused, context=what)
        result, _ = self._expect("result", "success", text, what)
        pairs = pairs_from_rows(r.cells for r in read_table(result, "result_table"))
        filing_no, shown_account = pairs.get("备案编号", ""), pairs.get("账号", "")
        if not filing_no or shown_account != record.account_no:
            raise ApplicationError(
                f"{what}：AMS 显示成功，但回执中"
                f"{'没有备案编号' if not filing_no else '是另一个账户'}",
                code="answer_unreadable",
            )
        return FilingAnswer(filing_no, pairs.get("基本存款账户编号") or None, "成功")


def _check_key(record: CanonicalFiling) -> str:
    """Names the 信息核对 page of one record while it loads ahead (not a URL: it is a POST)."""
    return f"check:{record.action}:{record.account_no}:{record.business_date}"


def _answer_lost(what: str, exc: RpaError) -> ApplicationError:
    error_type = PortalTimeout if isinstance(exc, PortalTimeout) else PortalUnavailable
    return error_type(
        f"{what}：没有收到 AMS 的回执（{exc.code}）；报备可能已存入，再次提交前会先查询该账户",
        code="answer_lost",
        portal_message=exc.portal_message,
    )


def _action(action: str) -> str:
    """The business type as AMS and a clerk name it: 开户, 变更, 撤销."""
    return codes.ACTION_WORDS.get(action, action)
