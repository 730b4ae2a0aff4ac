"""A worker's hold on its items: the claims (the next item, and one claimed ahead for a
`LooksAhead` handler), the heartbeat that keeps their leases alive while the handler works, and
the refusal of an item whose payload was changed in the database (`payload_changed`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from rpa.audit.item_checks import item_tags
from rpa.errors import BusinessError, DatabaseUnavailable

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem, WorkQueue
    from rpa.run.flow import WorkerContext
    from rpa.settings import Settings


class Heartbeat:
    """Keeps the leases of the item in hand (and the one claimed ahead) alive from a side thread
    while the handler works."""

    def __init__(self, queue: WorkQueue, item_ids: list[int], owner: str, settings: Settings) -> None:
        self._queue, self._item_ids, self._owner = queue, item_ids, owner
        self._lease, self._every = settings.lease_seconds, settings.heartbeat_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{item_ids[0]}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        beating = list(self._item_ids)
        while beating and not self._stop.wait(self._every):
            # a lease taken over is dropped; the others still need keeping alive
            try:
                beating = [i for i in beating if self._queue.heartbeat(i, self._owner, self._lease)]
            except DatabaseUnavailable:  # the item loop meets the outage too and stops the worker
                return


class Claims:
    """One worker's claims: the next item, and the one claimed ahead for a `LooksAhead` handler.
    Each claim asks first for an item of the same affinity as the last one claimed (the page the
    worker's browser shows may serve it)."""

    def __init__(self, queue: WorkQueue, wctx: WorkerContext) -> None:
        self._queue, self._wctx = queue, wctx
        self.ahead: WorkItem | None = None
        self._affinity: str | None = None

    def next(self) -> WorkItem | None:
        """The item claimed ahead, else a new claim."""
        item, self.ahead = self.ahead, None
        return item or self._claim()

    def claim_ahead(self) -> WorkItem | None:
        self.ahead = self._claim()
        return self.ahead

    def release_ahead(self) -> None:
        """Give the item claimed ahead back, its attempt not counted (the worker is stopping).
        An item whose lease another worker took over meanwhile (this one was frozen past it) is
        that worker's now: nothing to give back, and no reason to stop the run."""
        from rpa.queue.work_queue import LeaseLost

        ahead, self.ahead = self.ahead, None
        if ahead is None:
            return
        try:
            self._queue.return_lease(ahead.id, self._wctx.owner)
        except LeaseLost as lost:
            self._wctx.log.warning(f"事项 {ahead.id}：租约已失效，不再交回：{lost.message}")
            return
        self._wctx.record("item.released", ahead, reason="the worker stopped before its turn")

    def _claim(self) -> WorkItem | None:
        wctx = self._wctx
        lease = wctx.settings.lease_seconds
        item = self._queue.claim(run_id=wctx.run_id, owner=wctx.owner, lease_seconds=lease,
                                 affinity=self._affinity)
        if item is not None:
            self._affinity = item.affinity
            wctx.record("item.claimed", item, attempt=item.attempts, **item_tags(item))
        return item


PAYLOAD_CHANGED = "payload_changed"
PAYLOAD_CHANGED_NOTE = "该行在队列数据库中的内容与入队时的签封不符（被改动过），未办理：请查明改动"


def payload_changed(item: WorkItem) -> BusinessError:
    """The refusal of an item whose payload no longer bears its seal (`rpa.seals`): the database
    was edited after the engine wrote it. Never handed to a bot, never retried into one. Its
    result's `note` says so in any flow's result.xlsx (a flow may word it its own way)."""
    return BusinessError(
        f"事项 {item.id} 的内容与入队时的签封不符（队列数据库中的内容被改动过），未办理：请查明改动",
        code=PAYLOAD_CHANGED,
        details={"note": PAYLOAD_CHANGED_NOTE},
    )
