"""What `rpa schedule list` shows: each job's next fires, its last fires and outcomes, its misses,
and every fire that needs a person (however old), with the number `rpa schedule close` takes.
Times are shown in Asia/Shanghai."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rpa.outcomes import fire_label
from rpa.schedule.attention import needing_attention
from rpa.schedule.fires import FireRecord
from rpa.schedule.models import JobSpec, ScheduleFile
from rpa.schedule.shown import local

if TYPE_CHECKING:
    from rpa.schedule.fires import FireTable
    from rpa.schedule.triggers import WorkingDayTrigger

_CALENDARS = {"working_days": "工作日", "every_day": "每天"}


@dataclass(frozen=True)
class JobOverview:
    """One job as `rpa schedule list` shows it."""

    job: JobSpec
    next_fires: list[tuple[datetime, bool]]  # (time, estimated: no calendar, or a provisional one)
    last_fires: list[FireRecord]
    missed: list[FireRecord]
    attention: list[FireRecord] = field(default_factory=list)  # stopped fires, oldest first


def next_fire_times(trigger: WorkingDayTrigger, n: int, after: datetime) -> list[datetime]:
    """The trigger's next `n` fire times strictly after `after`."""
    times: list[datetime] = []
    candidate = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    while candidate is not None and len(times) < n:
        times.append(candidate)
        candidate = trigger.get_next_fire_time(candidate, candidate)
    return times


def describe_jobs(
    schedules: ScheduleFile, triggers: dict[str, WorkingDayTrigger], fires: FireTable, now: datetime, n: int
) -> list[JobOverview]:
    """Every job's next fires, last fires, missed fires and fires that need a person."""
    return [
        JobOverview(
            job=job,
            next_fires=[
                (t, triggers[job.id].is_estimated(t)) for t in next_fire_times(triggers[job.id], n, now)
            ],
            last_fires=fires.last_fires(job.id, n),
            missed=fires.missed(job.id, n),
            attention=needing_attention(fires, job.id),
        )
        for job in schedules.jobs
    ]


def overview_lines(schedules: ScheduleFile, overviews: list[JobOverview]) -> list[str]:
    """Plain text lines, times in each job's timezone; `~` marks a fire on an estimated day."""
    lines: list[str] = []
    for view in overviews:
        job = view.job
        window = schedules.window_for(job)
        shape = [f"流程 {job.flow}", _CALENDARS.get(job.calendar, job.calendar), job.timezone]
        if window is not None:
            shape.append(f"服务时段 {job.service_window} {window.start:%H:%M}-{window.end:%H:%M}")
        if not job.enabled:
            shape.append("已停用")
        lines.append(f"{job.id}（{'，'.join(shape)}）")
        upcoming = [f"{_local(t, job)}{'~' if estimated else ''}" for t, estimated in view.next_fires]
        lines.append(f"  下次：{', '.join(upcoming) or '无'}")
        if any(estimated for _, estimated in view.next_fires):
            lines.append("        ~ 该日不在节假日日历中或只是暂定：请把那一年公布的安排写入 calendar.yaml")
        for index, fire in enumerate(view.last_fires):
            label = "  最近：" if index == 0 else "        "
            run = f" 运行 {fire.run_id}" if fire.run_id else ""
            note = f"（{fire.note}）" if fire.note else ""
            lines.append(f"{label}{_local(fire.planned_at, job)} {fire_label(fire.outcome)}{run}{note}")
        if not view.last_fires:
            lines.append("  最近：无")
        if view.missed:
            lines.append(f"  错过：{', '.join(_local(f.planned_at, job) for f in view.missed)}")
        for fire in view.attention:
            run = f" 运行 {fire.run_id}" if fire.run_id else ""
            when, why = _local(fire.planned_at, job), fire.note or "没有说明"
            lines.append(f"  需要处理：编号 {fire.id} {when} {fire_label(fire.outcome)}{run}（{why}）")
        if view.attention:
            lines.append("        原因解除后自动续跑；或 `rpa schedule trigger 任务` 立即续跑，"
                         "`rpa schedule close 编号` 关闭")
    return lines


def _local(moment: datetime, _job: JobSpec) -> str:
    return f"{local(moment):%Y-%m-%d %H:%M:%S}".removesuffix(":00")
