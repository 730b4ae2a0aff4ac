"""What one fire does, whoever timed it (APScheduler, the catch-up at start, a person).

A fire: honour the stop request and the portal's service window, claim the (job, planned time)
row, then launch the run (for a drop-folder job one run per new file, each file taken just before
its run), and record how it ended. Interrupted or abandoned fires are resumed with the run id
they had. Everything here is free of APScheduler: `rpa.schedule.scheduler` only times the calls.

The launcher gets the resolved parameters plus two reserved keys: `run_id` (the id the run must
use; for a drop-folder file the same id names the taken file) and, when resuming, `resume: True`
(continue run `run_id` if it exists, else start it under that id).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from rpa.errors import UsageError
from rpa.masking import scrub_text
from rpa.outcomes import fire_label
from rpa.schedule.attention import (
    Attention,
    log_attention,
    mark_backfilled_run,
    needing_attention,
    take_missed,
)
from rpa.schedule.dates import resolve_params
from rpa.schedule.drop import DropFolder, TakenFile
from rpa.schedule.fires import ClaimOutcome, FireOutcome, FireRecord, FireTable
from rpa.schedule.models import JobSpec, ScheduleFile
from rpa.schedule.shown import local, shown

if TYPE_CHECKING:
    from rpa.workdays import WorkCalendar

RUN_ID_PARAM = "run_id"
RESUME_PARAM = "resume"
# worst first: the fire's outcome is the worst of its runs'
_SEVERITY = [
    FireOutcome.INTERRUPTED, FireOutcome.ERROR, FireOutcome.STOPPED, FireOutcome.FAILED, FireOutcome.OK,
]

# where a fire came from, as the log says it
_SOURCES = {"schedule": "按计划", "manual": "手动触发", "catch_up": "补跑"}


@dataclass(frozen=True)
class LaunchResult:
    """What a launch reports: the run it made (if any), its exit code, a short note. `resumable`:
    the run stopped for a reason that passes by itself (the portal's service window closed), so
    the fire is resumed, inside the window, before the job's next fire. `stop_code`: why it
    stopped otherwise, which the scheduler's cause check reads to resume the fire once cleared."""

    run_id: str | None
    exit_code: int
    note: str = ""
    resumable: bool = False
    stop_code: str | None = None  # why a run stopped (exit 3), e.g. operators_refused


Launcher = Callable[[JobSpec, datetime, dict[str, Any]], LaunchResult]
RunIdFactory = Callable[[JobSpec], str]


def trigger_label(job_id: str, planned: datetime) -> str:
    """The `trigger` a scheduled run records in run.json (the planned time in Asia/Shanghai)."""
    return f"schedule:{job_id}@{local(planned).isoformat()}"


class FireRunner:
    """Runs fires through the fire table; shared by the timed path, catch-up and manual triggers."""

    def __init__(
        self,
        schedules: ScheduleFile,
        *,
        fires: FireTable,
        drops: DropFolder,
        calendar: WorkCalendar,
        launcher: Launcher,
        stop_event: threading.Event,
        clock: Callable[[], datetime],
        runs_dir: Path,
        run_ids: RunIdFactory,
        attention: Attention = log_attention,
    ) -> None:
        self.schedules = schedules
        self.attention = attention
        self.fires = fires
        self.drops = drops
        self.calendar = calendar
        self.launcher = launcher
        self.stop_event = stop_event
        self.clock = clock
        self.runs_dir = runs_dir
        self.run_ids = run_ids

    def outside_window(self, job: JobSpec) -> str | None:
        """Why a run of `job` may not start now, or None when it may."""
        window = self.schedules.window_for(job)
        now = self.clock().astimezone(job.zone)
        if window is None or window.contains(now.time()):
            return None
        return (f"{now:%H:%M} 不在 {job.service_window} 的服务时段 "
                f"{window.start:%H:%M}-{window.end:%H:%M} 内")

    def run_fire(
        self, job: JobSpec, planned: datetime, *, source: str, ignore_window: bool = False
    ) -> tuple[ClaimOutcome | FireOutcome | None, FireRecord | None]:
        """Claim and run one fire. Returns what happened and the fire's row (None if not ours)."""
        log = logger.bind(job=job.id)
        if self.stop_event.is_set():
            return None, None
        why_not = None if ignore_window else self.outside_window(job)
        if why_not is not None:
            self.fires.record(job.id, planned, FireOutcome.SKIPPED_WINDOW, source=source, note=why_not)
            log.warning(f"任务 {job.id}：{shown(planned)} 的这次没有启动：{why_not}")
            return FireOutcome.SKIPPED_WINDOW, self.fires.get(job.id, planned)
        stopped = needing_attention(self.fires, job.id)
        if stopped:
            note = (f"{shown(stopped[0].planned_at)} 的那次（编号 {stopped[0].id}）已停止，需要处理："
                    "原因解除后自动续跑，或 `rpa schedule close 编号` 关闭")
            if self.fires.record(job.id, planned, FireOutcome.HELD, source=source, note=note):
                log.warning(f"任务 {job.id}：{shown(planned)} 的这次暂不启动：{note}")
            return FireOutcome.HELD, self.fires.get(job.id, planned)
        params = resolve_params(job.params, now=planned.astimezone(job.zone), calendar=self.calendar)
        claim, record = self.fires.claim(
            job.id, planned, source=source, exclusive=not job.allow_overlap, params=params
        )
        if claim is ClaimOutcome.TAKEN:
            log.debug(f"任务 {job.id}：{shown(planned)} 的这次已由别的调度进程接手")
            return claim, None
        if claim is ClaimOutcome.OVERLAP:
            blocking = shown(record.planned_at) if record else "?"
            log.warning(f"任务 {job.id}：跳过 {shown(planned)} 的这次：{blocking} 的那次仍在运行")
            return claim, self.fires.get(job.id, planned)
        assert record is not None
        log.info(f"任务 {job.id}：{shown(planned)} 的这次开始（{_SOURCES.get(source, source)}）")
        backfilled = take_missed(self.fires, record) if job.backfill_param else []
        if backfilled:
            params = self._with_backfill(job, params, backfilled)
        results = self._launch_all(job, record, params)
        if backfilled and results and results[-1].run_id:
            mark_backfilled_run(self.fires, backfilled, results[-1].run_id)
        outcome = self._finish(job, record, results)
        return outcome, self.fires.get(job.id, planned)

    def _with_backfill(self, job: JobSpec, params: dict[str, Any], taken: list[FireRecord]) -> dict[str, Any]:
        """`params` with the missed fires' values of the job's backfill parameter added (sorted)."""
        name = job.backfill_param
        assert name is not None
        values: list[Any] = []
        for fire in [*taken, None]:
            resolved = params if fire is None else resolve_params(
                job.params, now=fire.planned_at.astimezone(job.zone), calendar=self.calendar
            )
            value = resolved.get(name)
            for one in value if isinstance(value, list) else [value]:
                if one is not None and one not in values:
                    values.append(one)
        merged = sorted(values, key=str)
        logger.bind(job=job.id).warning(
            f"任务 {job.id}：补跑错过的 {len(taken)} 次（{'、'.join(shown(f.planned_at) for f in taken)}）："
            f"{name} = {'、'.join(map(str, merged))}"
        )
        return {**params, name: merged if len(merged) > 1 else merged[0]}

    def drop_dirs(self, job: JobSpec) -> tuple[Path, Path] | None:
        """The job's drop folder and where its taken files go, or None for a job without one."""
        spec = job.drop_folder
        if spec is None:
            return None
        drop_dir = self._under_runs(spec.path)
        return drop_dir, self._under_runs(spec.taken) if spec.taken else drop_dir / "taken"

    def _launch_all(self, job: JobSpec, record: FireRecord, params: dict[str, Any]) -> list[LaunchResult]:
        spec, folders = job.drop_folder, self.drop_dirs(job)
        if spec is None or folders is None:
            return [self._launch(job, record, {**params, RUN_ID_PARAM: self.run_ids(job)})]
        drop_dir, taken_dir = folders
        results: list[LaunchResult] = []
        put_back: set[str] = set()  # files a refused run returned: not taken again in this fire
        while not self.stop_event.is_set():
            taken = self.drops.take_new_files(
                drop_dir, taken_dir, run_id_for=lambda _path: self.run_ids(job), limit=1,
                patterns=spec.patterns, settle_seconds=spec.settle_seconds, passed_over=put_back,
            )
            if not taken:
                break
            run_params = {**params, spec.param: str(taken[0].path), RUN_ID_PARAM: taken[0].run_id}
            result = self._launch(job, record, run_params)
            if result.exit_code == 2 and self.drops.put_back(taken[0], drop_dir) is not None:
                put_back.add(taken[0].sha256)  # refused before queuing a row: the export waits
                result = replace(result, note=_join(_as_dropped(result.note, taken[0]), (
                    f"{scrub_text(taken[0].original_name)} 没有报备任何一行，已放回投放文件夹，"
                    "改正上面的问题后下次触发时重新取走（文件本身有误时请把它移出投放文件夹）")))
            results.append(result)
            if result.exit_code == 3:
                break  # run-fatal (login refused, portal changed): more runs would fail the same way
        return results

    def _launch(self, job: JobSpec, record: FireRecord, params: dict[str, Any]) -> LaunchResult:
        run_id = str(params[RUN_ID_PARAM])
        self.fires.set_launch(record, run_id=run_id, params=params)
        try:
            result = self.launcher(job, record.planned_at.astimezone(job.zone), params)
        except Exception as exc:  # the daemon's edge: any failure is this fire's outcome, the rest go on
            if isinstance(exc, UsageError):  # bad input or setting: its own Chinese line says it all
                logger.error(f"任务 {job.id}：运行 {run_id} 启动失败：{scrub_text(exc.message)}")
            else:
                logger.exception(f"任务 {job.id}：运行 {run_id} 启动失败")
            return LaunchResult(run_id=run_id, exit_code=2, note=scrub_text(f"{type(exc).__name__}: {exc}"))
        if result.run_id and result.run_id != run_id:
            self.fires.set_launch(record, run_id=result.run_id, params=params)
        return result

    def _finish(self, job: JobSpec, record: FireRecord, results: list[LaunchResult]) -> FireOutcome:
        stop_code, outcomes = None, [self._outcome_of(result) for result in results]
        if not results:
            outcome, exit_code, note = FireOutcome.NO_INPUT, None, "投放文件夹中没有新文件"
        else:
            outcome = min(outcomes, key=_SEVERITY.index)
            exit_code = max(result.exit_code for result in results)
            note = "；".join(result.note for result in results if result.note)
            if len(results) > 1:  # one run per export taken: each run's own outcome, not only the worst
                note = "；".join(_each_run(r, o) for r, o in zip(results, outcomes, strict=True))
            stop_code = next((r.stop_code for r in results if r.stop_code), None)
        self.fires.finish(record, outcome=outcome, exit_code=exit_code, note=note, stop_code=stop_code)
        said = f"任务 {job.id}：{shown(record.planned_at)} 的这次结束：{fire_label(outcome)}"
        logger.bind(job=job.id).info(f"{said}（退出码 {exit_code}）" if exit_code is not None else said)
        if outcome in (FireOutcome.STOPPED, FireOutcome.ERROR):
            ended = replace(record, outcome=outcome.value, exit_code=exit_code, note=note)
            refusal = "；".join(r.note or "没有说明" for r, o in zip(results, outcomes, strict=True)
                               if o is FireOutcome.ERROR)
            self.attention(ended, f"{fire_label(outcome)}：{note or '没有说明'}", refusal=refusal or None)
        return outcome

    def _outcome_of(self, result: LaunchResult) -> FireOutcome:
        if result.exit_code == 0:
            return FireOutcome.OK
        if self.stop_event.is_set() or (result.exit_code == 3 and result.resumable):
            return FireOutcome.INTERRUPTED
        return {1: FireOutcome.FAILED, 2: FireOutcome.ERROR}.get(result.exit_code, FireOutcome.STOPPED)

    def resume(self, job: JobSpec, records: list[FireRecord] | None = None) -> list[FireRecord]:
        """Resume the job's interrupted and abandoned fires (or `records`, e.g. stopped fires whose
        cause is cleared), oldest first, with their run ids."""
        resumed: list[FireRecord] = []
        for record in self.fires.resumable(job.id) if records is None else records:
            why_not = self.outside_window(job)
            if self.stop_event.is_set() or why_not is not None:
                if why_not:
                    logger.info(f"任务 {job.id}：{shown(record.planned_at)} 的这次等待续跑：{why_not}")
                break
            if not self.fires.reclaim(record, exclusive=not job.allow_overlap):
                continue
            params = dict(record.params or {})
            was = fire_label(record.outcome)
            logger.info(f"任务 {job.id}：续跑 {shown(record.planned_at)} 的这次（{was}）")
            result = self._launch(job, record, {**params, RESUME_PARAM: True})
            self._finish(job, record, [result])
            final = self.fires.get(job.id, record.planned_at)
            if final is not None:
                resumed.append(final)
        return resumed

    def _under_runs(self, path: Path) -> Path:
        return path if path.is_absolute() else self.runs_dir / path


def _as_dropped(note: str, taken: TakenFile) -> str:
    """A refusal's words naming the file as it was dropped (and is again), not the taken copy
    (`<run id>-<name>`), which no longer exists once the file is put back."""
    for copy, dropped in ((taken.path.name, taken.original_name),
                          (scrub_text(taken.path.name), scrub_text(taken.original_name))):
        note = note.replace(copy, dropped)
    return note


def _each_run(result: LaunchResult, outcome: FireOutcome) -> str:
    """One run of a fire that took several exports, with its own outcome and words."""
    words = f"（{result.note}）" if result.note else ""
    return f"运行 {result.run_id or '未建立'}：{fire_label(outcome.value)}{words}"


def _join(*notes: str) -> str:
    return "；".join(note for note in notes if note)
