"""The audit log: one append-only, keyed hash chain per run in the queue's database.

    >>> log = AuditLog.from_settings(settings)
    >>> log.create_schema()
    >>> log.append(run_id, "worker-1", "item_done", item_key=key,
    ...            details={"account_no": "6222020200112233445"},
    ...            field_classes={"account_no": FieldClass.ACCOUNT_NO})
    >>> log.export(run_id, run_folder / "audit.jsonl")
    >>> print(log.verify(run_id))
    audit chain intact: 1 event verified

Each event carries a seq from 1, an ISO 8601 time with offset, the run id (`OUTSIDE_RUN` for
actions outside any run), the actor, the event type, `item_ref` (an HMAC of the item key, to join
logs, audit and reports), masked details, the previous event's hash and its own
HMAC-SHA256 under the audit key, which lives outside the runs folder. The audit log is a
diagnostic: details are masked by field class when appended, secrets never stored.
Verification names the first event that fails and why: edited, missing/deleted, inserted,
out of order. Removing the newest events of an export is only visible against the database.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, inspect

from rpa import _audit_store as store
from rpa._audit_chain import (
    EDITED,
    EVENT_FIELDS,
    INSERTED,
    MISSING,
    AuditEvent,
    VerifyResult,
    canonical_json,
    event_hash,
    verify_chain,
)
from rpa.atomic import atomic_write
from rpa.db import engine_for
from rpa.errors import ConfigError
from rpa.masking import FieldClass, item_ref, mask, scrub_text

if TYPE_CHECKING:
    from rpa.settings import Settings

__all__ = ["OUTSIDE_RUN", "AuditEvent", "AuditLog", "VerifyResult", "mask_details"]

OUTSIDE_RUN = "-"
# an integer this long may be an account number; it is masked like digits in free text
_LONG_NUMBER_DIGITS = 8


class AuditLog:
    """Appends to, reads, exports and verifies the audit chains of one database."""

    def __init__(self, url: str, key: bytes, *, timezone: str = "Asia/Shanghai") -> None:
        if not key:
            raise ConfigError("the audit key is empty")
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown timezone {timezone!r}") from None
        self._url = url
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        """The audit log of the configured database, keyed with the configured audit key."""
        return cls(settings.database_url_resolved, settings.audit_key_bytes(), timezone=settings.timezone)

    @property
    def _engine(self) -> Engine:
        # looked up on use, so a spawned worker builds its own engine
        return engine_for(self._url)

    def has_schema(self) -> bool:
        """Whether the database has the audit tables (a new database has none until a run)."""
        from sqlalchemy import inspect

        return inspect(self._engine).has_table(store.audit_heads.name)

    def create_schema(self) -> None:
        """Create the audit tables and their append-only guards if they are missing."""
        store.create_schema(self._engine)

    def append(
        self,
        run_id: str | None,
        actor: str,
        event: str,
        *,
        item_key: str | None = None,
        details: Mapping[str, Any] | None = None,
        field_classes: Mapping[str, FieldClass] | None = None,
    ) -> AuditEvent:
        """Add one event to the run's chain (`None`: the chain of actions outside any run)."""
        chain = run_id or OUTSIDE_RUN
        masked = mask_details(details or {}, field_classes or {})
        ref = item_ref(item_key, self._key) if item_key is not None else None

        def build(seq: int, prev_hash: str) -> AuditEvent:
            unsigned = AuditEvent(
                seq=seq,
                time=datetime.now(self._zone).isoformat(timespec="microseconds"),
                run_id=chain,
                actor=scrub_text(actor),
                event=scrub_text(event),
                item_ref=ref,
                details=masked,
                prev_hash=prev_hash,
                hash="",
            )
            return replace(unsigned, hash=event_hash(self._key, unsigned))

        return store.append_event(self._engine, chain, build)

    def events(self, run_id: str | None) -> list[AuditEvent]:
        """The chain's events in seq order, as stored."""
        return store.load_events(self._engine, run_id or OUTSIDE_RUN)

    def recorded_exit(self, run_id: str) -> int | None:
        """The exit code of the run's last `run.finished`, unless it was resumed after it (the
        record of a stop that run.json could not take, e.g. on a full disk)."""
        if not self.has_schema():
            return None
        last = store.last_of(self._engine, run_id, ("run.finished", "run.resumed", "run.started"))
        if last is None or last[0] != "run.finished":
            return None
        code = last[1].get("exit_code")
        return code if isinstance(code, int) else None

    def run_ids(self) -> list[str]:
        """Every chain in the database, `OUTSIDE_RUN` included, sorted."""
        return store.chain_ids(self._engine)

    def verify(self, run_id: str | None) -> VerifyResult:
        """Check the chain in the database, head included; names the first event that fails."""
        chain = run_id or OUTSIDE_RUN
        head = store.load_head(self._engine, chain)
        events = store.load_events(self._engine, chain)
        if head is None and not events:
            return VerifyResult(ok=False, checked=0, first_bad_seq=None, reason=f"no audit chain for {chain}")
        return verify_chain(self._key, chain, events, head=head)

    def export(self, run_id: str | None, path: Path) -> Path:
        """Write the chain as JSONL, one event a line in seq order (replacing the file whole)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:  # 0600 like the run folder
            for item in self.events(run_id):
                handle.write(canonical_json(item.as_dict()) + "\n")
        return path

    def verify_export(self, path: Path) -> VerifyResult:
        """Check an exported file with the key alone, then against the database chain if it has one."""
        events: list[AuditEvent] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            parsed = _parse_line(line)
            if parsed is None:
                so_far = verify_chain(self._key, events[0].run_id, events) if events else None
                if so_far is not None and not so_far.ok:
                    return so_far
                reason = f"{EDITED}: line {number} is not an audit event"
                return VerifyResult(False, len(events), number, reason)
            events.append(parsed)
        if not events:
            return VerifyResult(False, 0, 1, f"{MISSING}: the export holds no events")
        chain = events[0].run_id
        alone = verify_chain(self._key, chain, events)
        if not alone.ok:
            return alone
        return self._compare_with_database(chain, events)

    def _compare_with_database(self, chain: str, exported: list[AuditEvent]) -> VerifyResult:
        if not inspect(self._engine).has_table(store.audit_heads.name):
            return VerifyResult(True, len(exported), None, None)
        stored = store.load_events(self._engine, chain)
        if not stored and store.load_head(self._engine, chain) is None:
            return VerifyResult(True, len(exported), None, None)
        for index, (in_file, in_db) in enumerate(zip(exported, stored, strict=False)):
            if in_file != in_db:
                reason = f"{EDITED}: seq {in_file.seq} '{in_file.event}' differs from the database chain"
                return VerifyResult(False, index, in_file.seq, reason)
        if len(stored) > len(exported):
            reason = f"{MISSING}: the database chain goes on after the file's last event (re-export?)"
            return VerifyResult(False, len(exported), len(exported) + 1, reason)
        if len(exported) > len(stored):
            reason = f"{INSERTED}: the file goes on after the database chain's last event"
            return VerifyResult(False, len(stored), len(stored) + 1, reason)
        return VerifyResult(True, len(exported), None, None)


def _parse_line(line: str) -> AuditEvent | None:
    """One export line as an event, or None when it is not one (wrong fields or types)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != set(EVENT_FIELDS):
        return None
    text_fields = ("time", "run_id", "actor", "event", "prev_hash", "hash")
    if not isinstance(data["seq"], int) or isinstance(data["seq"], bool):
        return None
    if not all(isinstance(data[name], str) for name in text_fields):
        return None
    if not isinstance(data["details"], dict) or not isinstance(data["item_ref"], str | None):
        return None
    return AuditEvent(**data)


def mask_details(details: Mapping[str, Any], classes: Mapping[str, FieldClass]) -> dict[str, Any]:
    """Details as stored: classified fields masked by class (nested ones too), all text scrubbed."""
    return {str(name): _masked(value, classes, classes.get(str(name))) for name, value in details.items()}


def _masked(value: Any, classes: Mapping[str, FieldClass], field_class: FieldClass | None) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _masked(v, classes, classes.get(str(k), field_class)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(v, classes, field_class) for v in value]
    if value is None:
        return None
    if field_class is not None and field_class is not FieldClass.PLAIN:
        return mask(value, field_class)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return scrub_text(str(value)) if len(str(abs(value))) >= _LONG_NUMBER_DIGITS else value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return scrub_text(str.__str__(value) if isinstance(value, str) else str(value))
