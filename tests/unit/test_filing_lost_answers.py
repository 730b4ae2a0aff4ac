"""Which earlier attempt of an item submitted a filing whose answer was not read
(`lost_answers.submitted_unanswered`): the next attempt's look-up then finds the run's own filing,
and result.xlsx says so (本运行此前已确认提交) rather than that AMS had it from someone else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from flows.account_filing.lost_answers import ANSWERED, SUBMITTING, submitted_unanswered


@dataclass
class _Event:
    event: str
    item_ref: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Audit:
    events_: list[_Event]

    def ref_of(self, key: str) -> str:
        return f"ref-{key}"

    def events(self, run_id: str) -> list[_Event]:
        return self.events_


@dataclass
class _Context:
    audit: _Audit
    run_id: str = "run"


@dataclass
class _Item:
    key: str = "k"
    tries: int = 2


@pytest.mark.parametrize(("outcome", "ours"), [
    ("answer_lost", True),  # no answer at all
    ("answer_unreadable", True),  # 成功 shown, its number not read: stored all the same
    ("portal_refusal", False),  # AMS refused: nothing stored
])  # fmt: skip
def test_a_submission_answered_without_a_readable_number_was_the_runs_own(outcome: str, ours: bool) -> None:
    events = [_Event(SUBMITTING, "ref-k"), _Event(ANSWERED, "ref-k", {"outcome": outcome})]
    assert submitted_unanswered(_Context(_Audit(events)), _Item()) is ours  # type: ignore[arg-type]
