"""The keyed hash chain itself: canonical form, HMAC, and verification that names the first break.

Every event's hash is HMAC-SHA256(audit key, canonical JSON of its fields, `prev_hash` included),
so an event cannot be edited, dropped, added or moved without the key. Verification walks the
events in the order given (the database's seq order, or an export's line order) and stops at the
first one that fails, saying which seq and what most likely happened to it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
EVENT_FIELDS = ("seq", "time", "run_id", "actor", "event", "item_ref", "details", "prev_hash", "hash")

EDITED = "edited"
MISSING = "missing/deleted"
INSERTED = "inserted"
OUT_OF_ORDER = "out of order"


@dataclass(frozen=True)
class AuditEvent:
    """One link of a chain, exactly as stored and exported (details already masked)."""

    seq: int
    time: str
    run_id: str
    actor: str
    event: str
    item_ref: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EVENT_FIELDS}


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking one chain: `reason` starts with what went wrong (edited, ...)."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None

    def __str__(self) -> str:
        if self.ok:
            return f"audit chain intact: {_count(self.checked)} verified"
        where = f" at seq {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"audit chain BROKEN{where}: {self.reason} ({_count(self.checked)} verified before it)"


def _count(events: int) -> str:
    return f"{events} event" if events == 1 else f"{events} events"


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed, stored and exported."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _signed_fields(event: AuditEvent, seq: int) -> bytes:
    fields = event.as_dict()
    del fields["hash"]
    fields["seq"] = seq
    return canonical_json(fields).encode("utf-8")


def event_hash(key: bytes, event: AuditEvent, seq: int | None = None) -> str:
    """HMAC-SHA256 of the event's fields (optionally as if it carried another seq)."""
    payload = _signed_fields(event, event.seq if seq is None else seq)
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def head_mac(key: bytes, run_id: str, last_seq: int, last_hash: str) -> str:
    """The keyed MAC of a chain's head row: only the key holder can move a head."""
    payload = canonical_json(["head", run_id, last_seq, last_hash]).encode("utf-8")
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _is_plain_sha256(event: AuditEvent) -> bool:
    return hashlib.sha256(_signed_fields(event, event.seq)).hexdigest() == event.hash


def _broken(checked: int, seq: int, reason: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason)


def verify_chain(
    key: bytes,
    run_id: str,
    events: Sequence[AuditEvent],
    *,
    head: tuple[int, str] | None = None,
) -> VerifyResult:
    """Check seq continuity from 1, every prev link and every MAC; `head` is (last_seq, last_hash)."""
    expected_prev = GENESIS
    seen: set[str] = set()
    for index, event in enumerate(events):
        expected_seq = index + 1
        problem = _check_position(key, run_id, events, index, expected_prev, seen, head)
        if problem is not None:
            return _broken(index, expected_seq, problem)
        seen.add(event.hash)
        expected_prev = event.hash
    count = len(events)
    if head is not None:
        last_seq, last_hash = head
        if last_seq > count:
            return _broken(
                count,
                count + 1,
                f"{MISSING}: the chain head records {last_seq} events, "
                f"only {count} are present (the last ones were removed)",
            )
        if count and last_hash != expected_prev:
            return _broken(
                count - 1,
                count,
                f"{EDITED}: the chain head records another hash for the last event '{events[-1].event}'",
            )
    return VerifyResult(ok=True, checked=count, first_bad_seq=None, reason=None)


def _check_position(
    key: bytes,
    run_id: str,
    events: Sequence[AuditEvent],
    index: int,
    expected_prev: str,
    seen: set[str],
    head: tuple[int, str] | None,
) -> str | None:
    """None when the event at `index` is the genuine next link, else why it is not."""
    event = events[index]
    expected_seq = index + 1
    if event.run_id != run_id:
        return f"{INSERTED}: event '{event.event}' belongs to another chain ({event.run_id})"
    if event.seq < expected_seq:
        if event.hash in seen or any(e.seq == event.seq for e in events[:index]):
            return f"{INSERTED}: event '{event.event}' repeats seq {event.seq}"
        return f"{OUT_OF_ORDER}: event '{event.event}' (seq {event.seq}) comes after seq {index}"
    if event.seq > expected_seq:
        if any(e.seq == expected_seq for e in events[index + 1 :]):
            return f"{OUT_OF_ORDER}: seq {event.seq} '{event.event}' stands where seq {expected_seq} belongs"
        return f"{MISSING}: seq {expected_seq} is missing (next present: seq {event.seq} '{event.event}')"
    mac_ok = hmac.compare_digest(event_hash(key, event), event.hash)
    if mac_ok and event.prev_hash == expected_prev:
        return None
    if mac_ok:
        return f"{OUT_OF_ORDER}: event '{event.event}' does not follow seq {index}"
    return _classify_bad_mac(key, events, index, expected_prev, seen, head)


def _classify_bad_mac(
    key: bytes,
    events: Sequence[AuditEvent],
    index: int,
    expected_prev: str,
    seen: set[str],
    head: tuple[int, str] | None,
) -> str:
    """The event's MAC fails at its seq: tell moved, renumbered, forged and edited apart."""
    event = events[index]
    name = f"'{event.event}'"
    later_hashes = {e.hash for e in events[index + 1 :]}
    if head is not None and event.seq > head[0]:
        return f"{INSERTED}: event {name} lies beyond the chain head (seq {head[0]})"
    true_seq = _signed_seq(key, event, max(len(events), head[0] if head else 0) + 1)
    if true_seq is not None:
        prev_known = event.prev_hash == GENESIS or event.prev_hash in seen or event.prev_hash in later_hashes
        if prev_known or true_seq < event.seq:
            return f"{OUT_OF_ORDER}: event {name} was signed as seq {true_seq}"
        return f"{MISSING}: event {name} was signed as seq {true_seq}; the events before it were removed"
    following = events[index + 1] if index + 1 < len(events) else None
    if following is not None and following.prev_hash == expected_prev:
        return f"{INSERTED}: event {name} was not in the chain (the next event links past it)"
    if _is_plain_sha256(event):
        return f"{EDITED}: event {name} carries an unkeyed SHA-256 (recomputed without the audit key)"
    return f"{EDITED}: event {name} does not match its keyed hash"


def _signed_seq(key: bytes, event: AuditEvent, limit: int) -> int | None:
    """The seq (other than its own, up to `limit`) under which the event's MAC holds, if any."""
    for seq in range(1, limit + 1):
        if seq != event.seq and hmac.compare_digest(event_hash(key, event, seq), event.hash):
            return seq
    return None
