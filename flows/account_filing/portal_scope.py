"""Which AMS a row was taken for: a row another run took for another AMS is worked again here.

A filing item's key is the record's idempotency key, the same in every run, so a row is taken
once whichever run meets it again. That is right for one AMS and wrong for two: a run against
the UAT portal would keep a later run against production from filing the same export, and the
result book would show UAT's filing numbers. So each item records the AMS it is for
(`portal_identity`: the system code AMS shows after login, else `RPA_AMS_PORTAL_ID`, else the
portal's URL), and a row whose key is
held by another run's item for another AMS gets a key of its own for this one,
`<identity>|<key>`: it is worked here like any new row, looked up first and filed only when
this AMS has no such filing. Items recorded before portals were told apart count as this AMS's.

    chosen = keys_for_portal(queue, "account-filing", keys, identity="id:prod", run_id=run_id)
    chosen.keys                # the key each row is enqueued under, in the same order
    chosen.taken_elsewhere     # {"id:uat": 12}: rows given a key of their own, by the other AMS
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rpa.queue.work_queue import WorkItem, WorkQueue

PORTAL_FIELD = "portal"  # the payload field that names the item's AMS


@dataclass(frozen=True)
class PortalKeys:
    keys: list[str]
    taken_elsewhere: dict[str, int] = field(default_factory=dict)


def scoped_key(identity: str, key: str) -> str:
    """The key a row has for the AMS `identity` when another AMS's item holds its plain key."""
    return f"{identity}|{key}"


def keys_for_portal(
    queue: WorkQueue, flow: str, keys: Sequence[str], *, identity: str, run_id: str
) -> PortalKeys:
    """The key to enqueue each row under for the AMS `identity` (see the module docstring)."""
    taken = queue.find_by_keys(flow, keys)
    chosen: list[str] = []
    elsewhere: Counter[str] = Counter()
    for key in keys:
        other = _other_portal(taken.get(key), identity, run_id)
        if other is None:
            chosen.append(key)
        else:
            chosen.append(scoped_key(identity, key))
            elsewhere[other] += 1
    return PortalKeys(chosen, dict(elsewhere))


def _other_portal(item: WorkItem | None, identity: str, run_id: str) -> str | None:
    """The other AMS that another run's `item` was for, or None when it is this one's (or unknown)."""
    if item is None or item.run_id == run_id:
        return None
    portal = item.payload.get(PORTAL_FIELD)
    return portal if isinstance(portal, str) and portal != identity else None
