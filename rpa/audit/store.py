"""Where chains live: `audit_events` (append-only) and `audit_heads` (one row a chain, locked to append).

A head row carries `head_mac`, the keyed MAC of (chain, last seq, last hash): a head rewritten to
hide events cut off the end of a chain cannot be signed again without the audit key. Rows
written before the column existed have none; the run ledger covers those runs' ends.

An append takes the chain's head row in the same transaction as the insert: SQLite's
`BEGIN IMMEDIATE` holds the database write lock, PostgreSQL's `SELECT ... FOR UPDATE` holds the
head row, so events from many processes get one seq order with no gaps. Triggers refuse UPDATE
and DELETE on `audit_events`; they stop accidents, the keyed hashes catch the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from rpa.audit.chain import GENESIS, AuditEvent, canonical_json
from rpa.db import immediate_transaction

metadata = MetaData()

audit_heads = Table(
    "audit_heads",
    metadata,
    Column("run_id", String(128), primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("head_mac", String(64), nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("time", String(40), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("event", String(128), nullable=False),
    Column("item_ref", String(64), nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("run_id", "seq", name="uq_audit_events_run_seq"),
)

_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE OR REPLACE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]


def create_schema(engine: Engine) -> None:
    """Create both tables and the append-only guards (idempotent)."""
    with immediate_transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            # workers on several hosts may all create the schema at start: one at a time
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('rpa_audit_schema'))")
        metadata.create_all(conn, checkfirst=True)
        if "head_mac" not in {column["name"] for column in inspect(conn).get_columns("audit_heads")}:
            conn.exec_driver_sql("ALTER TABLE audit_heads ADD COLUMN head_mac VARCHAR(64)")
        guards = _SQLITE_GUARDS if engine.dialect.name == "sqlite" else _POSTGRES_GUARDS
        for statement in guards:
            conn.exec_driver_sql(statement)


def _ensure_head(conn: Connection, run_id: str) -> None:
    values = {"run_id": run_id, "last_seq": 0, "last_hash": GENESIS}
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(audit_heads).values(values).on_conflict_do_nothing())
    else:
        conn.execute(sqlite.insert(audit_heads).values(values).on_conflict_do_nothing())


# An append's statements, built once: building and keying a statement on every append cost
# more client CPU than sending it (the chain of a busy run takes two appends per item).
_LOCK_HEAD = (
    select(audit_heads.c.last_seq, audit_heads.c.last_hash)
    .where(audit_heads.c.run_id == bindparam("chain"))
    .with_for_update()
)
_INSERT_EVENT = audit_events.insert()
_MOVE_HEAD = (
    audit_heads.update()
    .where(audit_heads.c.run_id == bindparam("chain"))
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"), head_mac=bindparam("mac"))
)


def append_event(
    engine: Engine,
    run_id: str,
    build: Callable[[int, str], AuditEvent],
    sign_head: Callable[[int, str], str],
) -> AuditEvent:
    """Lock the chain head, let `build(seq, prev_hash)` make the signed event, store it, move the
    head and sign it with `sign_head(seq, hash)`. A chain's first append creates its head row."""
    with immediate_transaction(engine) as conn:
        head = conn.execute(_LOCK_HEAD, {"chain": run_id}).first()
        if head is None:
            _ensure_head(conn, run_id)  # another process may create it first: then it waits here
            head = conn.execute(_LOCK_HEAD, {"chain": run_id}).one()
        event = build(head.last_seq + 1, head.last_hash)
        row = event.as_dict()
        row["details"] = canonical_json(event.details)
        conn.execute(_INSERT_EVENT, row)
        conn.execute(
            _MOVE_HEAD,
            {"chain": run_id, "seq": event.seq, "hash": event.hash, "mac": sign_head(event.seq, event.hash)},
        )
    return event


def last_of(engine: Engine, run_id: str, events: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
    """The chain's latest event among `events`, with its details (None when it has none)."""
    query = (
        select(audit_events.c.event, audit_events.c.details)
        .where(audit_events.c.run_id == run_id, audit_events.c.event.in_(events))
        .order_by(audit_events.c.seq.desc(), audit_events.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else (str(row.event), json.loads(row.details))


def load_events(engine: Engine, run_id: str | None, event: str | None = None) -> list[AuditEvent]:
    """A chain's events (None: every chain's, by chain), or only those named `event`, in seq
    order (ties, which only tampering makes, by insertion order)."""
    query = select(audit_events).order_by(audit_events.c.run_id, audit_events.c.seq, audit_events.c.id)
    if run_id is not None:
        query = query.where(audit_events.c.run_id == run_id)
    if event is not None:
        query = query.where(audit_events.c.event == event)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        AuditEvent(
            seq=row["seq"],
            time=row["time"],
            run_id=row["run_id"],
            actor=row["actor"],
            event=row["event"],
            item_ref=row["item_ref"],
            details=json.loads(row["details"]),
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )
        for row in rows
    ]


def load_head(engine: Engine, run_id: str) -> tuple[int, str] | None:
    """(last_seq, last_hash) as recorded by the last append, or None for an unknown chain."""
    with engine.connect() as conn:
        row = conn.execute(
            select(audit_heads.c.last_seq, audit_heads.c.last_hash).where(audit_heads.c.run_id == run_id)
        ).first()
    return None if row is None else (row.last_seq, row.last_hash)


def load_head_mac(engine: Engine, run_id: str) -> str | None:
    """The head row's keyed MAC (None when the row has none or there is no row)."""
    with engine.connect() as conn:
        mac: str | None = conn.execute(
            select(audit_heads.c.head_mac).where(audit_heads.c.run_id == run_id)
        ).scalar_one_or_none()
    return mac


def signed_heads(engine: Engine) -> list[tuple[str, int, str, str]]:
    """(chain, last_seq, last_hash, head_mac) of every head row that carries a MAC."""
    query = select(audit_heads.c.run_id, audit_heads.c.last_seq, audit_heads.c.last_hash,
                   audit_heads.c.head_mac).where(audit_heads.c.head_mac.is_not(None))
    with engine.connect() as conn:
        return [(r.run_id, r.last_seq, r.last_hash, r.head_mac) for r in conn.execute(query)]


def chain_ids(engine: Engine) -> list[str]:
    """Every chain the database knows of, from its heads and its events."""
    with engine.connect() as conn:
        heads = conn.execute(select(audit_heads.c.run_id)).scalars().all()
        events = conn.execute(select(audit_events.c.run_id).distinct()).scalars().all()
    return sorted(set(heads) | set(events))
