"""The audit log: one append-only, keyed hash chain per run in the queue's database.

    >>> log = AuditLog.from_settings(settings)
    >>> log.create_schema()
    >>> log.append(run_id, "worker-1", "item_done", item_key=key,
    ...            details={"account_no": "6222020200112233445"},
    ...            field_classes={"account_no": FieldClass.ACCOUNT_NO})
    >>> log.export(run_id, run_folder / "audit.jsonl")
    >>> print(log.verify(run_id))
    审计链完整：已核对 1 条事件

Each event carries a seq from 1, an ISO 8601 time with offset, the run id (`OUTSIDE_RUN` for
actions outside any run), the actor, the event type, `item_ref` (an HMAC of the item key, to join
logs, audit and reports), masked details, the previous event's hash and its own
HMAC-SHA256 under the audit key, which lives outside the runs folder. The audit log is a
diagnostic: details are masked by field class when appended, secrets never stored.
Verification names the first event that fails and why (edited, missing/deleted, inserted,
out of order, with a Chinese sentence for the auditor). Removing the newest events of an export
is only visible against the database, and removing them from the database (with the unkeyed
head row rewritten) only against the run ledger (`rpa.audit.ledger`), which records each
run's start and its keyed final head.

Evidence is hashed into the chain: an event whose details name an `evidence` file gets its
SHA-256 when it is appended (`files_root`), and a run's close seals every file under
`evidence/` (`seal_files`); the outputs a run writes (result.xlsx, report.html, ...) are hashed
when written (`record_outputs`), and a done item's whole result as a keyed digest
(`keyed_digest`), so the queue's copy can be checked without storing it. File names and
digests are masked by their field class, which keeps them whole, so an exported reference
always names the file on disk.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, inspect

from rpa.atomic import atomic_write
from rpa.audit import store
from rpa.audit.chain import (
    EDITED,
    MISSING,
    AuditEvent,
    VerifyResult,
    canonical_json,
    event_hash,
    head_mac,
    head_problem,
    heads_fit,
    verify_chain,
)
from rpa.audit.details import FILE_FIELDS, mask_details
from rpa.audit.evidence import EVIDENCE_SEALED, OUTPUTS_WRITTEN, file_sha256, output_listing, sealed_listing
from rpa.audit.export import NOT_AS_WRITTEN, compare_with_database, read_export
from rpa.audit.ledger import ENDED, LEDGER, PRUNED, STARTED, append_to_copy, vouches_for
from rpa.audit.sheet_rows import with_row_digests
from rpa.db import engine_for, ride_out_outages_of, set_outage_limit
from rpa.errors import ConfigError
from rpa.masking import FieldClass, item_ref, scrub_text
from rpa.seals import seal_matches

if TYPE_CHECKING:
    from rpa.settings import Settings

__all__ = ["LEDGER", "OUTSIDE_RUN", "AuditEvent", "AuditLog", "VerifyResult"]

OUTSIDE_RUN = "-"


@ride_out_outages_of  # a database restart is waited out; an append runs again whole
class AuditLog:
    """Appends to, reads, exports and verifies the audit chains of one database."""

    def __init__(
        self, url: str, key: bytes, *, timezone: str = "Asia/Shanghai", ledger_file: Path | None = None
    ) -> None:
        if not key:
            raise ConfigError("审计密钥是空的：请检查 RPA_AUDIT_KEY 或 RPA_AUDIT_KEY_FILE")
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"时区 {timezone!r} 不存在：请检查 RPA_TIMEZONE，例如 Asia/Shanghai") from None
        self._url = url
        self._key = key
        self.ledger_file = ledger_file

    @classmethod
    def from_settings(cls, settings: Settings, *, create_key: bool = True) -> AuditLog:
        """The audit log of the configured database and audit key (`create_key` False: a check
        never makes a key)."""
        set_outage_limit(settings.db_outage_seconds)
        return cls(
            settings.database_url_resolved,
            settings.audit_key_bytes(create=create_key),
            timezone=settings.timezone,
            ledger_file=settings.ledger_path(),
        )

    @property
    def _engine(self) -> Engine:
        # looked up on use, so a spawned worker builds its own engine
        return engine_for(self._url)

    def has_schema(self) -> bool:
        """Whether the database has the audit tables (a new database has none until a run)."""
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
        files_root: Path | None = None,
    ) -> AuditEvent:
        """Add one event to the run's chain (`None`: the chain of actions outside any run).

        With `files_root` (the run folder), an `evidence` file named in the details is hashed
        now, as it was just written, and its SHA-256 goes into the chain as `evidence_sha256`."""
        chain = run_id or OUTSIDE_RUN
        details = dict(details or {})
        evidence = details.get("evidence")
        if files_root is not None and isinstance(evidence, str) and evidence:
            try:
                details["evidence_sha256"] = file_sha256(files_root / evidence)
            except OSError:  # named but not readable: recorded as such, verification names it
                details["evidence_sha256"] = None
        masked = mask_details(details, {**FILE_FIELDS, **(field_classes or {})})
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

        def sign_head(seq: int, last_hash: str) -> str:
            return head_mac(self._key, chain, seq, last_hash)

        return store.append_event(self._engine, chain, build, sign_head)

    def events(self, run_id: str | None) -> list[AuditEvent]:
        """The chain's events in seq order, as stored."""
        return store.load_events(self._engine, run_id or OUTSIDE_RUN)

    def events_named(self, event: str) -> list[AuditEvent]:
        """Every chain's events named `event`, by chain, in seq order, as stored."""
        return store.load_events(self._engine, None, event)

    def checked_details(self, run_id: str, named: str = "run.started") -> list[dict[str, Any] | None]:
        """The details of the run's events named `named`, oldest first, None for each whose keyed
        hash does not hold (edited in the database, or written under another key)."""
        return [dict(event.details) if hmac.compare_digest(event.hash, event_hash(self._key, event)) else None
                for event in store.load_events(self._engine, run_id, named)]

    def key_fits(self) -> bool | None:
        """Whether this log's key signed any chain head in the database (`heads_fit`)."""
        return heads_fit(self._key, store.signed_heads(self._engine))

    def last_details(self, run_id: str, event: str) -> dict[str, Any] | None:
        """The details of the chain's latest event named `event` (None when it has none)."""
        return (store.last_of(self._engine, run_id, (event,)) or (None, None))[1]

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

    def ref_of(self, item_key: str) -> str:
        """The item's ref under this log's key, as its events carry it."""
        return item_ref(item_key, self._key)

    def seal_holds(self, flow: str, item_key: str, payload: Mapping[str, Any], seal: str | None) -> bool:
        """True when `seal` is the work item's payload's under this log's key (`rpa.seals`)."""
        return seal_matches(self._key, flow, item_key, payload, seal)

    def keyed_digest(self, value: Any) -> str:
        """HMAC-SHA256 under the audit key of `value`'s canonical JSON (an item's result): the
        chain records the value without revealing it, and only the key holder can recompute it."""
        return hmac.new(self._key, canonical_json(value).encode("utf-8"), hashlib.sha256).hexdigest()

    def record_outputs(
        self, run_id: str, folder: Path, paths: Sequence[Path], actor: str = "run"
    ) -> AuditEvent:
        """Record the SHA-256 of the run's outputs as they were just written (`OUTPUTS_WRITTEN`)."""
        files = with_row_digests(folder, output_listing(folder, paths), self.keyed_digest)  # rows too
        return self.append(run_id, actor, OUTPUTS_WRITTEN, details={"files": files})

    def seal_files(self, run_id: str, folder: Path, actor: str = "run") -> AuditEvent:
        """Record the SHA-256 of every file under the run's `evidence/` (the run's close)."""
        return self.append(run_id, actor, EVIDENCE_SEALED, details={"files": sealed_listing(folder)})

    # --- the run ledger -------------------------------------------------------------------------
    def ledger_started(self, run_id: str, *, resumed: bool = False) -> AuditEvent:
        """Record in the ledger that a run started (or was resumed)."""
        return self._ledger(STARTED, {"run": run_id, "resumed": resumed})

    def ledger_ended(self, run_id: str, counts: Mapping[str, int]) -> AuditEvent:
        """Record the run chain's final head, its event and item counts in the ledger."""
        head = store.load_head(self._engine, run_id) or (0, "")
        details = {
            "run": run_id,
            "last_seq": head[0],
            "last_hash": head[1],
            "items": sum(counts.values()),
            "counts": dict(counts),
        }
        return self._ledger(ENDED, details)

    def ledger_pruned(self, run_id: str, older_than_days: int, actor: str = "operator") -> AuditEvent:
        """Record in the ledger that a run's folder was removed on purpose, at which age."""
        return self._ledger(PRUNED, {"run": run_id, "older_than_days": older_than_days}, actor)

    def _ledger(self, event: str, details: dict[str, Any], actor: str = "run") -> AuditEvent:
        classes = {"run": FieldClass.FILE_NAME, "last_hash": FieldClass.DIGEST}
        appended = self.append(LEDGER, actor, event, details=details, field_classes=classes)
        if self.ledger_file is not None:
            try:
                append_to_copy(self.ledger_file, lambda: self.events(LEDGER))
            except OSError as error:
                raise ConfigError(
                    f"运行账本副本 {self.ledger_file} 写不进去（{error.strerror}）；"
                    "请检查该位置或设置 RPA_LEDGER_FILE，之后的运行会补写缺少的记录"
                ) from error
        return appended

    def run_ids(self) -> list[str]:
        """Every chain in the database, `OUTSIDE_RUN` included, sorted."""
        return store.chain_ids(self._engine)

    def verify(self, run_id: str | None) -> VerifyResult:
        """Check the chain in the database, head included; names the first event that fails."""
        chain = run_id or OUTSIDE_RUN
        head = store.load_head(self._engine, chain)
        events = store.load_events(self._engine, chain)
        if head is None and not events:
            return VerifyResult(False, 0, None, f"数据库中没有 {chain} 的审计链", MISSING)
        result = verify_chain(self._key, chain, events, head=head)
        mac = store.load_head_mac(self._engine, chain)
        found = result.ok and head_problem(self._key, chain, head, mac)  # unsigned before 2026-12-03:
        if found and not (mac is None and vouches_for(self.events(LEDGER), self._key, chain, head)):
            return VerifyResult(False, result.checked, None, found[1], found[0])  # the head's, no event's
        return result

    def export(self, run_id: str | None, path: Path) -> Path:
        """Write the chain as JSONL, one event a line in seq order (replacing the file whole)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as handle:  # 0600 like the run folder
            for item in self.events(run_id):
                handle.write(canonical_json(item.as_dict()) + "\n")
        return path

    def verify_export(self, path: Path, *, against_database: bool = True) -> VerifyResult:
        """Check an exported file with the key alone, then against the database chain if it has
        one (`against_database` False: with the key alone)."""
        events, bad_line = read_export(path)
        if bad_line is not None:
            so_far = verify_chain(self._key, events[0].run_id, events) if events else None
            if so_far is not None and not so_far.ok:
                return so_far
            return VerifyResult(False, len(events), bad_line, f"第 {bad_line} 行{NOT_AS_WRITTEN}", EDITED)
        if not events:
            return VerifyResult(False, 0, 1, "文件中没有事件", MISSING)
        chain = events[0].run_id
        alone = verify_chain(self._key, chain, events)
        if not alone.ok or not against_database:
            return alone
        return compare_with_database(self._engine, chain, events)



