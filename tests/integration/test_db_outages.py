"""The queue and the audit log against a PostgreSQL server that goes away and comes back: a
restart of a second or two is waited out, a longer outage ends in DatabaseUnavailable (exit 3).
The server of the session's throwaway cluster is really stopped and started again."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from rpa.audit.log import AuditLog
from rpa.db import engine_for, outage_limit, set_outage_limit
from rpa.errors import DatabaseUnavailable, outcome_for
from rpa.queue.work_queue import WorkQueue
from tests.plugins.postgres import ThrowawayCluster

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

RUN = "20261203-091500-smoke-7f3a2c"


@pytest.fixture
def pg(postgres_cluster: ThrowawayCluster) -> Iterator[tuple[ThrowawayCluster, str]]:
    name = f"outage_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    before = outage_limit()
    yield postgres_cluster, url
    set_outage_limit(before)
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


def _restart_in_background(cluster: ThrowawayCluster, down_seconds: float) -> threading.Thread:
    """Stop the server now; start it again `down_seconds` later, from another thread."""
    cluster.stop_server()

    def later() -> None:
        time.sleep(down_seconds)
        cluster.start_again()

    thread = threading.Thread(target=later)
    thread.start()
    return thread


def test_queue_and_audit_wait_out_a_restart(pg: tuple[ThrowawayCluster, str]) -> None:
    cluster, url = pg
    set_outage_limit(20)
    queue = WorkQueue(url)
    queue.create_schema()
    audit = AuditLog(url, b"k" * 32)
    audit.create_schema()
    keys = ["acct-6222020200112233445", "acct-6222020200112233446"]
    queue.enqueue_many("smoke", RUN, [(key, {"n": n}) for n, key in enumerate(keys)])
    first = queue.claim(run_id=RUN, owner="robot-01:4242:w0", lease_seconds=60)
    assert first is not None

    restarting = _restart_in_background(cluster, down_seconds=1.5)
    started = time.monotonic()
    # the server is down right now: each call waits for it and goes through once it is back
    queue.complete(first.id, "robot-01:4242:w0", {"status": "ok"})
    waited = time.monotonic() - started
    restarting.join()
    audit.append(RUN, "robot-01:4242:w0", "item.done", item_key=first.key)
    second = queue.claim(run_id=RUN, owner="robot-02:77:w1", lease_seconds=60)
    assert second is not None and second.id != first.id
    queue.complete(second.id, "robot-02:77:w1", {"status": "ok"})

    assert waited >= 1.0, "the first call did not meet the outage"
    assert {str(k): v for k, v in queue.counts(RUN).items() if v} == {"done": 2}
    assert [e.event for e in audit.events(RUN)] == ["item.done"]
    assert audit.verify(RUN).ok


def test_a_longer_outage_is_database_unavailable(pg: tuple[ThrowawayCluster, str]) -> None:
    cluster, url = pg
    queue = WorkQueue(url)
    queue.create_schema()
    queue.enqueue("smoke", RUN, "acct-6222020200112233447", {"n": 3})
    set_outage_limit(1.5)
    restarting = _restart_in_background(cluster, down_seconds=6)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            queue.claim(run_id=RUN, owner="robot-01:4242:w0", lease_seconds=60)
        gave_up_after = time.monotonic() - started
    finally:
        restarting.join()
    assert 1.0 <= gave_up_after < 5
    assert "RPA_DB_OUTAGE_SECONDS" in raised.value.message and "--resume" in raised.value.message
    assert outcome_for(raised.value).exit_code == 3
    # back again: the item was never claimed
    assert queue.claim(run_id=RUN, owner="robot-01:4242:w0", lease_seconds=60) is not None
