"""What a flow's `prepare()` did (`Prepared`), as the engine reports it: items enqueued,
duplicates skipped, notes and warnings for the person who started the run.

    >>> Prepared.of(ctx.queue.enqueue_many(flow, ctx.run_id, entries), notes=["..."])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpa.queue.models import EnqueueResult


@dataclass(frozen=True)
class Prepared:
    """What `prepare()` did: items enqueued, duplicates skipped, and anything to tell the user."""

    enqueued: int
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # logged as warnings: a clerk must see them

    @classmethod
    def of(cls, results: Sequence[EnqueueResult], notes: Sequence[str] = (),
           warnings: Sequence[str] = ()) -> Prepared:
        """What `WorkQueue.enqueue_many` did with a flow's items: those it created, the rest duplicates."""
        created = sum(1 for r in results if r.created)
        return cls(created, len(results) - created, list(notes), list(warnings))
