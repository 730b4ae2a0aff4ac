"""The queue's tables: work items, the history of their attempts, and run control.

The same definitions serve SQLite and PostgreSQL. Times are stored in UTC and always come back
timezone-aware, whatever the database keeps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

# the items `ix_queue_items_run_open` holds; a query names it in these words (constants, not
# parameters: a generic plan can use a partial index only for a condition it sees written out)
OPEN_ITEMS_SQL = "state IN ('pending', 'leased')"


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; naive values are refused, results are always aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the queue only stores timezone-aware datetimes")
        value = value.astimezone(UTC)
        # SQLite keeps text: one fixed format without an offset keeps comparisons correct
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the autoincrementing rowid
_Id = BigInteger().with_variant(Integer(), "sqlite")
_Json = JSON().with_variant(postgresql.JSONB(), "postgresql")

metadata = MetaData()

items = Table(
    "queue_items",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("flow", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("key", String(512), nullable=False),
    Column("payload", _Json, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(128)),
    Column("lease_expires_at", UtcDateTime()),
    Column("not_before", UtcDateTime()),
    Column("last_error_code", String(64)),
    Column("last_error_message", Text),
    Column("result", _Json),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # items of one run sharing a group are worked one at a time, in id order (see `claim`)
    Column("order_group", String(512)),
    # items sharing an affinity are best worked by one worker, one after the other (see `claim`)
    Column("affinity", String(512)),
    # the fencing token: one more at every claim, so each lease of the item has its own number
    Column("fence", Integer, nullable=False, server_default=text("0")),
    # set by `begin_submit` just before an irreversible step (确认提交) to the fence of the lease
    # that took it; cleared when that lease's owner ends its attempt, kept when the lease is lost
    Column("submit_fence", Integer),
    Column("submitting_at", UtcDateTime()),
    # the payload's keyed seal (rpa.seals), written with every payload the queue writes
    Column("payload_seal", String(64)),
    # attempts made before the last retry, redo or correction reset `attempts` (the budget) to 0:
    # `earlier_attempts + attempts` is every attempt the item had (尝试次数)
    Column("earlier_attempts", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("flow", "key", name="uq_queue_items_flow_key"),
    Index("ix_queue_items_run_state", "run_id", "state", "id"),
    Index("ix_queue_items_run_group", "run_id", "order_group", "id"),
    Index("ix_queue_items_run_affinity", "run_id", "affinity", "id"),
    # a group's items in every run of the flow (an account's rows filed by several runs)
    Index("ix_queue_items_flow_group", "flow", "order_group", "id"),
    # the open items only, in id order: a claim walks these, not every item the run has ended
    Index(
        "ix_queue_items_run_open",
        "run_id",
        "id",
        postgresql_where=text(OPEN_ITEMS_SQL),
        sqlite_where=text(OPEN_ITEMS_SQL),
    ),
)

# Columns added after the first release: `WorkQueue.create_schema` adds them to older databases.
ADDED_ITEM_COLUMNS = ("order_group", "affinity", "fence", "submit_fence", "submitting_at", "payload_seal",
                      "earlier_attempts")
# an added column that may not be NULL needs a value for the rows already there
_NOT_NULL_DEFAULTS = {"fence": "0", "earlier_attempts": "0"}

attempts = Table(
    "queue_attempts",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("item_id", _Id, ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("owner", String(128), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime()),
    Column("outcome", String(32)),
    Column("error_code", String(64)),
    Column("error_message", Text),
    Index("ix_queue_attempts_item", "item_id", "id"),
)

runs = Table(
    "queue_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("stop_code", String(64)),
    Column("stop_message", Text),
    Column("stop_requested_at", UtcDateTime()),
)


def upgrade_items_table(conn: Connection) -> list[str]:
    """Add to a `queue_items` table made by an earlier version the columns and indexes it lacks;
    returns the names of the columns added.

    The caller holds the schema lock (BEGIN IMMEDIATE on SQLite, an advisory lock on
    PostgreSQL), so of several processes upgrading at once only the first changes anything.
    """
    present = {column["name"] for column in inspect(conn).get_columns(items.name)}
    quote = conn.dialect.identifier_preparer.quote
    added = [name for name in ADDED_ITEM_COLUMNS if name not in present]
    for name in added:
        column = items.c[name]
        kind = column.type.compile(dialect=conn.dialect)
        default = f" NOT NULL DEFAULT {_NOT_NULL_DEFAULTS[name]}" if name in _NOT_NULL_DEFAULTS else ""
        conn.execute(text(f"ALTER TABLE {quote(items.name)} ADD COLUMN {quote(name)} {kind}{default}"))
    for index in items.indexes:
        index.create(conn, checkfirst=True)
    return added


def insert_or_ignore(dialect_name: str, table: Table, *conflict_columns: str) -> Insert:
    """An INSERT that silently skips rows conflicting on `conflict_columns`, on either database."""
    statement: Any
    if dialect_name == "postgresql":
        statement = postgresql.insert(table)
    elif dialect_name == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"the work queue does not support {dialect_name!r}")
    result: Insert = statement.on_conflict_do_nothing(index_elements=list(conflict_columns))
    return result
