"""SQLAlchemy engines for the queue and the audit chain, on SQLite or PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and `immediate_transaction()` opens a
`BEGIN IMMEDIATE` transaction, so claims from several processes serialise instead of failing.
On PostgreSQL the same call is an ordinary transaction; row locks do the work there.

A PostgreSQL restart (a second or two) is ridden out, in two places: a new connection is tried
again with backoff (`do_connect`; `pool_pre_ping` sends a pooled connection the restart killed
there), and a transaction that lost its connection half way is run again whole by
`@rides_out_outages` (the queue's and the audit log's database calls). Both give up after
`outage_limit()` seconds (RPA_DB_OUTAGE_SECONDS) with `DatabaseUnavailable`: the run stops with
exit 3, resumable. SQLite is a local file: nothing there is retried (its busy timeout waits).

    set_outage_limit(settings.db_outage_seconds)   # once per process, from the settings

A database this process has never reached is not an outage: the first connection failing says
so at once (a ConfigError naming RPA_DATABASE_URL, exit 2), unless the process is one of a run's
workers or a daemon (`expect_outages()`), which were started while the database was there.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from loguru import logger
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from rpa.errors import DatabaseUnavailable

SQLITE_BUSY_SECONDS = 60  # how long a connection waits for another's lock before it gives up
CHECKPOINT_WAIT_MS = 2000  # how long `empty_wal` waits for other connections
RECONNECT_FIRST_SECONDS, RECONNECT_MAX_SECONDS = 0.1, 2.0  # the backoff while the database is away
DEFAULT_OUTAGE_SECONDS = 30.0

ENGINES_KEPT = 16
_engines: OrderedDict[str, tuple[Engine, int]] = OrderedDict()  # url -> engine, the pid that made it
_engines_lock = threading.Lock()
_limit = {"seconds": DEFAULT_OUTAGE_SECONDS}
_contact = {"reached": False, "patient": False}  # this process: connected once / waits from the start
_patience = threading.local()  # the deadline of the outage this thread is riding out, if any
P = ParamSpec("P")
R = TypeVar("R")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines must not cross a fork: workers call this anew).

    The last `ENGINES_KEPT` URLs' engines are kept; an older one is disposed as it is dropped
    (its pooled connections closed, not left to the garbage collector), and stays usable by whoever
    still holds it: it opens new connections when asked."""
    pid = os.getpid()
    with _engines_lock:
        kept = _engines.get(url)
        if kept is not None and kept[1] == pid:
            _engines.move_to_end(url)
            return kept[0]
        if kept is not None:  # made before a fork: the parent's connections are only forgotten
            kept[0].dispose(close=False)
        engine = _new_engine(url)
        _engines[url] = (engine, pid)
        _engines.move_to_end(url)
        while len(_engines) > ENGINES_KEPT:
            _, (dropped, owner) = _engines.popitem(last=False)
            dropped.dispose(close=owner == pid)  # another process's sockets are only forgotten
        return engine


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite database whose file does not exist yet (opening it would create it)."""
    parsed = make_url(url)
    database = parsed.database
    return parsed.get_backend_name() == "sqlite" and bool(database) and database != ":memory:" and not (
        Path(str(database)).exists()
    )


def _new_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # masked payloads leave no old bytes behind
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            mode = conn.info.pop("begin_mode", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    event.listen(engine, "do_connect", _connect_patiently)
    return engine


def set_outage_limit(seconds: float) -> None:
    """How long this process waits for a database that went away (RPA_DB_OUTAGE_SECONDS)."""
    _limit["seconds"] = float(seconds)


def expect_outages() -> None:
    """This process (a run's worker, `rpa worker`, the scheduler daemon) waits for a database it
    has not reached yet as for an outage, instead of refusing at once."""
    _contact["patient"] = True


def outage_limit() -> float:
    return _limit["seconds"]


def _unavailable(exc: BaseException) -> DatabaseUnavailable:
    seconds = f"{outage_limit():g}"
    return DatabaseUnavailable(
        f"数据库连接中断超过 {seconds} 秒（RPA_DB_OUTAGE_SECONDS），运行已停止："
        f"请确认数据库恢复后用 --resume 继续本次运行（{type(exc).__name__}）"
    )


def _backoff(delay: float, deadline: float, exc: BaseException) -> float:
    """Wait `delay` (never past the deadline) and return the next one; DatabaseUnavailable once
    the deadline has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _unavailable(exc) from exc
    time.sleep(min(delay, left))
    return min(delay * 2, RECONNECT_MAX_SECONDS)


def _connect_patiently(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """A new PostgreSQL connection, tried again with backoff while the server is away (restarting:
    refused, "starting up", "shutting down") until the outage deadline."""
    deadline = getattr(_patience, "deadline", None) or time.monotonic() + outage_limit()
    delay, warned = RECONNECT_FIRST_SECONDS, False
    while True:
        try:
            connection = dialect.connect(*cargs, **cparams)
            _contact["reached"] = True
            return connection
        except dialect.loaded_dbapi.OperationalError as exc:
            if not _contact["reached"] and not _contact["patient"]:
                raise  # never reached from here: a setting to check, said at once (exit 2)
            if not warned:
                limit = f"{outage_limit():g}"
                logger.warning(f"数据库连接不上，等待其恢复后重连（最多 {limit} 秒）：{type(exc).__name__}")
                warned = True
            delay = _backoff(delay, deadline, exc)


def _lost_connection(exc: BaseException) -> bool:
    """A PostgreSQL error that says the connection (or the server) went away, not the statement."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError) and "sqlite" not in type(exc.orig).__module__


def rides_out_outages(method: Callable[P, R]) -> Callable[P, R]:
    """Run a method's database work again, whole, when its connection was lost (the database
    restarted), with backoff until the outage deadline; then `DatabaseUnavailable`. The method
    must do its work in transactions of its own: one that did not commit did nothing."""

    @functools.wraps(method)
    def patient(*args: P.args, **kwargs: P.kwargs) -> R:
        if getattr(_patience, "deadline", None) is not None:  # an outer call is already waiting
            return method(*args, **kwargs)
        _patience.deadline = time.monotonic() + outage_limit()
        delay = RECONNECT_FIRST_SECONDS
        try:
            while True:
                try:
                    return method(*args, **kwargs)
                except DBAPIError as exc:
                    if not _lost_connection(exc) or not (_contact["reached"] or _contact["patient"]):
                        raise  # not a lost connection, or a database never reached from here
                    logger.warning(f"数据库连接中断，重连后重做该事务：{type(exc.orig).__name__}")
                    delay = _backoff(delay, _patience.deadline, exc)
        finally:
            _patience.deadline = None

    return patient


def ride_out_outages_of(cls: type[R]) -> type[R]:
    """Class decorator: `rides_out_outages` on every public method of the class and its bases."""
    for klass in reversed(cls.__mro__[:-1]):  # object's own methods left alone
        for name, member in vars(klass).items():
            if not name.startswith("_") and callable(member) and not isinstance(member, type):
                if isinstance(member, staticmethod | classmethod):
                    continue
                setattr(cls, name, rides_out_outages(getattr(klass, name)))
    return cls


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode (it stays so; a database already in it needs no lock).

    Switching a new database to WAL needs it to itself for a moment, and SQLite answers "database
    is locked" at once, without waiting out the busy timeout, when another connection is using
    it: a second process switching the same new file at the same moment (two schedulers starting
    on one fresh database did). So the switch is tried again until the timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@contextmanager
def immediate_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction that takes the database write lock up front on SQLite."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.info["begin_mode"] = "IMMEDIATE"
        with conn.begin():
            yield conn


def empty_wal(engine: Engine) -> bool:
    """SQLite: copy the WAL into the database and truncate it to nothing (the WAL still holds
    old versions of changed rows until then). False when a reader kept it from finishing (the
    next checkpoint does it); True on other databases, which have no WAL file."""
    if not is_sqlite(engine):
        return True
    with engine.connect() as conn:
        # another run's long read would hold this up to the full busy timeout: a short wait only
        conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    return busy is None or not busy[0]


def dispose_all() -> None:
    """Close this process's engines' pooled connections and forget the engines."""
    pid = os.getpid()
    with _engines_lock:
        while _engines:
            _, (engine, owner) = _engines.popitem()
            engine.dispose(close=owner == pid)


def database_tag(database_url: str) -> str:
    """A short tag naming one database (files kept per database, such as the run ledger's copy):
    a hash of the SQLite file's absolute path, or of the URL without its password."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        identity = f"sqlite:{Path(parsed.database).resolve()}"
    else:
        identity = parsed.render_as_string(hide_password=True)
    return hashlib.sha256(identity.encode()).hexdigest()[:12]
