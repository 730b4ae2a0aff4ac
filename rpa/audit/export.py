"""An exported audit chain (`audit.jsonl`): reading it line by line into events, and comparing it
with the chain the database holds, which shows events removed from the end of the file.

    >>> events, bad_line = read_export(run_folder / "audit.jsonl")
    >>> compare_with_database(engine, events[0].run_id, events).ok
    True
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, inspect

from rpa.audit import store
from rpa.audit.chain import (
    DATABASE_SHORT,
    EDITED,
    EVENT_FIELDS,
    MISSING,
    AuditEvent,
    VerifyResult,
    canonical_json,
)

NOT_AS_WRITTEN = "不是写出时的审计事件（不是事件，或写法被改：重复的键、空格、转义）"


def read_export(path: Path) -> tuple[list[AuditEvent], int | None]:
    """An exported file's events, and the number of its first line that is not an event as it was
    written (if any): every line is an event's canonical JSON, so a line that parses to an event
    but reads otherwise (a key given twice, a space, an escape, a CR before its line end) was
    edited; tester BJ (2026-12-07, F1) passed a forged 备案编号 as a first, repeated key."""
    events: list[AuditEvent] = []
    lines = path.read_bytes().decode("utf-8").split("\n")  # not read_text: it drops a CR
    for number, line in enumerate(lines[:-1] if lines[-1] == "" else lines, start=1):
        parsed = _parse_line(line)
        if parsed is None:
            return events, number
        events.append(parsed)
    return events, None


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
    return AuditEvent(**data) if canonical_json(data) == line else None


def compare_with_database(engine: Engine, chain: str, exported: list[AuditEvent]) -> VerifyResult:
    """An export whose chain verified alone, against the database's copy of that chain (when the
    database has one): the same events, none missing at the end, none added."""
    if not inspect(engine).has_table(store.audit_heads.name):
        return VerifyResult(True, len(exported), None, None)
    stored = store.load_events(engine, chain)
    if not stored and store.load_head(engine, chain) is None:
        return VerifyResult(True, len(exported), None, None)
    for index, (in_file, in_db) in enumerate(zip(exported, stored, strict=False)):
        if in_file != in_db:
            reason = f"事件“{in_file.event}”与数据库中的审计链不同"
            return VerifyResult(False, index, in_file.seq, reason, EDITED)
    if len(stored) > len(exported):
        reason = "数据库中的审计链在文件最后一条事件之后还有事件（需要重新导出？）"
        return VerifyResult(False, len(exported), len(exported) + 1, reason, MISSING)
    if len(exported) > len(stored):  # each of them keyed: written by the project, then lost from the database
        extra = len(exported) - len(stored)
        reason = (f"文件自身完整，每条都经密钥核对，比数据库多 {extra} 条："
                  "数据库可能被换回较早的备份，或其链尾被删除")
        return VerifyResult(False, len(stored), len(stored) + 1, reason, DATABASE_SHORT)
    return VerifyResult(True, len(exported), None, None)
