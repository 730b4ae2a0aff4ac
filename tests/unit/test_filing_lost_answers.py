"""Which earlier attempt of an item submitted a filing whose answer was not read
(`lost_answers.submitted_unanswered`): the next attempt's look-up then finds the run's own filing,
and result.xlsx says so (机器人此前已确认提交) rather than that AMS had it from someone else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flows.account_filing.lost_answers import (
    ANSWERED,
    SUBMITTING,
    AnswerPending,
    check_lost_answers,
    remembers_unanswered,
    submitted_unanswered,
)
from rpa.errors import NeedsPerson
from rpa.outcomes import may_be_done


@dataclass
class _Event:
    event: str
    item_ref: str
    details: dict[str, Any] = field(default_factory=dict)
    time: str = "2026-12-06T07:00:00+08:00"


@dataclass
class _Audit:
    events_: list[_Event]

    def ref_of(self, key: str) -> str:
        return f"ref-{key}"

    def events(self, run_id: str) -> list[_Event]:
        return self.events_


@dataclass
class _Settings:
    answer_timeout_ms: int = 20_000


@dataclass
class _Context:
    audit: _Audit
    run_id: str = "run"
    settings: _Settings = field(default_factory=_Settings)


@dataclass
class _Item:
    key: str = "k"
    tries: int = 2
    caught_mid_submit: bool = False
    id: int = 7


@pytest.mark.parametrize(("outcome", "refused", "ours"), [
    ("answer_lost", False, True),  # no answer at all
    ("answer_unreadable", False, True),  # 成功 shown, its number not read: stored all the same
    ("portal_refusal", True, False),  # AMS refused: nothing stored
    # words the catalogue has not (tester AS of 2026-12-07: 成功 reworded): AMS may have stored it
    ("unknown_portal_message", False, True),
    ("answer_lost", None, True),  # events from before `refused` was recorded: read by their outcome
    ("unknown_portal_message", None, False),
    ("portal_refusal", None, False),
])  # fmt: skip
def test_a_submission_answered_without_a_readable_number_was_the_runs_own(
        outcome: str, refused: bool | None, ours: bool) -> None:
    said = {"outcome": outcome, **({} if refused is None else {"refused": refused})}
    events = [_Event(SUBMITTING, "ref-k"), _Event(ANSWERED, "ref-k", said)]
    assert submitted_unanswered(_Context(_Audit(events)), _Item()) is ours  # type: ignore[arg-type]


class _Record:
    def masked_label(self) -> str:
        return "变更 ****0042 2026-12-04"


def _pressed(seconds_ago: float, outcome: str, words: str = "") -> list[_Event]:
    at = (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()
    answer = _Event(ANSWERED, "ref-k", {"outcome": outcome, "message": words})
    return [_Event(SUBMITTING, "ref-k", time=at), answer]


@pytest.mark.parametrize(("seconds_ago", "outcome", "words", "raised"), [
    (5, "answer_lost", "", AnswerPending),  # no answer 5 s ago: AMS may still be storing it
    (61, "answer_lost", "", None),  # a minute on: a look-up finding nothing is believed
    (5, "answer_lost", "HTTP 502", None),  # a 502 page is an answer: the request is over
    (5, "answer_unreadable", "", NeedsPerson),  # 成功 shown: never pressed again
    (600, "answer_unreadable", "", NeedsPerson),
    (5, "portal_refusal", "该账户已备案", None),  # refused: nothing stored
], ids=["silent_recent", "silent_settled", "gateway_page", "success_unread", "success_unread_late",
        "refused"])  # fmt: skip
def test_after_a_look_up_finding_nothing_a_press_is_repeated_only_when_it_cannot_be_stored(
    seconds_ago: float, outcome: str, words: str, raised: type[Exception] | None
) -> None:
    """Tester Q's Q5 and the code reviewer's case: a 确认提交 AMS did not answer (a timeout) may
    still be stored, and a 成功 whose number did not read is stored: neither is pressed again on a
    look-up that finds nothing (the first waits, the second is held)."""
    context, item = _Context(_Audit(_pressed(seconds_ago, outcome, words))), _Item()
    if raised is None:
        check_lost_answers(context, item, _Record())  # type: ignore[arg-type]
        return
    with pytest.raises(raised):
        check_lost_answers(context, item, _Record())  # type: ignore[arg-type]


def test_a_press_let_go_by_a_person_or_cut_off_by_a_kill_is_looked_up_and_filed() -> None:
    """A worker killed at 确认提交 records no answer (caught_mid_submit's, held for a person), and
    a person's `rpa runs retry` after checking AMS lets a held row go: neither waits nor is held
    again (tests/e2e/test_filing_kill_resume.py ran out of attempts when it waited)."""
    killed = [_Event(SUBMITTING, "ref-k", time=datetime.now(UTC).isoformat())]
    check_lost_answers(_Context(_Audit(killed)), _Item(), _Record())  # type: ignore[arg-type]
    let_go = [*_pressed(5, "answer_unreadable"), _Event("items.retried", "", {"items": [7]})]
    check_lost_answers(_Context(_Audit(let_go)), _Item(), _Record())  # type: ignore[arg-type]
    other = [*_pressed(5, "answer_unreadable"), _Event("items.retried", "", {"items": [8]})]
    with pytest.raises(NeedsPerson):
        check_lost_answers(_Context(_Audit(other)), _Item(), _Record())  # type: ignore[arg-type]


@pytest.mark.parametrize(("tries", "events", "code", "marked"), [
    (1, [], "answer_lost", True),  # the press itself got no answer: kept, a take-over keeps it too
    (2, _pressed(5, "answer_lost"), "portal_busy", True),  # tester Q's Q3: an earlier press
    (2, _pressed(5, "filed"), "portal_busy", False),  # AMS answered the press: nothing unsure
    (1, [], "portal_busy", False),  # nothing pressed
])
def test_a_system_error_after_a_press_without_answer_says_it_may_be_done(
    tries: int, events: list[_Event], code: str, marked: bool
) -> None:
    from flows.account_filing.lost_answers import remembers_unanswered
    from rpa.errors import ApplicationError
    from rpa.outcomes import MAY_BE_DONE

    context, item = _Context(_Audit(events)), _Item(tries=tries)
    with pytest.raises(ApplicationError) as caught, remembers_unanswered(context, item):  # type: ignore[arg-type]
        raise ApplicationError("look-up: 500 系统繁忙", code=code)
    assert bool(caught.value.details.get(MAY_BE_DONE)) is marked


@pytest.mark.parametrize(("events", "marked"), [
    ([_Event(SUBMITTING, "ref-k")], True),  # this attempt pressed; reading its answer met the bug
    ([_Event(SUBMITTING, "ref-k"), _Event(ANSWERED, "ref-k", {"outcome": "answer_lost"})], True),  # earlier
    ([], False),  # nothing pressed: a plain bug
    ([_Event(SUBMITTING, "ref-k"), _Event(ANSWERED, "ref-k", {"outcome": "filed"})], False),  # answered
    ([_Event(SUBMITTING, "other")], False),  # another row's press
])  # fmt: skip
def test_a_bug_after_a_press_no_answer_was_read_of_says_the_row_may_be_filed(
    events: list[_Event], marked: bool
) -> None:
    """A bug (outside the error tree) ends the row 失败 and is never retried: met after a 确认提交
    whose answer was not read, even at the first attempt, it carries the may-be-filed note, so the
    row does not read as a plain 失败 a clerk files by hand."""
    with pytest.raises(ValueError) as caught, remembers_unanswered(
        _Context(_Audit(events)), _Item(tries=1)  # type: ignore[arg-type]
    ):
        raise ValueError("the answer page's number did not parse")
    assert may_be_done(caught.value) is marked
