"""What the daemon does at each heartbeat, besides beating: look after fires that are not its own.

    caretaker = Caretaker(schedules, fires=fires, runner=runner, causes=causes)
    caretaker.look_after(submit)   # submit(job_id): resume that job's fires in a scheduler thread

It takes over fires whose owner stopped beating (another host killed or cut off: their lease
lapsed), resumes stopped fires whose cause is cleared (`rpa.schedule.attention`), and finishes
those whose run a person finished by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger

from rpa.outcomes import fire_label
from rpa.schedule.attention import CauseCheck, CauseState, needing_attention
from rpa.schedule.fires import FireOutcome, FireRecord, FireTable
from rpa.schedule.models import JobSpec, ScheduleFile
from rpa.schedule.runner import FireRunner
from rpa.schedule.shown import shown


class Caretaker:
    """Takes over, resumes and closes fires at each heartbeat of the daemon."""

    def __init__(self, schedules: ScheduleFile, *, fires: FireTable, runner: FireRunner,
                 causes: CauseCheck) -> None:
        self.schedules = schedules
        self.fires = fires
        self.runner = runner
        self.causes = causes

    def take_over_dead(self) -> list[FireRecord]:
        """Mark fires whose owner is gone (or stopped beating) abandoned; returns them."""
        dead = self.fires.release_dead()
        for record in dead:
            logger.warning(f"任务 {record.job_id}：{shown(record.planned_at)} 的这次的调度进程已不在"
                           f"（{record.owner}），接手续跑")
        return dead

    def look_after(self, submit: Callable[[str], None]) -> None:
        """One round; `submit(job_id)` is called for each job with fires to resume. A failure
        (the database away a moment) is logged and the round tried again at the next beat."""
        try:
            waiting = {record.job_id for record in self.take_over_dead()}
            waiting |= {job.id for job in self._enabled()  # (outside its window: at its next fire)
                        if self.runner.outside_window(job) is None and self.fires.resumable(job.id)}
            for record in needing_attention(self.fires):
                if record.job_id in self.schedules.job_ids() and self._settle(record):
                    waiting.add(record.job_id)
        except Exception:  # the daemon's loop must go on
            logger.exception("调度：检查其他触发时出错，下次心跳再试")
            return
        for job_id in sorted(waiting):
            submit(job_id)

    def resume_job(self, job: JobSpec) -> None:
        """Resume the job's interrupted and abandoned fires, then its stopped ones whose cause
        is cleared."""
        self.runner.resume(job)
        cleared = [r for r in needing_attention(self.fires, job.id) if self.causes(r) is CauseState.CLEARED]
        if cleared:
            self.runner.resume(job, cleared)

    def _settle(self, record: FireRecord) -> bool:
        """Finish a stopped fire whose run is done; True when it is to be resumed."""
        state = self.causes(record)
        if state is CauseState.CLEARED:
            logger.info(f"任务 {record.job_id}：{shown(record.planned_at)} 的那次的停止原因已解除，续跑")
            return True
        if state in (CauseState.FINISHED, CauseState.FINISHED_FAILED):
            outcome = FireOutcome.OK if state is CauseState.FINISHED else FireOutcome.FAILED
            self.fires.finish(record, outcome=outcome, exit_code=record.exit_code,
                              note="其运行已在调度之外续跑完成")
            logger.info(f"任务 {record.job_id}：{shown(record.planned_at)} 的那次的运行已完成："
                        f"{fire_label(outcome)}")
        return False

    def _enabled(self) -> list[JobSpec]:
        return [job for job in self.schedules.jobs if job.enabled]
