"""A run's items counted by state as the queue holds them now, with how many of the held ones
wait for a checker (待复核): the counts a run that has not closed is shown with (`rpa runs list`
and `show`, the console), where a closed run's come from its run.json.

    counts, awaiting = live_counts(queue, run_id)   # ({"done": 3, "held": 2}, 2)
"""

from __future__ import annotations

from rpa.queue.models import ItemState
from rpa.queue.work_queue import WorkQueue


def live_counts(queue: WorkQueue, run_id: str) -> tuple[dict[str, int], int]:
    """The run's items by state (states without one left out), and how many wait for a checker."""
    counts = queue.counts(run_id)
    awaiting = queue.awaiting_checker(run_id) if counts[ItemState.HELD] else 0
    return {str(state): n for state, n in counts.items() if n}, awaiting
