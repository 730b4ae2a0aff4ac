"""schedules.yaml as validated models; every error names the job and the field.

    timezone: Asia/Shanghai                 # jobs that name none use this
    service_windows:
      ams: from_settings                    # RPA_AMS_SERVICE_WINDOW, which 确认提交 checks too
      other: {start: "08:30", end: "17:00"} # a run does not start outside its window
    jobs:
      - id: account-filing
        flow: account-filing
        cron: {minute: "0,30", hour: "8-16"}
        calendar: working_days              # or every_day
        service_window: ams
        misfire_grace_seconds: 600
        allow_overlap: false
        drop_folder: {path: inbox/account-filing, param: input}
        backfill_param: date                # (with params: {date: ...}) missed days run next time

Cron fields are APScheduler 3's (`day_of_week` counts mon=0 .. sun=6; prefer names). The cron
expressions themselves are checked by `rpa.schedule.triggers.load_schedules`: only that module and
rpa.schedule.scheduler know APScheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rpa.config_files import read_yaml, said
from rpa.errors import ConfigError
from rpa.schedule.dates import expressions_in, is_known_expression, misplaced_ranges
from rpa.settings import parse_window

FIX = "，请改正后重试"
# a window written `from_settings` is the portal's setting (only AMS has one: RPA_AMS_SERVICE_WINDOW)
FROM_SETTINGS = "from_settings"
CRON_FIELDS = ("year", "month", "day", "week", "day_of_week", "hour", "minute", "second")
CronValue = str | int
APPROVAL_FLOW = "account-filing"  # the one flow whose rows can wait for a checker (rpa.approvals)


class ServiceWindow(BaseModel):
    """Hours of a portal's service, in the job's timezone: start <= time < end."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        # unquoted 8:30 is a base-60 integer to YAML 1.1 (510), which would read as 00:08:30
        if not isinstance(value, str | time):
            raise ValueError('时间请写成带引号的 "HH:MM"')
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ServiceWindow:
        if self.end <= self.start:
            raise ValueError("end 须晚于 start")
        return self

    def contains(self, moment: time) -> bool:
        return self.start <= moment.replace(tzinfo=None) < self.end


class CronFields(BaseModel):
    """APScheduler cron fields; fields left out follow APScheduler's rules (smaller ones = minimum)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: CronValue | None = None
    month: CronValue | None = None
    day: CronValue | None = None
    week: CronValue | None = None
    day_of_week: CronValue | None = None
    hour: CronValue | None = None
    minute: CronValue | None = None
    second: CronValue | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CronFields:
        if not self.model_dump(exclude_none=True):
            raise ValueError("至少写一个字段（空的 cron 会每秒触发）")
        return self

    def as_kwargs(self) -> dict[str, str]:
        return {name: str(value) for name, value in self.model_dump().items() if value is not None}


class DropFolderSpec(BaseModel):
    """New files in `path` are taken one per run and passed as the parameter `param`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="relative paths are under the runs folder (RPA_RUNS_DIR)")
    taken: Path | None = Field(default=None, description="where taken files go; default <path>/taken")
    param: str = "input"
    patterns: tuple[str, ...] = ("*.xlsx", "*.xls", "*.csv")
    settle_seconds: float = Field(default=10.0, ge=0, description="younger files may still be copying")


class JobSpec(BaseModel):
    """One scheduled job."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    flow: str
    description: str = ""
    params: dict[str, Any] = Field(default_factory=dict)
    cron: CronFields
    timezone: str = "Asia/Shanghai"
    calendar: Literal["working_days", "every_day"] = "working_days"
    service_window: str | None = None
    misfire_grace_seconds: int = Field(default=600, ge=1)
    allow_overlap: bool = False
    enabled: bool = True
    drop_folder: DropFolderSpec | None = None
    # maker-checker: each row the run would file waits for a checker (rpa approvals); the run's
    # maker is `schedule:<id>`, so any named checker may approve it
    approval: bool = False
    # a parameter taking several values (report extraction's `date`): the values of the job's
    # missed fires are added to it at its next fire, so the missed days are extracted then
    backfill_param: str | None = None

    @model_validator(mode="after")
    def _backfill_is_a_param(self) -> JobSpec:
        if self.backfill_param is not None and self.backfill_param not in self.params:
            raise ValueError(f"backfill_param：{self.backfill_param!r} 不是该任务 params 中的参数")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"时区 {value!r} 不存在，例如应写 Asia/Shanghai") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ScheduleFile(BaseModel):
    """The whole file: named service windows and the jobs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "Asia/Shanghai"
    # None: no window (a setting of "always"); `from_settings` is resolved by parse_schedule_data
    service_windows: dict[str, ServiceWindow | None] = Field(default_factory=dict)
    jobs: tuple[JobSpec, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _default_timezone(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("jobs"), list):
            zone = data.get("timezone", "Asia/Shanghai")
            data = {**data, "jobs": [_with_zone(job, zone) for job in data["jobs"]]}
        return data

    def job(self, job_id: str) -> JobSpec:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise ConfigError(f"schedules.yaml 中没有任务 {job_id!r}：已有 {'、'.join(self.job_ids())}")

    def job_ids(self) -> list[str]:
        return [job.id for job in self.jobs]

    def window_for(self, job: JobSpec) -> ServiceWindow | None:
        return self.service_windows[job.service_window] if job.service_window else None


def _with_zone(job: Any, zone: Any) -> Any:
    if isinstance(job, dict) and "timezone" not in job:
        return {**job, "timezone": zone}
    return job


def parse_schedule_data(
    data: Any,
    *,
    source: str,
    known_flows: set[str],
    setting_windows: Mapping[str, ServiceWindow | None] | None = None,
) -> ScheduleFile:
    """Validate loaded YAML into a ScheduleFile, or raise ConfigError naming job and field.
    A window written `from_settings` becomes `setting_windows[name]` (None: no window)."""
    data = _windows_from_settings(data, source, setting_windows or {})
    try:
        schedules = ScheduleFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(f"{source}：{_describe(exc, data)}{FIX}") from None
    seen: set[str] = set()
    for job in schedules.jobs:
        where = f"{source}：任务 {job.id!r} 的"
        if job.id in seen:
            raise ConfigError(f"{where} id：这个 id 已被另一个任务使用{FIX}")
        seen.add(job.id)
        if job.flow not in known_flows:
            known = ", ".join(sorted(known_flows))
            raise ConfigError(f"{where} flow：没有流程 {job.flow!r}（已有：{known}）{FIX}")
        if job.approval and job.flow != APPROVAL_FLOW:
            raise ConfigError(f"{where} approval：只有 {APPROVAL_FLOW} 任务可以等待复核{FIX}")
        if job.service_window and job.service_window not in schedules.service_windows:
            raise ConfigError(f"{where} service_window：没有名为 {job.service_window!r} 的时段{FIX}")
        for key, value in job.params.items():
            unknown = [name for name in expressions_in(value) if not is_known_expression(name)]
            if unknown:
                raise ConfigError(f"{where} params.{key}：不认识的日期表达式 {{{unknown[0]}}}{FIX}")
            misplaced = misplaced_ranges(value)
            if misplaced:
                raise ConfigError(f"{where} params.{key}：范围 {{{misplaced[0]}}} 须是整个取值{FIX}")
    return schedules


def _windows_from_settings(
    data: Any, source: str, setting_windows: Mapping[str, ServiceWindow | None]
) -> Any:
    windows = data.get("service_windows") if isinstance(data, dict) else None
    if not isinstance(windows, dict):
        return data
    resolved = dict(windows)
    for name, window in windows.items():
        if window != FROM_SETTINGS:
            continue
        if name not in setting_windows:
            known = "、".join(sorted(setting_windows)) or "无"
            raise ConfigError(f"{source}：service_windows.{name}：没有设置提供名为 {name!r} 的时段"
                              f"（来自设置的时段：{known}）{FIX}")
        found = setting_windows[name]
        resolved[name] = None if found is None else found.model_dump()
    return {**data, "service_windows": resolved}


def read_schedule_yaml(path: Path) -> Any:
    try:
        return read_yaml(path)
    except OSError as exc:
        raise ConfigError(f"无法读取调度文件 {path}（{exc.strerror}）：请检查路径和权限") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"调度文件 {path} 不是有效的 YAML（{exc}）{FIX}") from None


def _describe(exc: ValidationError, data: Any) -> str:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        prefix = ""
        if len(loc) >= 2 and loc[0] == "jobs" and isinstance(loc[1], int):
            prefix = f"任务 {_job_label(data, loc[1])} 的 "
            loc = loc[2:]
        field = ".".join(str(part) for part in loc) or "（任务本身）"
        problems.append(f"{prefix}{field}：{said(err)}")
    return "；".join(problems)


def _job_label(data: Any, index: int) -> str:
    try:
        job_id = data["jobs"][index]["id"]
    except (KeyError, IndexError, TypeError):
        job_id = None
    return repr(job_id) if isinstance(job_id, str) else f"#{index + 1}（没有 id）"


def window_setting(value: str) -> ServiceWindow | None:
    """The window a setting such as RPA_AMS_SERVICE_WINDOW names; None for `always`."""
    hours = parse_window(value)
    return None if hours is None else ServiceWindow(start=hours[0], end=hours[1])
