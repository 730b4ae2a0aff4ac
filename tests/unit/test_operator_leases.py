"""Portal operators are leased in the database: never two holders at once, a lease its holder
stopped renewing (or whose process on this host is gone) is taken over, and a worker that finds
none free waits, or stops its run with a Chinese line (exit 3) when nobody of its run works."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy.exc import OperationalError

from rpa.errors import outcome_for
from rpa.queue.work_queue import WorkQueue
from rpa.run.operator_leases import OperatorLeases, OperatorsBusy, hold_operator, take_operator
from rpa.settings import OperatorCredential, Settings

AMS = "ams"
CODES = ["OP3101A07", "OP3101B12"]  # two AMS operator codes of one branch


def test_an_operator_has_one_holder_until_given_back(db_url: str) -> None:
    store = OperatorLeases(db_url)
    assert store.take(AMS, CODES, "hostA:100:w0", "run-1", 60) == "OP3101A07"
    assert store.take(AMS, CODES, "hostB:200:w0", "run-2", 60) == "OP3101B12"
    assert store.take(AMS, CODES, "hostB:201:w1", "run-2", 60) is None  # both held
    assert store.take("report_platform", CODES, "hostB:201:w1", "run-2", 60) == "OP3101A07"  # per portal
    assert store.take(AMS, CODES, "hostA:100:w0", "run-1", 60) == "OP3101A07"  # its own, again
    assert store.run_holds(AMS, "run-2") and not store.run_holds(AMS, "run-3")
    store.give_back(AMS, "OP3101A07", "hostB:201:w1")  # not its lease: nothing changes
    assert {h.operator_code: h.holder for h in store.held(AMS)} == {
        "OP3101A07": "hostA:100:w0", "OP3101B12": "hostB:200:w0"}  # fmt: skip
    store.give_back(AMS, "OP3101A07", "hostA:100:w0")
    assert store.take(AMS, CODES, "hostB:201:w1", "run-2", 60) == "OP3101A07"


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew(db_url: str) -> None:
    store = OperatorLeases(db_url)
    # 2 s: the next take must come before it ends, on a machine as busy as CI's (3 test
    # processes on 2 cores: 0.3 s was once too short for PostgreSQL's)
    assert store.take(AMS, CODES[:1], "hostA:100:w0", "run-1", 2.0) == "OP3101A07"
    assert store.take(AMS, CODES[:1], "hostB:200:w0", "run-2", 60) is None
    time.sleep(2.2)  # hostA froze (SIGSTOP) or died: it renews no more
    assert store.take(AMS, CODES[:1], "hostB:200:w0", "run-2", 60) == "OP3101A07"
    assert store.renew(AMS, "OP3101A07", "hostA:100:w0", 60) is False
    assert store.renew(AMS, "OP3101A07", "hostB:200:w0", 60) is True


def _hold_and_die(url: str, ready: multiprocessing.synchronize.Event) -> None:
    OperatorLeases(url).take(AMS, CODES[:1], "thishost:dead:w0", "run-1", 600)
    ready.set()


def test_a_dead_worker_of_this_host_frees_its_operator_at_once(db_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Event()
    holder = spawn.Process(target=_hold_and_die, args=(db_url, ready))
    holder.start()
    holder.join(60)
    assert ready.is_set() and holder.exitcode == 0
    store = OperatorLeases(db_url)
    # ten minutes left on its lease, but the process is gone: no need to wait them out
    assert store.take(AMS, CODES[:1], "thishost:300:w0", "run-2", 60) == "OP3101A07"


def _operators() -> list[OperatorCredential]:
    return [OperatorCredential(code=c, password=SecretStr("pw-" + c)) for c in CODES]


def _queue(url: str, run_id: str, keys: int) -> WorkQueue:
    queue = WorkQueue(url)
    queue.create_schema()
    for n in range(keys):
        queue.enqueue("report-extraction", run_id, f"{run_id}|支行{n}", {})
    return queue


@pytest.mark.timeout(60)
def test_no_free_operator_stops_the_run_in_chinese_after_the_wait(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, operator_wait_seconds=1.5, runs_dir=tmp_path)
    store = OperatorLeases(db_url)
    for n, code in enumerate(CODES):
        store.take(AMS, [code], f"hostA:{n}:w{n}", "run-other", 600)
    queue = _queue(db_url, "run-mine", 2)
    started = time.monotonic()
    with pytest.raises(OperatorsBusy) as busy:
        take_operator(settings, queue, portal=AMS, operators=_operators(), holder="hostB:9:w0",
                      run_id="run-mine", worker_index=0, stop=threading.Event())  # fmt: skip
    assert time.monotonic() - started >= 1.5
    message = busy.value.message
    assert "RPA_OPERATOR_WAIT_SECONDS" in message and "--resume" in message and "run-other" in message
    assert "OP3101A07" not in message  # operator codes masked in what many read
    assert outcome_for(busy.value).exit_code == 3


@pytest.mark.timeout(60)
def test_a_waiting_worker_gets_the_operator_another_run_gives_back(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, operator_wait_seconds=30, runs_dir=tmp_path)
    store = OperatorLeases(db_url)
    store.take(AMS, CODES, "hostA:1:w0", "run-other", 600)
    store.take(AMS, CODES, "hostA:1:w1", "run-other", 600)
    queue = _queue(db_url, "run-mine", 1)
    waited: list[str] = []
    threading.Timer(1.0, lambda: store.give_back(AMS, "OP3101B12", "hostA:1:w1")).start()
    lease = take_operator(settings, queue, portal=AMS, operators=_operators(), holder="hostB:9:w0",
                          run_id="run-mine", worker_index=0, stop=threading.Event(),
                          on_wait=lambda: waited.append("waiting"))  # fmt: skip
    assert lease is not None and lease.operator.code == "OP3101B12" and waited == ["waiting"]
    lease.give_back()
    assert not store.run_holds(AMS, "run-mine")


@pytest.mark.timeout(60)
def test_a_worker_whose_run_has_nothing_left_stops_waiting(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, operator_wait_seconds=0, runs_dir=tmp_path)
    store = OperatorLeases(db_url)
    store.take(AMS, CODES, "hostA:1:w0", "run-mine", 600)  # a worker of its own run holds one...
    store.take(AMS, CODES, "hostA:1:w1", "run-other", 600)
    queue = _queue(db_url, "run-mine", 1)
    item = queue.claim(run_id="run-mine", owner="hostA:1:w0", lease_seconds=60)
    assert item is not None
    threading.Timer(1.5, lambda: queue.complete(item.id, "hostA:1:w0", {})).start()
    started = time.monotonic()
    lease = take_operator(settings, queue, portal=AMS, operators=_operators(), holder="hostB:9:w1",
                          run_id="run-mine", worker_index=1, stop=threading.Event())  # fmt: skip
    # ...so a zero wait did not stop the run; it waited until the run had nothing open
    assert lease is None and time.monotonic() - started >= 1.4


@pytest.mark.timeout(60)
def test_a_worker_whose_operator_was_taken_over_is_asked_to_stop(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, lease_seconds=30, heartbeat_seconds=0.2, runs_dir=tmp_path)
    queue = _queue(db_url, "run-mine", 1)
    stop = threading.Event()
    lease = take_operator(settings, queue, portal=AMS, operators=_operators()[:1], holder="hostB:9:w0",
                          run_id="run-mine", worker_index=0, stop=stop)  # fmt: skip
    assert lease is not None
    time.sleep(0.6)
    assert not stop.is_set()  # renewed while it is the holder
    store = OperatorLeases(db_url)
    store.give_back(AMS, "OP3101A07", "hostB:9:w0")  # as if it expired while the worker was frozen
    assert store.take(AMS, ["OP3101A07"], "hostA:1:w0", "run-other", 30) == "OP3101A07"
    assert stop.wait(5)  # the worker stops after the item in hand instead of logging in over it
    lease.give_back()
    assert [h.holder for h in store.held(AMS)] == ["hostA:1:w0"]  # the new holder's lease stays


@pytest.mark.timeout(60)
def test_a_probe_takes_a_free_operator_and_never_one_a_worker_holds(db_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, operator_wait_seconds=1, runs_dir=tmp_path)
    store = OperatorLeases(db_url)
    store.take(AMS, ["OP3101A07"], "hostA:1:w0", "run-1", 600)  # a run's worker is logged in as it
    with hold_operator(settings, AMS, _operators(), purpose="ams-probe") as operator:
        assert operator.code == "OP3101B12"
        assert {h.operator_code for h in store.held(AMS)} == set(CODES)
    assert [h.operator_code for h in store.held(AMS)] == ["OP3101A07"]  # given back after the probe
    store.take(AMS, ["OP3101B12"], "hostA:1:w1", "run-1", 600)
    with pytest.raises(OperatorsBusy) as busy, hold_operator(settings, AMS, _operators(), purpose="probe"):
        pass
    assert "run-1" in busy.value.message


@pytest.mark.timeout(60)
def test_a_renewal_the_database_did_not_answer_is_tried_again(db_url: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(database_url=db_url, lease_seconds=30, heartbeat_seconds=0.2, runs_dir=tmp_path)
    queue = _queue(db_url, "run-mine", 1)
    renew, calls = OperatorLeases.renew, []

    def away_once(self: OperatorLeases, *args: Any) -> bool:
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("UPDATE operator_leases", {}, Exception("server closed the connection"))
        return renew(self, *args)

    monkeypatch.setattr(OperatorLeases, "renew", away_once)
    stop = threading.Event()
    lease = take_operator(settings, queue, portal=AMS, operators=_operators()[:1], holder="hostB:9:w0",
                          run_id="run-mine", worker_index=0, stop=stop)  # fmt: skip
    assert lease is not None
    while len(calls) < 3:
        time.sleep(0.1)
    assert not stop.is_set()  # not taken for a lost lease: the worker goes on
    lease.give_back()
