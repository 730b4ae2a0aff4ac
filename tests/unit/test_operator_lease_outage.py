"""A worker's operator lease while PostgreSQL is away for longer than RPA_DB_OUTAGE_SECONDS: its
renewing thread gives up with one Chinese line and tells the worker to stop after the item in
hand (a lease no longer renewed expires and may be taken over; the worker's item loop meets the
same outage and the run stops with exit 3), instead of dying with a traceback on stderr."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from loguru import logger
from pydantic import SecretStr

from rpa.db import engine_for, outage_limit, set_outage_limit
from rpa.run.operator_leases import OperatorLease, OperatorLeases
from rpa.settings import OperatorCredential, Settings
from tests.plugins.postgres import ThrowawayCluster

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def short_outage_limit() -> Iterator[None]:
    before = outage_limit()
    set_outage_limit(1.0)
    yield
    set_outage_limit(before)


def test_the_lease_thread_gives_up_quietly_when_the_database_stays_away(
    postgres_cluster: ThrowawayCluster, short_outage_limit: None
) -> None:
    name = f"lease_outage_{uuid.uuid4().hex[:10]}"
    url = postgres_cluster.create_database(name)
    failures: list[BaseException | None] = []
    warnings: list[str] = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    sink = logger.add(lambda message: warnings.append(str(message)), level="WARNING")
    try:
        store = OperatorLeases(url)
        assert store.take("ams", ["OP3101A07"], "robot-a:100:w0", "run-1", 30) == "OP3101A07"
        settings = Settings(lease_seconds=30, heartbeat_seconds=0.2)
        operator = OperatorCredential(code="OP3101A07", password=SecretStr("Ams3101!"))
        lease = OperatorLease(store, "ams", operator, "robot-a:100:w0", settings, threading.Event())
        engine_for(url).dispose()
        postgres_cluster.stop_server()
        try:
            time.sleep(4)  # beats every 0.2 s, each waiting up to 1 s for the database
        finally:
            postgres_cluster.start_again()
        lease.give_back()
    finally:
        threading.excepthook = previous_hook
        logger.remove(sink)
        engine_for(url).dispose()
        postgres_cluster.drop_database(name)
    assert failures == []
    assert lease.lost.is_set()  # the worker stops after the item in hand
    assert any("操作员租约" in line and "数据库" in line for line in warnings), warnings
