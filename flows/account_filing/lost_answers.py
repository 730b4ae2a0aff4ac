"""A filing this run submitted whose answer never came back: found again, it is the run's own.

An answer lost after 确认提交 (a 502, a timeout, a killed worker) is a system error; the queue's
next attempt looks the account up first and finds the filing, which ends the item as
`already_filed` without a second submission. Such a filing is not someone else's earlier work:
the item's own chain shows a `filing.submitting` answered `answer_lost` (the bot's code for an
answer that never came), or not answered at all (a worker killed at 确认提交). The row's
note then says so (`notes.done_note`), so a clerk or an auditor does not look for another filer.

    submitted_unanswered(wctx, item)   # True: an earlier attempt pressed 确认提交, no answer read
    raise caught_mid_submit(record)    # an earlier lease lost at 确认提交, the look-up found nothing

An item whose earlier lease was lost after the check before 确认提交 (its worker may still press
it) and whose look-up finds no such filing is held for a person: the bot never submits it again.
One whose last 确认提交 got no answer at all (a timeout: no page, no words; a 500 or 502 page is
an answer, the request is over) and whose look-up finds nothing is not submitted again until
`settle_seconds` after that press: AMS may still be storing it (tester Q's Q5: AMS answering
after 26 s, the bot pressed 确认提交 four times a row). It waits the queue's longest backoff
(`AnswerPending`, a portal busy for a while) and looks up again. One AMS answered 成功 without a
readable number is held for a person (AMS stored it). A press cut off by a kill (no answer
recorded) is `caught_mid_submit`'s, and a row a person let go with `rpa runs retry` after either
hold is looked up and filed.

    check_lost_answers(wctx, item, record)   # caught_mid_submit, AnswerPending, or nothing

An attempt that then fails on a system error (the look-ups meet 500s) says the row may be filed
(`rpa.outcomes.MAY_BE_DONE` on the item): its row reads 失败 with that warning, not a plain 失败 a
clerk would file by hand (tester Q's Q3). So does a bug met after a press no answer was read of
(this attempt's or an earlier one's: reading the answer page, say), by a note on the exception.

    with remembers_unanswered(wctx, item): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rpa.errors import ApplicationError, BatchWindow, NeedsPerson, RpaError
from rpa.outcomes import MAY_BE_DONE, MAY_BE_DONE_NOTE
from rpa.queue.models import WorkItem
from rpa.run.flow import WorkerContext

if TYPE_CHECKING:
    from flows.account_filing.records import FilingRecord

SUBMITTING, ANSWERED = "filing.submitting", "filing.answered"
LOST = "answer_lost"  # bots.ams: the code of a 确认提交 whose answer never came
UNREAD = "answer_unreadable"  # bots.ams: 成功 shown, its filing number (or account) not read
RETRIED = "items.retried"  # rpa runs retry's event in the run's chain, naming the item ids


def submitted_unanswered(wctx: WorkerContext, item: WorkItem, *, this_attempt: bool = False) -> bool:
    """True when the item's chain in this run holds a submission whose answer was never read
    (only an item tried before is looked at, unless `this_attempt`: a first attempt has
    submitted nothing before its look-up)."""
    if item.tries <= 1 and not this_attempt:
        return False
    ref = wctx.audit.ref_of(item.key)
    lost = False
    for event in wctx.audit.events(wctx.run_id):
        if event.item_ref != ref:
            continue
        if event.event == SUBMITTING:
            lost = True
        elif event.event == ANSWERED and lost:
            # only AMS's own refusal stored nothing: an answer lost, a 成功 whose number did not
            # read, words not in the catalogue (tester AS, 2026-12-07: a reworded 成功) may have
            # stored it; an event from before `refused` was recorded (2026-12-07) as it was read then
            refused = event.details.get("refused")
            outcome = event.details.get("outcome")
            lost = not refused if isinstance(refused, bool) else outcome in (LOST, UNREAD)
    return lost


@contextmanager
def remembers_unanswered(wctx: WorkerContext, item: WorkItem) -> Iterator[None]:
    """A system error of an item whose 确认提交 got no answer, now or at an earlier attempt,
    carries `MAY_BE_DONE`: kept on the item, it outlives a take-over by another run, whose chain
    does not hold the press (the code review of 2026-12-06). A bug after such a press carries
    `MAY_BE_DONE_NOTE`."""
    try:
        yield
    except ApplicationError as exc:
        if exc.code in (LOST, UNREAD) or submitted_unanswered(wctx, item):
            exc.details = {**exc.details, MAY_BE_DONE: True}
        raise
    except RpaError:
        raise
    except Exception as exc:  # a bug, as reading 确认提交's answer: never retried, ends 失败
        if submitted_unanswered(wctx, item, this_attempt=True):
            exc.add_note(MAY_BE_DONE_NOTE)
        raise


def caught_mid_submit(record: FilingRecord) -> NeedsPerson:
    """The hold of an item caught mid-submit whose look-up found no filing of it."""
    note = (
        "上一个处理该行的进程在确认提交时失去了租约（可能被冻结），仍可能提交；AMS 查询未见此笔"
        "报备，为免重复报备未提交：请在 AMS 核实后放行（rpa runs retry）"
    )
    return NeedsPerson(
        f"{record.masked_label()}：{note}",
        code="caught_mid_submit",
        details={"status": "held", "note": note},
    )


class AnswerPending(BatchWindow):
    """The last 确认提交 got no answer and a look-up finds nothing yet: AMS may still be storing
    it. Retried after the queue's longest backoff, looked up again first."""

    code = "answer_pending"


def settle_seconds(wctx: WorkerContext) -> float:
    """How long after a 确认提交 that got no answer a look-up finding nothing is believed."""
    return max(3 * wctx.settings.answer_timeout_ms / 1000, 60.0)


def unanswered_press(wctx: WorkerContext, item: WorkItem) -> tuple[datetime, str] | None:
    """When this run last pressed 确认提交 for the item and what came back, if that was no answer
    at all (`LOST` without AMS's words: a timeout) or a 成功 whose number did not read
    (`answer_unreadable`); None for any other answer, none pressed, or a press whose worker was
    killed before it recorded an answer (held as caught mid-submit, or let go by a person who
    checked AMS: `rpa runs retry`)."""
    if item.tries <= 1:
        return None
    ref, last, pressed = wctx.audit.ref_of(item.key), None, None
    for event in wctx.audit.events(wctx.run_id):
        if event.event == RETRIED and item.id in (event.details.get("items") or ()):
            last = pressed = None  # a person let it go (`rpa runs retry`), having checked AMS
        if event.item_ref != ref:
            continue
        if event.event == SUBMITTING:  # a press no answered event follows (its worker killed) is
            pressed, last = datetime.fromisoformat(event.time), None  # caught_mid_submit's, or a person's
        elif event.event == ANSWERED and pressed is not None:
            outcome, words = event.details.get("outcome"), event.details.get("message")
            silent = outcome == LOST and not words
            last = (pressed, str(outcome)) if silent or outcome == UNREAD else None
            pressed = None
    return last


def check_lost_answers(wctx: WorkerContext, item: WorkItem, record: FilingRecord) -> None:
    """After a look-up that found no filing of the row: hold an item caught mid-submit, or one
    AMS answered 成功 without a readable number (AMS has it: a look-up missing it is no reason to
    press again), and wait for one whose last 确认提交 got no answer until AMS must be done."""
    if item.caught_mid_submit:
        raise caught_mid_submit(record)
    last = unanswered_press(wctx, item)
    if last is not None and last[1] == UNREAD:
        note = ("AMS 曾对本行的确认提交显示成功（备案编号读不出），查询却未见此笔：为免重复报备未再提交，"
                "请在 AMS 核实")
        raise NeedsPerson(f"{record.masked_label()}：{note}", code="answer_unread_not_found",
                          details={"status": "held", "note": note})
    if last is not None and (datetime.now(UTC) - last[0]).total_seconds() < settle_seconds(wctx):
        raise AnswerPending(f"{record.masked_label()}：上次确认提交后 AMS 没有应答，查询暂未见此笔："
                            "可能仍在处理，未再提交，稍后再查询", code="answer_pending")
