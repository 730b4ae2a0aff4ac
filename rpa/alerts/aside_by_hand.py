"""Rows put aside for a person and filed by hand: the operator's mark and a checker's decision.

A row the validator puts aside for a person (需人工处理: a name outside GBK, a 机关's account that
needs 核准, a 变更 dated before its 开户) never becomes a queue item, so the item's mark (rpa.casework
.actions) cannot hold it: a person who filed it at AMS had no way to say so, and the row stayed in
异常处理 and the list of filings overdue for good (tester BJ F4, 2026-12-07: a 生僻字 row can never
come back through an export). Its mark is recorded in its run's audit chain instead:

    aside.marked_by_hand   {sheet, row, filing_no, reason, user}   an operator's mark
    aside.by_hand_approved {sheet, row, filing_no, maker, checker}  a checker's approval
    aside.by_hand_refused  {sheet, row, maker, checker, reason}    a checker's refusal: no mark

    marks = aside_marks(settings, run_id)   # (run, sheet, row) -> the row's mark now (None: every run)
    done = approved_by_hand(settings, run_id)  # (sheet, row) -> the approved marks of the run

An approved row is done: `waiting.not_queued_since` leaves it out of 异常处理, the alerts and the
list of filings overdue, and its run's result.xlsx names the filing (flows.account_filing.closing).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rpa.people import one_account_words

if TYPE_CHECKING:
    from rpa.settings import Settings

MARKED, APPROVED, REFUSED = "aside.marked_by_hand", "aside.by_hand_approved", "aside.by_hand_refused"
Place = tuple[str, str, int]  # run, sheet, row


@dataclass(frozen=True)
class AsideMark:
    """A row's mark "filed by hand": its maker's, with the checker who approved it ("" while it waits)."""

    maker: str
    filing_no: str
    reason: str
    at: str
    checker: str = ""
    elsewhere: str = ""  # "运行 X 第 N 行": the row of the same filing the mark was made on
    run_id: str = ""  # the run it was made in (`filed_by_hand`)
    maker_os: str = ""  # the operating-system accounts of the mark and the approval, at the
    checker_os: str = ""  # command line ("" where the person signed in to the console)

    @property
    def approved(self) -> bool:
        return bool(self.checker)

    @property
    def note(self) -> str:
        """What result.xlsx and the run log say of an approved mark."""
        if self.elsewhere:
            return (f"已由{self.elsewhere}人工报备（同一账户、业务和日期），备案编号 {self.filing_no}"
                    f"（{self.who}）")
        return f"已人工报备，备案编号 {self.filing_no}：{self.reason}（{self.who}）"

    @property
    def who(self) -> str:
        """`经办 X 标记，复核 Y 批准`, and whether both typed their names under one OS account."""
        same = one_account_words(self.maker_os, self.checker_os)
        return f"经办 {self.maker} 标记，复核 {self.checker} 批准{same}"


def approved_by_hand(settings: Settings, run_id: str) -> dict[tuple[str, int], AsideMark]:
    """The run's rows a checker approved as filed by hand, by (sheet, row), and its rows put aside
    of the same account, action and business date as a row so approved in any run (`filed_by_hand`)."""
    marks = aside_marks(settings, run_id).items()
    approved = {(sheet, row): mark for (_, sheet, row), mark in marks if mark.approved}
    if by_filing := filed_by_hand(settings):
        from rpa.alerts.findings import put_aside_rows

        for row in put_aside_rows(settings, run_id):
            if row.filing_ref in by_filing and (row.sheet, row.row) not in approved:
                approved[(row.sheet, row.row)] = by_filing[row.filing_ref]
    return approved


def filed_by_hand(settings: Settings, marks: dict[Place, AsideMark] | None = None) -> dict[str, AsideMark]:
    """The filings (`PutAside.filing_ref`: action, account and business date) a checker approved as
    filed by hand, in any run, with the first such mark: a later run of an overlapping export, or a
    duplicate row, meets the same filing, which is no longer to be filed nor marked again (tester
    BM F1/F19, 2026-12-08: it came back as 需人工处理 and overdue, and was approved a second time
    under another number)."""
    from rpa.alerts.findings import put_aside_rows

    approved = {where: mark for where, mark in (aside_marks(settings) if marks is None else marks).items()
                if mark.approved}
    found: dict[str, AsideMark] = {}
    for run_id in sorted({run for run, _, _ in approved}):
        for row in put_aside_rows(settings, run_id):
            mark = approved.get((run_id, row.sheet, row.row))
            if mark is not None and row.filing_ref:
                found.setdefault(row.filing_ref, replace(mark, elsewhere=f"运行 {run_id} 第 {row.row} 行",
                                                         run_id=run_id))
    return found


def aside_marks(settings: Settings, run_id: str | None = None) -> dict[Place, AsideMark]:
    """Each marked row's mark as its run's chain leaves it: waiting, or approved; a refused one is gone."""
    from rpa.audit.log import AuditLog

    audit = AuditLog.from_settings(settings)
    if not audit.has_schema():
        return {}
    names = (MARKED, APPROVED, REFUSED)
    if run_id is not None:
        events = [event for event in audit.events(run_id) if event.event in names]
    else:
        every = (event for name in names for event in audit.events_named(name))
        events = sorted(every, key=lambda event: (event.run_id, event.seq))
    marks: dict[Place, AsideMark] = {}
    for event in events:
        said = event.details
        where = (event.run_id, str(said.get("sheet") or ""), int(said.get("row") or 0))
        if event.event == MARKED:
            marks[where] = AsideMark(str(said.get("user") or event.actor), str(said.get("filing_no") or ""),
                                     str(said.get("reason") or ""), event.time,
                                     maker_os=str(said.get("os_user") or ""))
        elif event.event == REFUSED:
            marks.pop(where, None)
        elif where in marks:
            marks[where] = replace(marks[where], checker=str(said.get("checker") or event.actor),
                                   checker_os=str(said.get("os_user") or ""))
    return marks
