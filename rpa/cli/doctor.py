"""`rpa doctor`: check settings, files, Chromium, fonts, database and portals, and say in Chinese
what is wrong and what to do.

    for check in run_checks(settings):
        print(check.line())          # "✓ 配置文件夹：/srv/rpa/config" or "✗ 数据库：... ：请..."

Nothing here changes anything: the database is only connected to, the portals only asked for
their first page, no run is created.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from rpa import _settings_checks as checks
from rpa.errors import RpaError
from rpa.settings import Settings

PORTAL_TIMEOUT_SECONDS = 5
# the State Council publishes next year's holidays each November: from then on, as for the
# calendar-check job (schedules.yaml), a calendar without next year's published schedule is a problem
NEXT_YEAR_FROM_MONTH = 11


@dataclass(frozen=True)
class Check:
    """One thing looked at: what, whether it is fine, and the detail or the advice."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}：{self.detail}"


def _try(name: str, action: Callable[[], str]) -> Check:
    """Run one check: its return value is the detail; our own errors are its problem."""
    try:
        return Check(name, True, action())
    except RpaError as exc:
        return Check(name, False, str(exc))
    except OSError as exc:
        return Check(name, False, f"{exc.strerror or type(exc).__name__}：{exc.filename or ''}")


def resolved_paths(settings: Settings) -> list[Check]:
    """Where each piece of configuration is read from (RPA_HOME, the working directory, the project)."""
    env_file = checks.checked_env_file(checks.configuration_home())
    paths = [
        ("配置来源（RPA_HOME）", checks.configuration_home(), True),
        ("设置文件 .env", env_file or "（无）", True),
        ("配置文件夹 RPA_CONFIG_DIR", settings.config_dir, settings.config_dir.is_dir()),
        ("选择器文件夹 RPA_SELECTORS_DIR", settings.selectors_dir, settings.selectors_dir.is_dir()),
        ("工作日历 RPA_CALENDAR_FILE", _calendar_path(settings.calendar_file), True),
        ("定时任务 RPA_SCHEDULES_FILE", settings.schedules_file, settings.schedules_file.is_file()),
        ("运行文件夹 RPA_RUNS_DIR", settings.runs_dir.resolve(), True),
    ]
    return [
        Check(name, ok, str(path) if ok else f"{path} 不存在：请检查 RPA_HOME 或该设置")
        for name, path, ok in paths
    ]


def _calendar_path(path: Path) -> str:
    """The calendar's path; only the default one can be missing (RPA_CALENDAR_FILE must exist)."""
    return str(path) if path.exists() else f"{path}（不存在：只用 chinesecalendar 自带的节假日）"


def _calendar(settings: Settings, today: date) -> str:
    """The calendar reads, and from November on it has next year's published schedule."""
    from rpa.workdays import WorkCalendar

    calendar = WorkCalendar.load(settings.calendar_file)
    if today.month < NEXT_YEAR_FROM_MONTH:
        return "可读"
    year = today.year + 1
    gap = calendar.year_gap(year)
    if gap is not None:
        raise RpaError(f"工作日历中 {year} 年{gap}：请把公布的节假日和调休上班日写入 "
                       f"{settings.calendar_file}（在此之前，{year} 年的期限和调度都是估计）")
    return f"可读，已有 {year} 年的安排"


def _config_files(settings: Settings, today: date) -> Iterator[Check]:
    from bots.ams.messages import load_message_catalogue
    from bots.ams.setup import required_selectors
    from bots.report_setup import required_selectors as report_selectors

    checked = {"ams": required_selectors, "report_platform": report_selectors}
    from flows.account_filing.aliases import load_aliases
    from flows.account_filing.deadlines import load_deadline_rules
    from flows.report_extraction.flow import SCORECARD_FILE, load_branches
    from flows.report_extraction.scorecard import load_scorecard_config
    from flows.report_extraction.specs import load_spec
    from rpa.alerts.config import describe_channels
    from rpa.browser.selectors import load_selectors
    from rpa.schedule.scheduler import load_schedules

    config = settings.config_dir
    yield _try("表头别名 header_aliases.yaml", lambda: f"{len(load_aliases(config).fields)} 个字段")
    yield _try("报备期限 deadlines.yaml", lambda: f"{len(load_deadline_rules(config).rules)} 条规则")
    yield _try("网点 branches.yaml", lambda: f"{len(load_branches(config))} 个网点")
    yield _try("AMS 提示目录 ams_messages.yaml",  # tester AB: found only by a run, its rows queued
               lambda: f"{len(load_message_catalogue(config).messages)} 条提示")
    yield _try(f"评分 {SCORECARD_FILE}",
               lambda: f"{len(load_scorecard_config(config / SCORECARD_FILE).indicators)} 项指标")
    specs = sorted((config / "specs").glob("*.yaml")) if (config / "specs").is_dir() else []
    def spec_title(path: Path) -> str:
        return load_spec(path.stem, path.parent).title

    def page_count(portal: str) -> str:
        selectors = load_selectors(portal, settings.selectors_dir)
        if portal in checked:  # every element the bot uses (tester AB: a misspelt key passed)
            checked[portal](selectors)
        return f"{len(selectors.pages)} 个页面"

    for spec in specs:
        yield _try(f"抽取规则 specs/{spec.name}", partial(spec_title, spec))
    for portal in ("ams", "report_platform", "enterprise_check"):
        yield _try(f"选择器 {portal}.yaml", partial(page_count, portal))
    yield _try("工作日历", lambda: _calendar(settings, today))
    yield _try("定时任务", lambda: f"{len(load_schedules(settings.schedules_file).jobs)} 个任务")
    yield _try("告警 alerts.yaml", lambda: describe_channels(settings.alerts_file))


def _chromium(settings: Settings) -> str:
    path = settings.chromium_executable()
    done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20, check=False)
    return f"{path}（{done.stdout.strip() or '版本未知'}）"


def _fonts() -> str:
    if shutil.which("fc-list") is None:
        return "无法检查（没有 fc-list）"
    done = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False
    )
    families = sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})
    if not families:
        raise RpaError("没有中文字体，截图和报告中的汉字会显示为方块：请安装 fonts-wqy-microhei")
    return "、".join(families[:3])


def _database(settings: Settings) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from rpa.db import engine_for, sqlite_file_missing

    url = make_url(settings.database_url_resolved)
    shown = url.render_as_string(hide_password=True)
    if sqlite_file_missing(settings.database_url_resolved):
        return f"{shown}（尚未创建：第一次运行时创建）"
    try:
        with engine_for(settings.database_url_resolved).connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise RpaError(
            f"无法连接 {shown}（{type(exc).__name__}）：请检查 RPA_DATABASE_URL 和数据库服务"
        ) from None
    return shown


def _audit_record(settings: Settings) -> str:
    """The audit key answers to the records the database holds, and the ledger copy is this
    database's: a run would be refused otherwise (`rpa.run.orchestrate.open_run`)."""
    from sqlalchemy.exc import SQLAlchemyError

    from rpa.audit.fitness import record_unfit
    from rpa.audit.log import AuditLog
    from rpa.audit_key import holds_audit_records

    try:
        if not holds_audit_records(settings.database_url_resolved):
            return f"尚无审计记录（{settings.audit_key_source()}：没有时在第一次运行时生成）"
        unfit = record_unfit(AuditLog.from_settings(settings, create_key=False), settings.audit_key_source())
    except SQLAlchemyError:
        raise RpaError("无法读取数据库中的审计记录：见上面“数据库”一项") from None
    if unfit is not None:
        raise RpaError(unfit)
    return f"密钥与数据库中的记录相符；账本副本 {settings.ledger_path()}"


def _runs_dir(settings: Settings) -> str:
    folder = settings.runs_dir
    probe_parent = folder if folder.exists() else folder.parent
    if not probe_parent.exists():
        raise RpaError(f"{probe_parent} 不存在：请先创建，或修改 RPA_RUNS_DIR")
    usage = shutil.disk_usage(probe_parent)
    free_mb = usage.free // (1024 * 1024)
    if free_mb < 500:
        raise RpaError(f"{probe_parent} 所在磁盘只剩 {free_mb} MB：请腾出空间（运行需要截图和报告）")
    probe = probe_parent / ".rpa-doctor-probe"
    probe.write_text("ok", encoding="utf-8")
    probe.unlink()
    return f"{folder.resolve()}（可写，剩余 {free_mb} MB）"


def _why_unreachable(reason: object) -> str:
    """The usual connection failures in Chinese; anything else as the system words it."""
    if isinstance(reason, ConnectionRefusedError):
        return "连接被拒绝：该地址上没有服务在运行"
    if isinstance(reason, TimeoutError):
        return f"{PORTAL_TIMEOUT_SECONDS} 秒内没有应答"
    if isinstance(reason, socket.gaierror):
        return "主机名无法解析"
    return str(reason)


def _portal(url: str, operators: int, setting: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=PORTAL_TIMEOUT_SECONDS) as answer:
            status = answer.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError, ValueError) as exc:
        why = _why_unreachable(getattr(exc, "reason", exc))
        raise RpaError(f"{url} 无法访问（{why}）：请检查 {setting}、网络和代理") from None
    if status >= 500:
        raise RpaError(f"{url} 回应了服务器错误（HTTP {status}）：门户可能故障，请联系门户运维后再试")
    if operators == 0:
        raise RpaError(
            f"{url} 可访问（HTTP {status}），但没有配置操作员：请设置 {setting.replace('URL', 'OPERATORS')}"
        )
    return f"{url} 可访问（HTTP {status}），{operators} 个操作员"


def run_checks(settings: Settings, today: date | None = None) -> list[Check]:
    """Every check, in the order a person would fix them (`today`: in RPA_TIMEZONE by default)."""
    from zoneinfo import ZoneInfo

    today = today or datetime.now(ZoneInfo(settings.timezone)).date()
    results = resolved_paths(settings)
    results += list(_config_files(settings, today))
    results.append(_try("运行文件夹", lambda: _runs_dir(settings)))
    results.append(_try("数据库", lambda: _database(settings)))
    results.append(_try("审计密钥和运行账本", lambda: _audit_record(settings)))
    results.append(_try("Chromium 浏览器", lambda: _chromium(settings)))
    results.append(_try("中文字体", _fonts))
    portals = (("AMS 门户", settings.ams_url, settings.ams_operators, "RPA_AMS_URL"),
               ("报表平台", settings.reports_url, settings.reports_operators, "RPA_REPORTS_URL"),
               ("企业信息联网核查系统", settings.check_url, settings.check_operators, "RPA_CHECK_URL"))
    for name, url, operators, setting in portals:
        results.append(_try(name, partial(_portal, url, len(operators), setting)))
    return results
