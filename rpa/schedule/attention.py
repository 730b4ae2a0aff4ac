"""Fires that need a person, and missed fires a later fire takes in.

A fire whose run stopped (exit 3: a refused login, a changed portal, a full disk) stays
`stopped` and is listed by `rpa schedule list` until its run is finished or a person closes it
(`rpa schedule close FIRE`); the scheduler resumes it by itself once a `CauseCheck` says its
cause is cleared (e.g. `rpa operators clear`). While a job has such a fire, its later fires are
recorded `held` instead of starting runs that would stop the same way (or, for a fixed input,
find every row already taken and end "ok, 0 items").

An `Attention` is told whenever a fire needs a person: `log_attention` logs it; the daemon
(`rpa schedule run`) passes `alerting_attention(settings)`, which also sends an alert.

A job with `backfill_param` (report extraction: `date`) takes its `missed` and `held` fires'
dates into its next fire's run: those fires become `backfilled`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from loguru import logger
from sqlalchemy import ColumnElement, and_, select, update

from rpa.db import immediate_transaction
from rpa.errors import UsageError
from rpa.run.runs import RUN_ID_IN_TEXT
from rpa.schedule.fire_rows import NEEDS_ATTENTION, FireOutcome, FireRecord, fires, record_of
from rpa.schedule.fires import FireTable
from rpa.schedule.shown import shown

if TYPE_CHECKING:
    from rpa.settings import Settings

BACKFILL_FROM = (FireOutcome.MISSED, FireOutcome.HELD)


class CauseState(StrEnum):
    """Where a stopped fire's cause stands."""

    WAITING = "waiting"  # not cleared: a person must act
    CLEARED = "cleared"  # resume the run now
    FINISHED = "finished"  # its run was finished by other means (resumed by hand), every item done
    FINISHED_FAILED = "finished_failed"  # the same, with items failed or left for a person


CauseCheck = Callable[[FireRecord], CauseState]


def never_cleared(_fire: FireRecord) -> CauseState:
    """The cause check when none is given: only a person (close, trigger) moves the fire on."""
    return CauseState.WAITING


class Attention(Protocol):
    """Told when a fire needs a person (stopped, failed to start, missed beyond its grace).
    `refusal`: for a fire that failed to start, the refusing runs' own words: a later fire of
    the job refused in the same words (run ids aside) is the same news."""

    def __call__(self, fire: FireRecord, reason: str, *, refusal: str | None = None) -> None: ...


def log_attention(fire: FireRecord, reason: str, *, refusal: str | None = None) -> None:
    """The default: an ERROR line in the daemon's log."""
    logger.bind(job=fire.job_id).error(
        f"需要处理：任务 {fire.job_id} 计划于 {shown(fire.planned_at)} 的这次（编号 {fire.id}）：{reason}"
    )


def alerting_attention(settings: Settings) -> Attention:
    """Log, and send an alert through the channels of alerts.yaml (once per fire within the quiet
    time, and a fire failing to start as its job's last did not again; a failing channel or a bad
    alerts.yaml is logged and never stops the scheduler)."""

    def tell(fire: FireRecord, reason: str, *, refusal: str | None = None) -> None:
        log_attention(fire, reason)
        from rpa.alerts.events import send_quietly
        from rpa.alerts.kinds import fire_needs_attention

        planned = shown(fire.planned_at)
        stopped = fire.outcome in [o.value for o in NEEDS_ATTENTION]  # listed, and closed by a person
        send_quietly(settings, fire_needs_attention(fire.job_id, fire.id, planned, reason, fire.run_id,
                                                    stopped=stopped, subject=_repeat_subject(fire, refusal)))

    return tell


def _repeat_subject(fire: FireRecord, refusal: str | None) -> str | None:
    """A fire that failed to start the way an earlier one of its job did (the same refusal, run
    ids aside: an export the drop folder puts back and takes again at every fire, a setting
    still wrong) is the same alert, told once per quiet time; any other fire is its own (None)."""
    if fire.outcome != FireOutcome.ERROR.value or not refusal:
        return None
    words = RUN_ID_IN_TEXT.sub("<运行>", refusal)
    return f"fire-error:{fire.job_id}:{hashlib.sha256(words.encode()).hexdigest()[:16]}"


def needing_attention(table: FireTable, job_id: str | None = None) -> list[FireRecord]:
    """Stopped fires not yet finished or closed, oldest first (however old)."""
    condition: ColumnElement[bool] = fires.c.outcome.in_([o.value for o in NEEDS_ATTENTION])
    if job_id is not None:
        condition = and_(condition, fires.c.job_id == job_id)
    with table.engine.connect() as conn:
        rows = conn.execute(select(fires).where(condition).order_by(fires.c.planned_at)).mappings().all()
    return [record_of(row) for row in rows]


def close_fire(table: FireTable, fire_id: int, *, by: str, now: datetime) -> FireRecord:
    """A person closes a stopped fire: no longer listed, never resumed. UsageError (Chinese)
    when there is no such fire or it does not need attention."""
    with immediate_transaction(table.engine) as conn:
        row = conn.execute(select(fires).where(fires.c.id == fire_id)).mappings().first()
        if row is None:
            raise UsageError(f"没有编号为 {fire_id} 的触发：`rpa schedule list` 列出需要处理的触发及其编号")
        record = record_of(row)
        if record.outcome not in [o.value for o in NEEDS_ATTENTION]:
            raise UsageError(f"编号 {fire_id} 的触发不需要处理（{record.outcome}），无需关闭")
        note = f"由 {by} 于 {shown(now)} 关闭；原因：{record.note or '未记录'}"
        conn.execute(update(fires).where(fires.c.id == fire_id, fires.c.outcome == record.outcome).values(
            outcome=FireOutcome.CLOSED.value, note=note,
        ))
    return record


def take_missed(table: FireTable, into: FireRecord) -> list[FireRecord]:
    """Mark the job's missed and held fires before `into` as taken in by it; returns them, oldest
    first. Several schedulers: each fire is taken by one (a conditional UPDATE)."""
    note = f"并入 {shown(into.planned_at)} 的那次补跑"
    taken: list[FireRecord] = []
    with immediate_transaction(table.engine) as conn:
        rows = conn.execute(select(fires).where(
            fires.c.job_id == into.job_id, fires.c.planned_at < into.planned_at,
            fires.c.outcome.in_([o.value for o in BACKFILL_FROM]),
        ).order_by(fires.c.planned_at)).mappings().all()
        for record in map(record_of, rows):
            done = conn.execute(
                update(fires).where(fires.c.id == record.id, fires.c.outcome == record.outcome)
                .values(outcome=FireOutcome.BACKFILLED.value, note=note)
            )
            if done.rowcount == 1:
                taken.append(record)
    return taken


def mark_backfilled_run(table: FireTable, taken: list[FireRecord], run_id: str) -> None:
    """Name the run that took the backfilled fires in."""
    with immediate_transaction(table.engine) as conn:
        for record in taken:
            conn.execute(update(fires).where(fires.c.id == record.id).values(run_id=run_id))
