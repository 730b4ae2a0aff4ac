"""An item ended in the queue whose outcome event a database outage kept out of the audit chain
(the worker stopped between the two writes) gets that event when the run closes, marked
recorded_late and taken from the queue's record; items whose events are there get none, and a
second close writes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from loguru import logger

from rpa.audit.log import AuditLog
from rpa.queue.work_queue import WorkQueue
from rpa.run.late_outcomes import record_late_outcomes
from rpa.run.runs import RunContext
from rpa.settings import Settings

RUN = "20261203-101500-account-filing-c0ffee"
OWNER = "robot-a:4242:w0"


def _context(tmp_path: Path) -> RunContext:
    settings = Settings(runs_dir=tmp_path / "runs", audit_key_file=tmp_path / "keys" / "audit.key")
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    queue, audit = WorkQueue(url), AuditLog(url, settings.audit_key_bytes())
    queue.create_schema()
    audit.create_schema()
    folder = tmp_path / "runs" / RUN
    folder.mkdir(parents=True)
    return RunContext(run_id=RUN, flow="account-filing", folder=folder, settings=settings, queue=queue,
                      audit=audit, log=logger.bind(run_id=RUN), trigger="test", params={},
                      started_at=datetime.now(UTC))  # fmt: skip


def test_the_close_writes_only_the_outcome_events_that_are_missing(tmp_path: Path) -> None:
    ctx = _context(tmp_path)
    keys = ["open|6217000010001234567|2026-11-30", "open|6217000010007654321|2026-11-30",
            "change|6217000010001111111|2026-12-01"]  # fmt: skip
    ctx.queue.enqueue_many("account-filing", RUN, [(key, {"row": n}) for n, key in enumerate(keys, 4)])
    ended = {}
    for _ in keys:
        item = ctx.queue.claim(run_id=RUN, owner=OWNER, lease_seconds=60)
        assert item is not None
        ended[item.key] = item
    first, second, third = (ended[k] for k in keys)
    ctx.queue.complete(first.id, OWNER, {"status": "已备案", "filing_no": "AMS2026113000017"})
    ctx.audit.append(RUN, OWNER, "item.done", item_key=first.key, details={"status": "已备案"})
    # the two next ones ended in the queue; the database went away before their events
    ctx.queue.complete(second.id, OWNER, {"status": "已备案", "filing_no": "AMS2026113000018"})
    ctx.queue.fail_business(third.id, OWNER, "not_found", "AMS 中查无此账户的开户备案")

    assert record_late_outcomes(ctx) == 2
    late = [e for e in ctx.audit.events(RUN) if e.details.get("recorded_late")]
    assert sorted(e.event for e in late) == ["item.business_error", "item.done"]
    done = next(e for e in late if e.event == "item.done")
    assert done.actor == "run" and done.details["status"] == "已备案" and "filing_no" in done.details
    refused = next(e for e in late if e.event == "item.business_error")
    assert refused.details["code"] == "not_found"
    assert ctx.audit.verify(RUN).ok

    assert record_late_outcomes(ctx) == 0  # a second close (a later resume) adds nothing
