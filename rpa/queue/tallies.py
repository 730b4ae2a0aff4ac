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
    awaiting = queue.awaiting_checker(run_id) if counts[ItemState.HELD] else 0
    errors = queue.items(run_id, ItemState.BUSINESS_ERROR) if counts[ItemState.BUSINESS_ERROR] else []
    return awaiting, ended_as(item.result for item in errors)
