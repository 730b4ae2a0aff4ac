"""Fixtures of the chaos suite (tests/chaos): a PostgreSQL database per test, the mock AMS with
its faults on, and the suite's sizes from the environment.

Sizes (environment, read when a test starts):
- RPA_CHAOS_ACCOUNTS (300): valid accounts of the PostgreSQL many-hosts run;
- RPA_CHAOS_SQLITE_ACCOUNTS (60): the same on SQLite, one host;
- RPA_CHAOS_KILL_SECONDS (20): the killer's interval (a SIGKILL each, a SIGSTOP every other);
- RPA_CHAOS_EXPIRY_SECONDS (20): every live AMS session expires this often;
- RPA_CHAOS_JITTER_MS (150): the mock AMS's latency jitter.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from rpa.db import engine_for
from tests.chaos.chaos_portal import chaos_faults
from tests.plugins.portals import AmsHandle
from tests.plugins.postgres import ThrowawayCluster


def chaos_size(name: str, default: float, *, minimum: float = 0.0) -> float:
    """A size or interval of the suite from RPA_CHAOS_<NAME>; a wrong value fails the test."""
    raw = os.environ.get(f"RPA_CHAOS_{name}", "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        pytest.fail(f"RPA_CHAOS_{name}={raw!r} is not a number", pytrace=False)
    if value <= 0 or value < minimum:
        pytest.fail(f"RPA_CHAOS_{name}={raw!r} must be above 0 and at least {minimum:g}", pytrace=False)
    return value


@pytest.fixture
def chaos_pg_url(postgres_cluster: ThrowawayCluster) -> Iterator[str]:
    """A new, empty PostgreSQL database in the session's throwaway cluster, dropped afterwards."""
    name = f"chaos_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    engine_for(url).dispose()
    postgres_cluster.drop_database(name)


@pytest.fixture
def faulty_ams(ams: AmsHandle) -> Iterator[AmsHandle]:
    """The session's mock AMS, reset, its faults off again after the test; a test turns them on
    with `ams.set_faults(**chaos_fault_knobs)` once its run is enqueued (the enqueuing command's
    one login, which reads AMS's system code, is not what the suite tries)."""
    yield ams
    ams.set_faults()  # the next test starts clean even when this one failed mid-way


@pytest.fixture
def chaos_fault_knobs() -> dict[str, object]:
    return chaos_faults(jitter_ms=int(chaos_size("JITTER_MS", 150)))
