"""CLI commands `rpa alerts test|check`: the alert channels of alerts.yaml (rpa.alerts).

    rpa alerts test        # one test alert through every channel, quiet time ignored
    rpa alerts check       # for a cron job or systemd timer: filings due today and not filed after
                           # alerts.yaml's due_hour, filings overdue, next year's calendar missing

Exit codes: 0 nothing to tell (check) or every channel reached (test); 1 something was found
(check; sent, or already sent within the quiet time) or a channel failed; 2 no or a bad alerts.yaml.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from rpa.cli.common import app, command_group, handles_errors, settings
from rpa.errors import ConfigError

if TYPE_CHECKING:
    from rpa.alerts.config import AlertsConfig
    from rpa.alerts.send import Delivery
    from rpa.settings import Settings

alerts_app = command_group(
    help="告警：邮件和即时通讯机器人（alerts.yaml）。\n\nAlerts by e-mail and IM robot webhooks.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")


def _config(cfg: Settings) -> AlertsConfig:
    from rpa.alerts.config import load_alerts_config

    config = load_alerts_config(cfg.alerts_file)
    if config is None:
        raise ConfigError(
            f"告警配置文件 {cfg.alerts_file} 不存在：请按 README 的“告警”一节写好 email/webhook 渠道，"
            "或用 RPA_ALERTS_FILE 指向它"
        )
    return config


def _show(delivery: Delivery) -> bool:
    """Print what became of one alert; True when it reached every channel (or was quiet)."""
    from rpa.alerts.config import CHANNEL_LABELS

    alert = delivery.alert
    if delivery.quiet:
        typer.echo(f"{alert.title}：静默时间内已发送过，本次不再发送")
        return True
    for name in delivery.sent:
        typer.echo(f"{alert.title}：已经{CHANNEL_LABELS[name]}发出")
    for name, why in delivery.failed.items():
        typer.echo(f"{alert.title}：经{CHANNEL_LABELS[name]}发送失败：{why}", err=True)
    return not delivery.failed


@alerts_app.command("test")
@handles_errors
def alerts_test() -> None:
    """经每个渠道发送一条测试告警（不受静默时间限制）。

    Send one test alert through every channel (the quiet time does not apply)."""
    from rpa.alerts.kinds import Alert, AlertKind
    from rpa.alerts.send import send_alert

    cfg = settings()
    config = _config(cfg)
    alert = Alert(AlertKind.TEST, "test", "这是一条测试告警：收到即说明告警渠道可用，无需处理")
    ok = _show(send_alert(cfg, alert, honour_quiet=False, config=config))
    raise typer.Exit(0 if ok else 1)


@alerts_app.command("check")
@handles_errors
def alerts_check(
    at: Annotated[str | None, typer.Option(hidden=True, help="ISO time to judge at (tests).")] = None,
) -> None:
    """检查今日到期未完成和已超期的备案、明年工作日历是否缺失，需要时告警（供 cron/systemd 定时器调用）。

    Check for filings due today and not filed, overdue filings and next year's calendar missing;
    alert when found (for a cron job or systemd timer)."""
    from rpa.alerts.due import due_alerts
    from rpa.alerts.send import send_alert

    cfg = settings()
    config = _config(cfg)
    now = _when(at, cfg)
    _refuse_without_queue(cfg)
    found = due_alerts(cfg, config, now)
    if not found:
        typer.echo("没有需要告警的事项")
        raise typer.Exit(0)
    for alert in found:
        typer.echo(alert.line)
        _show(send_alert(cfg, alert, config=config))
    raise typer.Exit(1)


def _refuse_without_queue(cfg: Settings) -> None:
    """No queue to read is never "nothing due": a SQLite queue whose file is not there (a wrong
    RPA_RUNS_DIR or RPA_DATABASE_URL, a timer started in another working directory) is exit 2,
    and no empty database is made in its place."""
    from sqlalchemy.engine import make_url

    from rpa.db import sqlite_file_missing

    if not sqlite_file_missing(cfg.database_url_resolved):
        return
    where = Path(str(make_url(cfg.database_url_resolved).database)).resolve()
    setting = "RPA_DATABASE_URL" if cfg.database_url else "RPA_RUNS_DIR"
    raise ConfigError(f"队列数据库 {where} 不存在，无从检查报备期限：请检查 {setting} 和定时任务的工作目录"
                      "（相对路径按工作目录算）")


def _when(at: str | None, cfg: Settings) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise ConfigError(f"--at {at!r} 不是 ISO 时间（如 2026-12-03T16:00+08:00）") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo(cfg.timezone))
