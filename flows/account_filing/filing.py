"""Filing one account in AMS, never twice.

For each work item the handler, in this order:

1. looks the account's filing history up (every page of it);
2. for each filing with the record's action and business date, opens its 详情 page and compares
   its content with the record: the same content ends the item as done, `already_filed`, with
   AMS's filing number; only different content holds the item for a person (`NeedsPerson`).
   An 开户 or 撤销 of an account AMS already holds as opened or closed (on another date) is held
   too, and so is a 变更 or 撤销 whose 账户性质, 开户银行机构代码, 存款人名称 or 统一社会信用代码
   contradicts AMS's record of the account (`account_identity`), filed content alike or not;
3. holds a row dated before a filing AMS holds of the account (`rows_aside`), and a row whose
   earlier row of the account (business order, this run or another) has not ended filed
   (`account_rows`), or was put aside while validating and is not in AMS (`rows_aside`): it
   waits for that row; holds a 变更 whose every named item AMS already holds with the row's
   value (`unchanged_change`: it would change nothing); in a dry run, stops there: done, status
   `would_file`; in a run set for approval, a row no checker has approved stops there too, held
   as 待复核 (`approval_gate`), and meets the earlier-row check once approved;
4. fills the form, reads the 信息核对 page back and compares it with the record (a value the form
   did not take holds the item: nothing wrong is ever submitted);
5. presses 确认提交 (the confirm() accepted) and reads the answer: 成功 with a filing number (and a
   masked screenshot), or the portal's refusal in its own words (a business error).

An answer that is lost after 确认提交 (a 502, a timeout, a killed worker, a lost session) is an
application error: the queue's retry starts again at step 1, finds the filing and ends the item
as already filed. Nothing is ever submitted without the look-up just before it. No step is
repeated within an attempt: a 500, a timeout or AMS's batch window at any step goes up, and the
queue's backoff (the only retry loop, `rpa.errors`) tries the item again from step 1. A worker
whose login met such an error (at its start, or after a lost session) logs in at its next item.

Immediately before 确认提交 the worker proves it still holds the item (`WorkerContext.
before_irreversible`: its fencing token, in one transaction) and that AMS's service window
(RPA_AMS_SERVICE_WINDOW) is open. A worker that lost its lease (frozen past it) drops the item
without submitting; a closed window stops the run with the item pending. An item whose earlier
lease was lost after that check (`WorkItem.caught_mid_submit`: its worker may still press
确认提交) is settled by the look-up or, if the look-up finds no such filing, held for a person
(`caught_mid_submit`), never submitted again by the bot.

Step 2's comparison of the record with AMS's history, and "the same content", are
`flows.account_filing.history_match`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bots.ams import AccountHistory, AmsBot, FilingAnswer, HistoryEntry
from flows.account_filing.account_identity import check_account_agrees
from flows.account_filing.account_rows import waits_for_earlier_row, waits_for_other_run
from flows.account_filing.approval_gate import awaiting_approval
from flows.account_filing.check_gate import not_passed
from flows.account_filing.check_page import ams_now, check_page_agrees
from flows.account_filing.history_match import compared_fields, match_history
from flows.account_filing.lost_answers import check_lost_answers, remembers_unanswered, submitted_unanswered
from flows.account_filing.notes import done_note
from flows.account_filing.records import FilingRecord
from flows.account_filing.rows_aside import comes_after_a_later_filing, waits_for_row_aside
from flows.account_filing.unchanged_change import check_something_changes
from rpa.alerts.aside_by_hand import aside_marks
from rpa.approvals.words import waits_for_checker
from rpa.errors import BusinessError, NeedsPerson, RpaError, SessionLost
from rpa.masking import FieldClass, item_ref, mask, personal_values
from rpa.queue.aftercare import held_on_refile
from rpa.queue.work_queue import WorkQueue
from rpa.run.service_window import ServiceHours

if TYPE_CHECKING:
    from bots.ams.strategies import FilingStrategy
    from rpa.browser.session import BrowserSession
    from rpa.queue.work_queue import WorkItem
    from rpa.run.flow import WorkerContext

class CheckNotPassed(NeedsPerson):
    """Held by RPA_FILING_REQUIRE_CHECK: decided by the checks in the queue, not on an AMS page
    (the look-up page shown then is no evidence of it: testers AM, AO, AP)."""

    on_a_page = False


class FilingHandler:
    """The per-item handler a worker runs: one bot, one browser, one operator, and the strategy
    (`bots.ams.strategies`) whose hooks go round the steps. `LookingAheadFilingHandler` is the
    same for a strategy that works one item ahead."""

    def __init__(
        self,
        bot: AmsBot,
        session: BrowserSession,
        wctx: WorkerContext,
        *,
        login: Callable[[], None],
        strategy: FilingStrategy,
        dry_run: bool = False,
        logged_in: bool = True,
    ) -> None:
        self.bot = bot
        self.logged_in = logged_in  # False: the worker's login met a system error
        self.session = session
        self.wctx = wctx
        self.login = login
        self.strategy = strategy
        self.dry_run = dry_run
        self._audit_key = wctx.settings.audit_key_bytes()
        self._queue = WorkQueue.from_settings(wctx.settings)
        self.hours = ServiceHours.for_ams(wctx.settings)

    def __call__(self, item: WorkItem) -> dict[str, Any]:
        from rpa.browser.evidence import item_evidence

        record = FilingRecord.model_validate(item.payload["record"])
        ref = item_ref(item.key, self._audit_key)
        self.bot.start_item()  # a failure screenshot shows this item's pages only
        with remembers_unanswered(self.wctx, item):  # failed after an unanswered press: may be filed
            try:
                if not self.logged_in:  # a system error at the last login: this attempt logs in
                    self._log_in()
                with item_evidence(self.session, lambda: self.bot.page_in_use, ref, attempt=item.attempts,
                                   mask=self.bot.failure_masks,  # and the row's personal values, where shown
                                   personal=personal_values(item.payload, self.wctx.payload_not_personal)):
                    return self._file(item, record, ref)
            except SessionLost:
                # logged in again for the items to come; this one goes back to the queue, whose
                # backoff is the only retry (its next attempt starts with the look-up, as always)
                self.wctx.record("filing.session_lost", item)
                self._log_in()
                raise

    def _log_in(self) -> None:
        """Log in; a system error (AMS down, its batch window) goes up as this item's, and the
        next item tries the login again."""
        self.logged_in = False
        self.login()
        self.logged_in = True

    def _file(self, item: WorkItem, record: FilingRecord, ref: str) -> dict[str, Any]:
        waits_for_other_run(self._queue, item, record)
        self.strategy.begin(record)
        history = self.bot.find_filings(record.account_no)
        detail = cache(self.bot.filing_detail)  # each 详情 page read once an attempt
        found = match_history(record, history, detail)
        self.wctx.record(
            "filing.looked_up",
            item,
            known=history.filed,
            filings=len(history.entries),
            match="already_filed" if found.already else ("conflict" if found.conflict else "none"),
        )
        if found.already is not None:  # the same filing, and the account the row names (a 变更's
            check_account_agrees(record, history, detail)  # kept 名称 is not content)
            permit = detail(found.already).get("basic_account_permit") or ""  # read by the match
            return self._already_filed(item, record, found.already, ref, permit)
        if found.conflict is not None:
            raise NeedsPerson(
                f"{record.masked_label()}：{found.conflict}",
                code="filing_conflict",
                details={"status": "held", "filing_no": found.conflict_filing, "note": found.conflict},
            )
        check_account_agrees(record, history, detail)  # a 变更/撤销's account
        comes_after_a_later_filing(record, history)  # a late row: AMS holds a later one already
        check_lost_answers(self.wctx, item, record)  # caught mid-submit, or an answer still due
        self._check_gate(record)  # asked as it is worked: a check since may say 吊销
        checker_first = waits_for_checker(item.payload) and not self.dry_run  # a run set for approval
        if not checker_first:  # never filed, nor previewed as filed, over an unfiled earlier row
            waits_for_earlier_row(self._queue, item, record)
            # nor over one put aside and not in AMS (its hand filing said, once approved)
            waits_for_row_aside(item, record, history, partial(aside_marks, self.wctx.settings))
        check_something_changes(record, history, detail)  # a 变更 AMS holds already: held
        if self.dry_run:
            return {"status": "would_file", "already_filed": False, "note": done_note("would_file", {})}
        if checker_first:  # stop before the form: the earlier rows are checked once it is approved
            raise awaiting_approval(record, history, detail, compared_fields(record))
        self.strategy.looked_up(record)
        self._check_page(record, history, detail)
        self._check_gate(record)  # again at 确认提交: a check may have ended meanwhile (tester AP)
        self.wctx.before_irreversible(item, self.hours)  # the lease and the window, checked last
        self.wctx.record("filing.submitting", item, action=record.action, fence=item.fence)
        try:
            answer = self.bot.confirm_submission(record, meanwhile=self.strategy.meanwhile(record))
        except RpaError as exc:
            self.wctx.record("filing.answered", item, outcome=exc.code, message=exc.portal_message or "",
                             refused=isinstance(exc, BusinessError))  # AMS's no: nothing stored
            if isinstance(exc, BusinessError):
                _refused_by_ams(exc)
            elif exc.portal_message:  # words not in the catalogue: 门户信息 keeps them (tester AS)
                exc.details = {**exc.details, "portal_message": exc.portal_message}
            raise
        self.wctx.record("filing.answered", item, outcome="filed", filing_no=answer.filing_no)
        return self._filed(answer, ref)

    def _check_gate(self, record: FilingRecord) -> None:
        """RPA_FILING_REQUIRE_CHECK (`check_gate.not_passed`): held, `rpa cases retry` once one passed."""
        if self.wctx.settings.filing_require_check:
            for why in not_passed(self._queue, [record]).values():
                held = {"status": "held", **held_on_refile(why)}
                raise CheckNotPassed(why, code="check_not_passed", details=held)

    def _check_page(self, record: FilingRecord, history: AccountHistory,
                    detail: Callable[[HistoryEntry], dict[str, str]]) -> None:
        ams = ams_now(record, history, detail)  # read before the form: a tab may hold both
        try:
            shown = self.bot.prepare_filing(record)  # which filing, what it files, what it keeps
        except BusinessError as exc:  # AMS's words on its form (该账户未备案 for a 变更): 门户拒绝 (AK)
            if exc.portal_message:
                _refused_by_ams(exc)
            raise
        check_page_agrees(record, shown, compared_fields(record), ams)

    def _receipt(self, ref: str, page_name: str) -> str | None:
        shot = self.bot.save_receipt(self.wctx.evidence_dir / f"{ref}.png", page_name=page_name)
        return None if shot is None else str(Path(shot).relative_to(self.wctx.folder))

    def _filed(self, answer: FilingAnswer, ref: str) -> dict[str, Any]:
        return {
            "status": "filed",
            "already_filed": False,
            "filing_no": answer.filing_no,
            "permit": answer.permit,
            "portal_message": answer.message,
            "evidence": self._receipt(ref, "result"),
            "note": answer.message,
        }

    def _already_filed(self, item: WorkItem, record: FilingRecord, entry: HistoryEntry,
                       ref: str, permit: str) -> dict[str, Any]:
        """Done: AMS holds it. Its 基本存款账户编号 as AMS's 详情 shows it, for result.xlsx (AD,
        AG: blank there, though the clerk needs it for the account's later filings)."""
        number = mask(entry.filing_no, FieldClass.ACCOUNT_NO)
        self.wctx.log.info(f"{record.masked_label()}：此前已报备，备案编号 {number}")
        ours = {"own_submission": True} if submitted_unanswered(self.wctx, item) else {}
        return {"status": "already_filed", "already_filed": True, "filing_no": entry.filing_no,
                **({"permit": permit} if permit else {}), "evidence": self._receipt(ref, "detail"), **ours,
                "note": done_note("already_filed", ours)}


class LookingAheadFilingHandler(FilingHandler):
    """A `FilingHandler` that is given the next item (`rpa.run.flow.LooksAhead`): the worker claims
    one item ahead, and the strategy loads its read-only pages while this one is worked."""

    def look_ahead(self, item: WorkItem | None) -> None:
        """The item this worker handles next (claimed ahead: no other worker can file it)."""
        upcoming = None if item is None else FilingRecord.model_validate(item.payload["record"])
        self.strategy.look_ahead(upcoming)


def _refused_by_ams(exc: BusinessError) -> None:
    """The row ends 门户拒绝, AMS's words in its result's 门户信息."""
    exc.details = {**exc.details, "status": "refused", "portal_message": exc.portal_message}
