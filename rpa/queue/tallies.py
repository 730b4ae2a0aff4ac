"""A run's items counted by state as the queue holds them now, with how many of the held ones
wait for a checker (待复核) and how its business errors ended by their rows' word (门户拒绝,
复核退回): the counts a run that has not closed is shown with (the progress bar, `rpa runs list`
and `show`, the console), in the words its close will record in run.json.

    counts, awaiting, ended = live_counts(queue, run_id)   # ({"done": 3, "held": 2}, 2, {})
"""

from __future__ import annotations

from rpa.outcomes import ended_as
from rpa.queue.models import ItemState
from rpa.queue.work_queue import WorkQueue


def live_counts(queue: WorkQueue, run_id: str) -> tuple[dict[str, int], int, dict[str, int]]:
    """The run's items by state (states without one left out), how many wait for a checker, and
    how many of the business errors ended as another row word."""
    counts = queue.counts(run_id)
    return {str(state): n for state, n in counts.items() if n}, *live_words(queue, run_id, counts)


def live_words(queue: WorkQueue, run_id: str, counts: dict[ItemState, int]) -> tuple[int, dict[str, int]]:
    """`live_counts`' two last parts, for `counts` just read: no query for a state none are in."""
    return LiveWords(queue, run_id)(counts)


class LiveWords:
    """`live_words` for a caller that polls (the progress bar, every 0.3 s): the business errors
    are read again only when their count changed (the code review of 2026-12-07: a run of a
    thousand such items read them all at every poll)."""

    def __init__(self, queue: WorkQueue, run_id: str) -> None:
        self.queue, self.run_id = queue, run_id
        self.errors, self.words = 0, dict[str, int]()

    def __call__(self, counts: dict[ItemState, int]) -> tuple[int, dict[str, int]]:
        awaiting = self.queue.awaiting_checker(self.run_id) if counts[ItemState.HELD] else 0
        if counts[ItemState.BUSINESS_ERROR] != self.errors:
            self.errors = counts[ItemState.BUSINESS_ERROR]
            items = self.queue.items(self.run_id, ItemState.BUSINESS_ERROR)
            self.words = ended_as(item.result for item in items)
        return awaiting, self.words
