"""The keyed hash chain itself: canonical form, HMAC, and verification that names the first break.

Every event's hash is HMAC-SHA256(audit key, canonical JSON of its fields, `prev_hash` included),
so an event cannot be edited, dropped, added or moved without the key. Verification walks the
events in the order given (the database's seq order, or an export's line order) and stops at the
first one that fails, saying which seq and what most likely happened to it: `kind` is one of
the four codes below (for programs), `reason` a short Chinese sentence (for the auditor).
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
# what an auditor reads for each kind
# an export longer than the database's chain, whose every event the key signed: the database
# lost its tail (an older backup put back), the file is whole
DATABASE_SHORT = "database_short"
KIND_WORDS = {EDITED: "被修改", MISSING: "缺失或被删除", INSERTED: "被插入", OUT_OF_ORDER: "顺序被打乱",
              DATABASE_SHORT: "在数据库中缺失"}


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
    """The outcome of checking one chain: `kind` says what went wrong (EDITED, ...), `reason` how,
    in Chinese; both None when the chain holds."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str | None
    kind: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"审计链完整：已核对 {self.checked} 条事件"
        where = f"第 {self.first_bad_seq} 条事件" if self.first_bad_seq is not None else "审计链"
        word = KIND_WORDS.get(self.kind or "", "不符")
        return f"{where}{word}：{self.reason}（此前 {self.checked} 条事件核对无误）"


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


def head_problem(key: bytes, chain: str, head: tuple[int, str] | None,
                 mac: str | None) -> tuple[str, str] | None:
    """(kind, why) when a chain that has events has no head row signed by `key`: a head deleted,
    or its MAC cleared, hides events cut off the end as a head rolled back does (tester AU of
    2026-12-07 deleted the ledger's head and erased a run unseen). Heads are signed since 2026-12-03."""
    if head is None:
        return MISSING, "链头行被删除，链中的事件却还在：末尾的事件可能一并被删去"
    if mac is None:
        return EDITED, (f"链头（第 {head[0]} 条）没有签名，运行账本也没有记下这个链头（签名被清除）："
                        "可能删除了末尾的事件")
    if not hmac.compare_digest(mac, head_mac(key, chain, *head)):
        return EDITED, f"链头（第 {head[0]} 条）没有用审计密钥签名（被改写，例如删除了末尾的事件）"
    return None


def heads_fit(key: bytes, heads: list[tuple[str, int, str, str]]) -> bool | None:
    """Whether `key` signed any of the chain heads (chain, last seq, last hash, head MAC); None
    when there is none to judge by. False means no record answers to the key: a wrong key, far
    more likely than every head rewritten (`rpa audit verify` says both)."""
    if not heads:
        return None
    return any(hmac.compare_digest(mac, head_mac(key, chain, seq, last_hash))
               for chain, seq, last_hash, mac in heads)


def _is_plain_sha256(event: AuditEvent) -> bool:
    return hashlib.sha256(_signed_fields(event, event.seq)).hexdigest() == event.hash


def _broken(checked: int, seq: int, problem: tuple[str, str]) -> VerifyResult:
    kind, reason = problem
    return VerifyResult(ok=False, checked=checked, first_bad_seq=seq, reason=reason, kind=kind)


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
            why = f"链头记录了 {last_seq} 条事件，现只有 {count} 条（末尾的事件被删除）"
            return _broken(count, count + 1, (MISSING, why))
        if count and last_hash != expected_prev:
            return _broken(
                count - 1, count, (EDITED, f"链头记录的最后一条事件“{events[-1].event}”的哈希与它不同")
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
) -> tuple[str, str] | None:
    """None when the event at `index` is the genuine next link, else (kind, why it is not)."""
    event = events[index]
    expected_seq = index + 1
    if event.run_id != run_id:
        return INSERTED, f"事件“{event.event}”属于另一条链（{event.run_id}）"
    if event.seq < expected_seq:
        if event.hash in seen or any(e.seq == event.seq for e in events[:index]):
            return INSERTED, f"事件“{event.event}”重复了序号 {event.seq}"
        return OUT_OF_ORDER, f"事件“{event.event}”（序号 {event.seq}）排在第 {index} 条之后"
    if event.seq > expected_seq:
        if any(e.seq == expected_seq for e in events[index + 1 :]):
            return OUT_OF_ORDER, f"序号 {event.seq} 的事件“{event.event}”占了第 {expected_seq} 条的位置"
        return MISSING, f"第 {expected_seq} 条事件不见了（下一条是第 {event.seq} 条“{event.event}”）"
    mac_ok = hmac.compare_digest(event_hash(key, event), event.hash)
    if mac_ok and event.prev_hash == expected_prev:
        return None
    if mac_ok:
        return OUT_OF_ORDER, f"事件“{event.event}”没有接在第 {index} 条之后"
    return _classify_bad_mac(key, events, index, expected_prev, seen, head)


def _classify_bad_mac(
    key: bytes,
    events: Sequence[AuditEvent],
    index: int,
    expected_prev: str,
    seen: set[str],
    head: tuple[int, str] | None,
) -> tuple[str, str]:
    """The event's MAC fails at its seq: tell moved, renumbered, forged and edited apart."""
    event = events[index]
    name = f"“{event.event}”"
    later_hashes = {e.hash for e in events[index + 1 :]}
    if head is not None and event.seq > head[0]:
        return INSERTED, f"事件{name}在链头（第 {head[0]} 条）之后"
    true_seq = _signed_seq(key, event, max(len(events), head[0] if head else 0) + 1)
    if true_seq is not None:
        prev_known = event.prev_hash == GENESIS or event.prev_hash in seen or event.prev_hash in later_hashes
        if prev_known or true_seq < event.seq:
            return OUT_OF_ORDER, f"事件{name}签名时是第 {true_seq} 条"
        return MISSING, f"事件{name}签名时是第 {true_seq} 条，它前面的事件被删除"
    following = events[index + 1] if index + 1 < len(events) else None
    if following is not None and following.prev_hash == expected_prev:
        return INSERTED, f"事件{name}原本不在链中（下一条事件越过它接在前一条之后）"
    if _is_plain_sha256(event):
        return EDITED, f"事件{name}带的是不用密钥的 SHA-256（没有审计密钥而重算）"
    return EDITED, f"事件{name}与其密钥哈希不符"


def _signed_seq(key: bytes, event: AuditEvent, limit: int) -> int | None:
    """The seq (other than its own, up to `limit`) under which the event's MAC holds, if any."""
    for seq in range(1, limit + 1):
        if seq != event.seq and hmac.compare_digest(event_hash(key, event, seq), event.hash):
            return seq
    return None
