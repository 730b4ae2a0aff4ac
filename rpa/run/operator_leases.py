"""Portal operators leased in the queue's database: one session per operator, across runs and hosts.

A portal keeps one session per operator, so a second login with the same operator logs the
first one out. Each worker therefore takes a lease on its operator before it logs in, keeps it
alive with a heartbeat and gives it back when it ends; a lease its holder stopped renewing (the
process was killed, the host died) expires and is taken over.

    lease = take_operator(settings, wctx_like, "ams", usable, stop=stop_event)   # or None
    ...                                   # log in as lease.operator, work the items
    lease.give_back()

A worker that finds every usable operator leased (another run, another host) waits for one,
polling. While another worker of its own run holds an operator the run makes progress and the
worker waits as long as the run has open items; otherwise it waits up to
RPA_OPERATOR_WAIT_SECONDS and then stops the run (run-fatal `operators_busy`, exit 3, resumable).
Operators the portal refused at login (`rpa.run.operators`) are never leased at all.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from loguru import logger
from sqlalchemy import Column, Integer, MetaData, String, Table, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from rpa.db import immediate_transaction, ride_out_outages_of
from rpa.errors import DatabaseUnavailable, RunFatalError
from rpa.masking import FieldClass, mask
from rpa.queue.schema import UtcDateTime, insert_or_ignore
from rpa.queue.tables import tables_ready
from rpa.run.operators import PORTAL_NAMES
from rpa.run.processes import is_running, start_time

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from rpa.queue.work_queue import WorkQueue
    from rpa.settings import OperatorCredential, Settings

POLL_SECONDS = 1.0
_NEVER = datetime(2000, 1, 1, tzinfo=UTC)

metadata = MetaData()
leases = Table(
    "operator_leases",
    metadata,
    Column("portal", String(32), primary_key=True),
    Column("operator_code", String(128), primary_key=True),
    Column("holder", String(128)),  # the worker (host:pid:wN); NULL when free
    Column("run_id", String(64)),
    Column("taken_at", UtcDateTime()),
    Column("expires_at", UtcDateTime(), nullable=False),
    # the holding process, so that one host frees the leases of its own dead workers at once
    Column("host", String(255)),
    Column("pid", Integer),
    Column("started", String(32)),  # its start time (rpa.run.processes): a pid alone is reused
)


class OperatorsBusy(RunFatalError):
    """Every usable operator of the portal stayed leased by other runs for the whole wait."""

    code = "operators_busy"


@dataclass(frozen=True)
class HeldLease:
    portal: str
    operator_code: str
    holder: str
    run_id: str | None
    expires_at: datetime


@ride_out_outages_of  # a database restart is waited out; each call's transaction runs again whole
class OperatorLeases:
    """The operator leases of one database (the queue's)."""

    def __init__(self, url: str) -> None:
        self._url = url

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)  # looked up on use: a forked worker builds its own

    def take(self, portal: str, codes: list[str], holder: str, run_id: str | None,
             seconds: float) -> str | None:
        """Lease the first of `codes` that is free, expired or already `holder`'s; None if none is.

        One UPDATE per operator whose WHERE admits only a free lease: PostgreSQL re-checks it
        under the row lock, SQLite runs it under `BEGIN IMMEDIATE`, so two takers never both win."""
        engine, now = self._engine, datetime.now(UTC)
        host, pid = socket.gethostname(), os.getpid()
        with immediate_transaction(engine) as conn:
            conn.execute(
                insert_or_ignore(engine.dialect.name, leases, "portal", "operator_code"),
                [{"portal": portal, "operator_code": c, "holder": None, "expires_at": _NEVER} for c in codes],
            )
            dead = self._dead_holders_here(conn, portal, codes, host, now)
            for code in codes:
                free = or_(leases.c.holder.is_(None), leases.c.expires_at < now, leases.c.holder == holder)
                if code in dead:
                    free = or_(free, leases.c.holder == dead[code])
                taken = conn.execute(
                    update(leases)
                    .where(leases.c.portal == portal, leases.c.operator_code == code, free)
                    .values(holder=holder, run_id=run_id, taken_at=now,
                            expires_at=now + timedelta(seconds=seconds),
                            host=host, pid=pid, started=start_time(pid))
                )  # fmt: skip
                if taken.rowcount == 1:
                    return code
        return None

    @staticmethod
    def _dead_holders_here(conn: Connection, portal: str, codes: list[str], host: str,
                           now: datetime) -> dict[str, str]:
        """Live leases of `codes` held by processes of this host that are gone (killed): code ->
        holder. Another host's processes are not ours to judge: theirs expire."""
        rows = conn.execute(
            select(leases.c.operator_code, leases.c.holder, leases.c.pid, leases.c.started)
            .where(leases.c.portal == portal, leases.c.operator_code.in_(codes),
                   leases.c.holder.is_not(None), leases.c.expires_at >= now, leases.c.host == host)
        )  # fmt: skip
        return {r.operator_code: r.holder for r in rows
                if r.pid is not None and not is_running(r.pid, r.started)}

    def renew(self, portal: str, code: str, holder: str, seconds: float) -> bool:
        """Extend `holder`'s lease; False when it is no longer `holder`'s (it expired and was
        taken over)."""
        now = datetime.now(UTC)
        with immediate_transaction(self._engine) as conn:
            renewed = conn.execute(
                update(leases)
                .where(leases.c.portal == portal, leases.c.operator_code == code, leases.c.holder == holder)
                .values(expires_at=now + timedelta(seconds=seconds))
            )
        return renewed.rowcount == 1

    def give_back(self, portal: str, code: str, holder: str) -> None:
        with immediate_transaction(self._engine) as conn:
            conn.execute(
                update(leases)
                .where(leases.c.portal == portal, leases.c.operator_code == code, leases.c.holder == holder)
                .values(holder=None, run_id=None, expires_at=datetime.now(UTC))
            )

    def held(self, portal: str | None = None) -> list[HeldLease]:
        """The live leases (of one portal)."""
        query = select(leases).where(leases.c.holder.is_not(None), leases.c.expires_at >= datetime.now(UTC))
        if portal is not None:
            query = query.where(leases.c.portal == portal)
        with self._engine.connect() as conn:
            return [HeldLease(r.portal, r.operator_code, r.holder, r.run_id, r.expires_at)
                    for r in conn.execute(query.order_by(leases.c.operator_code))]

    def run_holds(self, portal: str, run_id: str) -> bool:
        """Whether a worker of `run_id` holds a live lease on an operator of `portal`."""
        with self._engine.connect() as conn:
            found = conn.execute(
                select(leases.c.operator_code).where(and_(
                    leases.c.portal == portal, leases.c.run_id == run_id,
                    leases.c.holder.is_not(None), leases.c.expires_at >= datetime.now(UTC)))
            ).first()  # fmt: skip
        return found is not None


class OperatorLease:
    """A worker's lease on its operator, renewed from a side thread until `give_back()`.

    A renewal that finds the lease gone (this worker was frozen past it and another took the
    operator over) sets `lost`, and `on_lost` is called once: the worker stops after the item
    in hand rather than log in over the new holder's session. So does a database away for
    longer than RPA_DB_OUTAGE_SECONDS: the lease is no longer renewed and will expire."""

    def __init__(self, store: OperatorLeases, portal: str, operator: OperatorCredential, holder: str,
                 settings: Settings, on_lost: threading.Event) -> None:
        self.store, self.portal, self.operator, self.holder = store, portal, operator, holder
        self._seconds, self._every = settings.lease_seconds, settings.heartbeat_seconds
        self.lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="operator-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                renewed = self.store.renew(self.portal, self.operator.code, self.holder, self._seconds)
            except SQLAlchemyError as exc:  # the database away for a moment: the next beat tries
                logger.warning(f"工作进程 {self.holder}：操作员租约续期失败（{type(exc).__name__}），"
                               "稍后重试")
                continue
            except DatabaseUnavailable:  # away past RPA_DB_OUTAGE_SECONDS: the lease will expire
                logger.warning(f"工作进程 {self.holder}：数据库中断过久，操作员租约无法续期，"
                               "办完手头事项后停止")
                self.lost.set()  # never log in on a lease no longer renewed
                return
            if not renewed:
                code = mask(self.operator.code, FieldClass.ACCOUNT_NO)
                logger.warning(f"工作进程 {self.holder}：操作员 {code} 的租约已过期并被接管，"
                               "办完手头事项后停止")
                self.lost.set()
                return

    def give_back(self) -> None:
        """Stop renewing and free the operator; a database that does not answer leaves the
        lease to expire (RPA_LEASE_SECONDS), which frees it as well, later."""
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            self.store.give_back(self.portal, self.operator.code, self.holder)
        except (SQLAlchemyError, DatabaseUnavailable) as exc:
            logger.warning(f"操作员 {mask(self.operator.code, FieldClass.ACCOUNT_NO)} 的租约未能交还"
                           f"（{type(exc).__name__}），到期后自动释放")


def _rotated(operators: list[OperatorCredential], start: int) -> list[OperatorCredential]:
    """The operators starting at the worker's own index: worker i prefers operator i."""
    start %= len(operators)
    return operators[start:] + operators[:start]


def take_operator(
    settings: Settings,
    queue: WorkQueue,
    *,
    portal: str,
    operators: list[OperatorCredential],
    holder: str,
    run_id: str,
    worker_index: int,
    stop: threading.Event,
    on_wait: Callable[[], None] | None = None,
) -> OperatorLease | None:
    """Lease one of `operators` for this worker, waiting while all are leased elsewhere.

    None when the worker has nothing left to do before it got one (stopped, the run stopped or
    nothing of the run is open any more). OperatorsBusy when no operator came free within
    RPA_OPERATOR_WAIT_SECONDS and no worker of this run holds one."""
    store = OperatorLeases(settings.database_url_resolved)
    by_code = {op.code: op for op in operators}
    codes = [op.code for op in _rotated(operators, worker_index)]
    deadline = time.monotonic() + settings.operator_wait_seconds
    told = False
    while True:
        code = store.take(portal, codes, holder, run_id, settings.lease_seconds)
        if code is not None:
            return OperatorLease(store, portal, by_code[code], holder, settings, stop)
        if stop.is_set() or queue.stop_requested(run_id) or queue.next_due_in(run_id) is None:
            return None
        if store.run_holds(portal, run_id):  # the run goes on meanwhile: no reason to give up
            deadline = time.monotonic() + settings.operator_wait_seconds
        elif time.monotonic() >= deadline:
            raise OperatorsBusy(busy_message(portal, store.held(portal), settings.operator_wait_seconds))
        if not told and on_wait is not None:
            on_wait()
            told = True
        stop.wait(POLL_SECONDS)


@contextmanager
def hold_operator(settings: Settings, portal: str, operators: list[OperatorCredential], *, purpose: str,
                  run_id: str | None = None) -> Iterator[OperatorCredential]:
    """One of `operators` (the first free) leased for a short task of this process outside a
    run's workers: a probe, the AMS identity read at a run's start. Waits up to
    RPA_OPERATOR_WAIT_SECONDS for one to come free, else OperatorsBusy; given back at the end."""
    store = OperatorLeases(settings.database_url_resolved)
    holder = f"{socket.gethostname()}:{os.getpid()}:{purpose}"
    by_code = {op.code: op for op in operators}
    deadline = time.monotonic() + settings.operator_wait_seconds
    while (code := store.take(portal, list(by_code), holder, run_id, settings.lease_seconds)) is None:
        if time.monotonic() >= deadline:
            raise OperatorsBusy(busy_message(portal, store.held(portal), settings.operator_wait_seconds))
        time.sleep(POLL_SECONDS)
    lease = OperatorLease(store, portal, by_code[code], holder, settings, threading.Event())
    try:
        yield lease.operator
    finally:
        lease.give_back()


def busy_message(portal: str, held: list[HeldLease], waited: float) -> str:
    """The Chinese line a run stops with when no operator came free."""
    holders = "、".join(f"{mask(h.operator_code, FieldClass.ACCOUNT_NO)}（运行 {h.run_id or '未知'}）"
                        for h in held) or "无"
    return (
        f"{PORTAL_NAMES.get(portal, portal)} 的操作员都在被其他运行使用（{holders}），等待 {waited:g} 秒"
        "（RPA_OPERATOR_WAIT_SECONDS）后仍无空闲：本次运行已暂停，未办的事项保持待处理，"
        "请待其他运行结束后用 --resume 继续"
    )
