"""The run ledger: one keyed chain of run starts, ends and prunes, kept outside the runs folder.

The ledger is the audit chain named `LEDGER` in the same database (same HMAC key, same
append-only guards) plus an append-only JSONL copy at `settings.ledger_path()` (by default next
to the audit key, one file per database: `rpa.db.database_tag`). Each run's start is appended
when it starts; its end carries the run chain's last seq and hash, its item count and counts.
Because the ledger is keyed, a run chain cut short and its head row rewritten, a chain deleted
whole, a missing export or run folder all disagree with it. The copy is written under an
exclusive file lock, in seq order, and only ever appended to: whatever the database holds
beyond the copy's last seq is added.
"""

from __future__ import annotations

import fcntl
import hmac
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rpa.audit.chain import AuditEvent, canonical_json, event_hash
from rpa.errors import ConfigError

LEDGER = "=ledger"
STARTED, ENDED, PRUNED = "run.started", "run.ended", "run.pruned"


@dataclass(frozen=True)
class LedgerRun:
    """What the ledger says of one run: its latest start, end and prune entries."""

    run_id: str
    started: dict[str, Any] | None = None
    ended: dict[str, Any] | None = None
    pruned: dict[str, Any] | None = None
    pruned_at: str | None = None
    ended_at: str | None = None  # when its latest end entry was written (keyed, unlike run.json's)


def runs_in(events: list[AuditEvent]) -> dict[str, LedgerRun]:
    """The ledger's entries grouped by run (later entries of one kind replace earlier ones)."""
    runs: dict[str, LedgerRun] = {}
    for event in events:
        run_id = event.details.get("run")
        if not isinstance(run_id, str):
            continue
        known = runs.get(run_id, LedgerRun(run_id))
        if event.event == STARTED:
            known = replace(known, started=event.details)
        elif event.event == ENDED:
            known = replace(known, ended=event.details, ended_at=event.time)
        elif event.event == PRUNED:
            known = replace(known, pruned=event.details, pruned_at=event.time)
        runs[run_id] = known
    return runs


def known_runs(stored: list[AuditEvent], copied: list[AuditEvent]) -> dict[str, LedgerRun]:
    """The runs the ledger knows: from the longer of the database ledger and its copy (a database
    restored from an older backup has the shorter), plus any run only the other one knows."""
    first, second = (copied, stored) if len(copied) > len(stored) else (stored, copied)
    return {**runs_in(second), **runs_in(first)}


def copy_problem(path: Path | None, load: Callable[[], list[AuditEvent]]) -> str | None:
    """Why the copy at `path` is not this database's ledger's (`load()`, read after the copy:
    the database takes each entry before the copy does), in Chinese; None when it is, or is not
    there yet. A copy another database's ledger wrote, or one longer than the
    database's ledger (the database put back from an older backup), would take no new entry:
    each run would go on without its append-only record."""
    if path is None or not path.is_file():
        return None
    try:
        last = _last_event(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None  # unreadable: the append says so (OSError), verification names the lines
    if last is None:
        return None
    seq, digest = last
    stored = {event.seq: event.hash for event in load()}
    extra = seq - max(stored, default=0)
    if extra > 0:
        return (f"运行账本副本 {path} 比数据库中的账本多 {extra} 条：数据库可能被换回较早的备份，"
                "或 RPA_LEDGER_FILE 指向了另一个数据库的副本。请先用 rpa audit verify --all 核对，"
                "把这份副本留作证据另存，再让 RPA_LEDGER_FILE 指向新的位置")
    if stored.get(seq) != digest:
        return (f"运行账本副本 {path} 不是这个数据库的（第 {seq} 条与数据库中的账本不同）："
                "每个数据库须有自己的副本，请把 RPA_LEDGER_FILE 指向这个数据库的副本，或删去该设置用默认位置")
    return None


def append_to_copy(path: Path, load: Callable[[], list[AuditEvent]]) -> None:
    """Append the ledger events (`load()`) the copy lacks (by seq), under an exclusive lock; never rewrites.
    A copy that is not this ledger's (`copy_problem`) is a ConfigError, never silently left."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8", newline="\n") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            have = _last_seq(handle.read())
            events = load()  # after the copy (and under its lock): it holds all the copy has
            if have > max((event.seq for event in events), default=0):
                said = copy_problem(path, lambda: events)
                raise ConfigError(said or f"运行账本副本 {path} 比数据库中的账本长")
            for event in events:
                if event.seq > have:
                    handle.write(canonical_json(event.as_dict()) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _last_event(text: str) -> tuple[int, str] | None:
    """(seq, hash) of the copy's readable line with the highest seq."""
    best: tuple[int, str] | None = None
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        seq = entry.get("seq") if isinstance(entry, dict) else None
        if isinstance(seq, int) and (best is None or seq > best[0]):
            best = (seq, str(entry.get("hash")))
    return best


def _last_seq(text: str) -> int:
    """The highest seq among the copy's readable lines (a damaged line is for verification)."""
    return (_last_event(text) or (0, ""))[0]


def vouches_for(ledger: Sequence[AuditEvent], key: bytes, chain: str, head: tuple[int, str] | None) -> bool:
    """Whether a `run.ended` of the ledger that holds under `key` records `head` (last seq, last
    hash) for `chain`: the unsigned head of a chain that ended before heads were signed
    (2026-12-03) is vouched for by it (the code review of 2026-12-07: every such run failed)."""
    return head is not None and any(
        event.event == ENDED and event.details.get("run") == chain
        and (event.details.get("last_seq"), event.details.get("last_hash")) == head
        and hmac.compare_digest(event_hash(key, event), event.hash) for event in ledger)
