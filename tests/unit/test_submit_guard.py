"""The check before an irreversible step (`WorkerContext.before_irreversible`) in the worker loop:
a worker that lost its lease drops the item without a word to the queue, and a closed service
window gives the item back uncounted and stops the run. `ServiceHours` against the calendar."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from loguru import logger

from rpa.audit.log import AuditLog
from rpa.errors import ConfigError
from rpa.queue.work_queue import ItemState, LeaseLost, Outcome, WorkItem, WorkQueue
from rpa.run.flow import WorkerContext
from rpa.run.service_window import ServiceHours
from rpa.run.worker import process_items
from rpa.settings import Settings, load_settings

FLOW, RUN = "smoke", "run-guard"
SHANGHAI = "Asia/Shanghai"


class _NoWorkingDays:
    """A calendar in which the window never opens, whatever day the test runs."""

    def is_working_day(self, _day: date) -> bool:
        return False


def _worker(tmp_path: Path, keys: list[str], **settings: Any) -> tuple[WorkQueue, AuditLog, WorkerContext]:
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, b"k" * 32)
    queue.create_schema()
    audit.create_schema()
    for key in keys:
        queue.enqueue(FLOW, RUN, key, {})
    wctx = WorkerContext(
        run_id=RUN, flow=FLOW, worker_index=0, owner="w1", settings=Settings(**settings),
        folder=tmp_path, audit=audit, log=logger.bind(), params={}, queue=queue,
    )  # fmt: skip
    return queue, audit, wctx


def test_a_worker_whose_lease_was_taken_drops_the_item_without_submitting(tmp_path: Path) -> None:
    queue, audit, wctx = _worker(tmp_path, ["a", "b"])
    submitted: list[str] = []

    def handler(item: WorkItem) -> dict[str, Any]:
        if item.key == "a":  # frozen past its lease: another worker took the item meanwhile
            queue.heartbeat(item.id, "w1", -1)
            taken = queue.claim(run_id=RUN, owner="w2", lease_seconds=60)
            assert taken is not None and taken.id == item.id and taken.fence == item.fence + 1
            queue.complete(taken.id, "w2", {"status": "filed", "by": "w2"})  # and finished it
        wctx.before_irreversible(item)
        submitted.append(item.key)
        return {"status": "filed"}

    summary = process_items(queue, wctx, handler, stop_event=threading.Event())

    assert submitted == ["b"] and summary.lease_lost == 1 and summary.done == 1
    a = queue.find_by_key(FLOW, "a")
    assert a is not None and a.state is ItemState.DONE and a.result == {"status": "filed", "by": "w2"}
    assert a.submit_fence is None  # w1 wrote nothing to it: no mark, no outcome
    history = [(h.owner, h.outcome) for h in queue.history(a.id)]
    assert history == [("w1", Outcome.LEASE_EXPIRED), ("w2", Outcome.DONE)]
    assert [e.event for e in audit.events(RUN) if e.event == "item.lease_lost"] == ["item.lease_lost"]


def test_an_expired_lease_nobody_took_is_not_submitted_either(tmp_path: Path) -> None:
    queue, _audit, wctx = _worker(tmp_path, ["a"])
    item = queue.claim(run_id=RUN, owner="w1", lease_seconds=60)
    assert item is not None
    queue.heartbeat(item.id, "w1", -1)  # the heartbeat was frozen with the worker
    with pytest.raises(LeaseLost) as lost:
        wctx.before_irreversible(item)
    assert lost.value.code == "lease_lost_before_submit"
    again = queue.get(item.id)
    assert again.attempts == 1 and again.submit_fence is None and again.last_error_code is None


def test_a_closed_window_gives_the_item_back_uncounted_and_stops_the_run(tmp_path: Path) -> None:
    queue, _audit, wctx = _worker(tmp_path, ["a", "b"])
    closed = ServiceHours(
        portal="AMS", setting="RPA_AMS_SERVICE_WINDOW", hours=(time(0, 0), time(23, 59, 59)),
        zone=ZoneInfo(SHANGHAI), calendar=_NoWorkingDays(),  # type: ignore[arg-type]
    )  # fmt: skip
    submitted: list[str] = []

    def handler(item: WorkItem) -> dict[str, Any]:
        wctx.before_irreversible(item, closed)
        submitted.append(item.key)
        return {"status": "filed"}

    summary = process_items(queue, wctx, handler, stop_event=threading.Event())

    assert submitted == [] and summary.fatal is not None and "服务时间" in summary.fatal
    items = {i.key: i for i in queue.items(RUN)}
    assert all(i.state is ItemState.PENDING and i.attempts == 0 for i in items.values())
    assert all(i.submit_fence is None for i in items.values())
    stop = queue.stop_requested(RUN)
    assert stop is not None and stop[0] == "service_window_closed" and "--resume" in stop[1]


def _at(text: str) -> datetime:
    """A moment given as Shanghai local time."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(SHANGHAI))


def test_ams_hours_are_working_days_08_30_to_17_00_by_default(isolated_settings: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RPA_AMS_SERVICE_WINDOW", raising=False)
    hours = ServiceHours.for_ams(load_settings())
    assert hours.describe() == "工作日 08:30-17:00"
    # 2026: 国庆节 holidays 10-01..10-07, Saturday 10-10 a make-up working day (调休上班)
    assert hours.is_open(_at("2026-09-30 08:30:00"))
    assert hours.is_open(_at("2026-09-30 16:59:59"))
    assert not hours.is_open(_at("2026-09-30 17:00:00"))
    assert not hours.is_open(_at("2026-09-30 08:29:59"))
    assert not hours.is_open(_at("2026-10-02 10:00:00"))  # 国庆节
    assert not hours.is_open(_at("2026-11-14 10:00:00"))  # a plain Saturday
    assert hours.is_open(_at("2026-10-10 10:00:00"))  # a Saturday worked for 国庆节
    # the same moment in UTC: 01:00 UTC is 09:00 in Shanghai
    assert hours.is_open(datetime(2026, 9, 30, 1, 0, tzinfo=UTC))
    message = hours.closed_message(_at("2026-09-30 17:00:03"))
    assert message is not None and "17:00:03" in message and "RPA_AMS_SERVICE_WINDOW" in message


def test_a_window_to_the_second_every_day_and_always(isolated_settings: Path) -> None:
    settings = load_settings(ams_service_window="09:00:00-09:00:30", ams_service_days="every_day")
    hours = ServiceHours.for_ams(settings)
    assert hours.describe() == "每天 09:00-09:00:30"
    assert hours.is_open(_at("2026-10-02 09:00:29")) and not hours.is_open(_at("2026-10-02 09:00:30"))
    always = ServiceHours.for_ams(load_settings(ams_service_window="always"))
    assert always.is_open(_at("2026-10-02 03:00:00"))
    assert always.closed_message(_at("2026-10-02 03:00:00")) is None


@pytest.mark.parametrize("value", ["8:30-17:00", "17:00-08:30", "08:30-25:00", "08:30", "daytime"])
def test_a_bad_window_setting_names_the_setting(isolated_settings: Path, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(ams_service_window=value)
    assert "RPA_AMS_SERVICE_WINDOW" in str(refused.value)
