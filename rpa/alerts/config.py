"""alerts.yaml: the channels alerts go out through, one section per channel.

    email:                          # the bank's internal SMTP relay
      host: smtp.bank.internal
      port: 25                      # default 25
      starttls: false               # STARTTLS before anything is sent
      ca_file: /etc/bank/ca.pem     # optional: the CA that signed the relay's certificate
      username: rpa-alerts          # login: optional; the password comes from the environment
      password_env: RPA_ALERT_SMTP_PASSWORD
      sender: rpa@bank.internal
      to: [ops@bank.internal]
    webhook:                        # the IM robot: a JSON POST
      url: https://im.bank.internal/robot/send?key=...
      format: robot                 # {"msgtype": "text", "text": {"content": ...}}; `fields`: plain fields
      max_bytes: 2048               # robot: a longer text goes as several messages, each within it

    quiet_minutes: 240              # the same alert (kind + subject) is not sent again meanwhile
    due_hour: 15                    # `rpa alerts check`: filings due today and not filed from 15:00
    overdue_days: 30                # `rpa alerts check`: overdue filings told for 30 days past the deadline
    calendar_from: "12-01"          # `rpa alerts check`: next year's calendar missing from 1 December

Each channel may also set `attempts` (tries, default 3), `timeout_seconds` (each try, default 10)
and `retry_wait_seconds` (before the second try, doubled each time, default 1). A channel left out
is not used; a file with neither channel is refused. The four times have the defaults shown.

    config = load_alerts_config(settings.alerts_file)     # None: no file, alerts are off
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from rpa.config_files import read_yaml, said
from rpa.errors import ConfigError
from rpa.masking import register_secret

# alerts.yaml's section -> what a person reads
CHANNEL_LABELS = {"email": "邮件", "webhook": "即时通讯机器人"}


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(default=3, ge=1, le=10)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # the wait before the second try; doubled before each later one
    retry_wait_seconds: float = Field(default=1.0, ge=0, le=60)


class EmailConfig(ChannelConfig):
    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    ca_file: Path | None = None  # the bank's own CA (PEM); default: the system's trusted CAs
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[str] = Field(min_length=1)
    password: SecretStr | None = Field(default=None, exclude=True)  # read from `password_env`

    @model_validator(mode="after")
    def _login(self) -> EmailConfig:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("username 和 password_env 须同时填写（登录）或同时省略（不登录）")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise ValueError(f"ca_file {self.ca_file} 不存在或不是文件")
        for address in self.to:
            if "@" not in address or any(c.isspace() for c in address):
                raise ValueError(f"收件人 {address!r} 不是电子邮件地址")
        return self


class WebhookConfig(ChannelConfig):
    url: str = Field(pattern=r"^https?://\S+$")
    format: Literal["robot", "fields"] = "robot"
    # the robot's limit on one text message, in UTF-8 bytes (企业微信 2048, the strictest; 钉钉 20000):
    # a longer alert goes out as several messages, numbered, each within it (`Alert.parts`)
    max_bytes: int = Field(default=2048, ge=512, le=1_000_000)


class AlertsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None
    quiet_minutes: int = Field(default=240, ge=0, le=7 * 24 * 60)
    due_hour: int = Field(default=15, ge=0, le=23)
    overdue_days: int = Field(default=30, ge=1, le=3660)
    calendar_from: str = Field(default="12-01", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")

    @model_validator(mode="after")
    def _some_channel(self) -> AlertsConfig:
        if self.email is None and self.webhook is None:
            raise ValueError("没有任何告警渠道：请填写 email 或 webhook 一节")
        month, day = (int(part) for part in self.calendar_from.split("-"))
        try:
            date(2024, month, day)  # a leap year: 02-29 is a day
        except ValueError:
            raise ValueError(f"calendar_from {self.calendar_from!r} 不是一年中的日期（MM-DD）") from None
        return self


def load_alerts_config(path: Path, environ: dict[str, str] | None = None) -> AlertsConfig | None:
    """The validated file; None when it does not exist (alerts are off); ConfigError naming the
    file and the key otherwise."""
    try:
        data: Any = read_yaml(path)
    except FileNotFoundError:
        return None
    try:
        config = AlertsConfig.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(f"告警配置文件 {path} 有误：{_describe(exc)}（设置 RPA_ALERTS_FILE）") from None
    if config.email is not None and config.email.password_env is not None:
        env = os.environ if environ is None else environ
        password = env.get(config.email.password_env)
        if not password:
            raise ConfigError(
                f"告警配置文件 {path} 的 email.password_env 指向的环境变量 {config.email.password_env} "
                "没有设置：请设置该变量（SMTP 登录密码），或删去 username 和 password_env"
            )
        register_secret(password)
        config.email.password = SecretStr(password)
    return config


def describe_channels(path: Path) -> str:
    """What `rpa doctor` says of alerts.yaml: its channels, or that alerts are off."""
    config = load_alerts_config(path)
    if config is None:
        return f"未配置（{path} 不存在）：无人值守时出错不会通知任何人，请按 alerts.example.yaml 配置"
    names = [CHANNEL_LABELS[name] for name, section in (("email", config.email), ("webhook", config.webhook))
             if section]
    return "、".join(names) + f"；同一告警 {config.quiet_minutes} 分钟内不重发"


def _describe(exc: ValidationError) -> str:
    """The first problem, named by its key path (`email.port`), never by its value."""
    first = exc.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "（整个文件）"
    if first["type"] == "extra_forbidden":
        return f"{where}：不认识的键，请检查拼写"
    if first["type"] in ("model_type", "dict_type"):
        return f"{where}：须是一节键值（如 email: 下的 host: …）"
    if first["type"] == "missing":
        return f"{where}：缺少这一项"
    return f"{where}：{said(first)}"
