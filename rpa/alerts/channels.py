"""The channels an alert goes out through: e-mail (smtplib) and a webhook (httpx JSON POST).

    channel = EmailChannel(config.email)
    channel.send(alert)         # ChannelFailed (an ApplicationError) when it did not go out

Each channel tries once per call; `rpa.alerts.send` retries, bounded by the channel's `attempts`.
An IM robot takes text messages up to a size (`max_bytes`): a longer alert goes as several
numbered messages (`Alert.parts`), and a retry sends only those that did not go out yet. E-mail
and the `fields` format carry the whole text in one.
A failure's words are the library's, scrubbed: never the password, never the webhook's key.
"""

from __future__ import annotations

import smtplib
import ssl
from abc import ABC, abstractmethod
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

import httpx

from rpa.alerts.config import CHANNEL_LABELS, AlertsConfig, ChannelConfig, EmailConfig, WebhookConfig
from rpa.alerts.kinds import Alert
from rpa.errors import ApplicationError
from rpa.masking import scrub_text


class ChannelFailed(ApplicationError):
    """An alert did not go out through a channel (refused, unreachable, timed out)."""

    code = "alert_channel_failed"


class Channel(ABC):
    name: str  # as alerts.yaml names the section
    label: str  # what a person reads
    config: ChannelConfig

    @abstractmethod
    def send(self, alert: Alert) -> None:
        """Send once; ChannelFailed saying why when it did not go out."""


class EmailChannel(Channel):
    name = "email"
    label = CHANNEL_LABELS[name]
    config: EmailConfig

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = alert.title + (f" {alert.run_id}" if alert.run_id else "")
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(self.config.to)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.config.sender.rsplit("@", 1)[1])
        msg.set_content(alert.text(), charset="utf-8")
        return msg

    def send(self, alert: Alert) -> None:
        config = self.config
        where = f"{config.host}:{config.port}"
        try:
            with smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds) as smtp:
                if config.starttls:
                    smtp.starttls(context=ssl.create_default_context(
                        cafile=str(config.ca_file) if config.ca_file else None))
                if config.username is not None and config.password is not None:
                    smtp.login(config.username, config.password.get_secret_value())
                refused = smtp.send_message(self.message(alert))
        except smtplib.SMTPException as exc:
            raise ChannelFailed(f"邮件服务器 {where} {_smtp_words(exc)}") from None
        except OSError as exc:  # refused connection, no route, timeout, TLS handshake
            raise ChannelFailed(f"无法连接邮件服务器 {where}（{_network_words(exc)}）") from None
        if refused:
            raise ChannelFailed(f"邮件服务器 {where} 拒收了 {len(refused)} 个收件人")


class WebhookChannel(Channel):
    name = "webhook"
    label = CHANNEL_LABELS[name]
    config: WebhookConfig

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._posted: dict[Alert, int] = {}  # how many of an alert's bodies went out already

    @property
    def where(self) -> str:
        """The receiver by its host alone: an IM robot's key sits in the query (企业微信, 钉钉), in
        the path (飞书 /open-apis/bot/v2/hook/<token>) or in user info (tester U's U5 found the
        last two printed whole in run.log when a send failed)."""
        url = urlsplit(self.config.url)
        port = f":{url.port}" if url.port else ""
        rest = "/…" if url.path.strip("/") or url.query else ""
        return f"{url.scheme}://{url.hostname or ''}{port}{rest}"

    def bodies(self, alert: Alert) -> list[dict[str, Any]]:
        """What is posted: a robot's text messages, each within `max_bytes`; or the fields, whole."""
        if self.config.format == "robot":
            parts = alert.parts(self.config.max_bytes)
            return [{"msgtype": "text", "text": {"content": part}} for part in parts]
        return [{"kind": str(alert.kind), "subject": alert.subject, "run_id": alert.run_id,
                 "title": alert.title, "text": alert.text()}]

    def send(self, alert: Alert) -> None:
        """Post each body not posted yet, in order; ChannelFailed at the first that does not go out."""
        bodies = self.bodies(alert)
        for number in range(self._posted.get(alert, 0), len(bodies)):
            self._post(bodies[number])
            self._posted[alert] = number + 1

    def _post(self, body: dict[str, Any]) -> None:
        try:
            answer = httpx.post(self.config.url, json=body, timeout=self.config.timeout_seconds)
        except httpx.TimeoutException:
            raise ChannelFailed(f"无法送达 {self.where}（超时）") from None
        except httpx.HTTPError as exc:
            raise ChannelFailed(f"无法送达 {self.where}（连接失败：{type(exc).__name__}）") from None
        if answer.status_code >= 300:
            raise ChannelFailed(f"{self.where} 回答状态码 {answer.status_code}")
        refusal = _robot_refusal(answer) if self.config.format == "robot" else None
        if refusal is not None:
            raise ChannelFailed(f"{self.where} 拒收：{refusal}")


def _robot_refusal(answer: httpx.Response) -> str | None:
    """IM robots answer HTTP 200 with `{"errcode": N, "errmsg": ...}`: N other than 0 is a refusal."""
    try:
        data = answer.json()
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("errcode") not in (None, 0, "0"):
        return scrub_text(f"错误代码 {data.get('errcode')}（{data.get('errmsg', '')}）")[:200]
    return None


def _smtp_words(exc: smtplib.SMTPException) -> str:
    """What the relay refused, in Chinese, with its reply code (never the password)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"拒绝登录（应答码 {exc.smtp_code}）：请核对 username 和 password_env 指向的密码"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"拒收全部 {len(exc.recipients)} 个收件人：请核对 to"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"拒收发件人（应答码 {exc.smtp_code}）：请核对 sender"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "不支持所需的命令（STARTTLS 或登录）：请核对 starttls 和 username"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "中途断开了连接"
    code = getattr(exc, "smtp_code", None)
    return f"拒绝（应答码 {code}）" if code else f"出错（{type(exc).__name__}）"


def _network_words(exc: OSError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "证书校验失败：服务器证书不是 ca_file（或系统）信任的机构签发的"
    if isinstance(exc, ssl.SSLError):
        return f"TLS 握手失败：{type(exc).__name__}"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝：服务器没有在该端口监听"
    if isinstance(exc, TimeoutError):
        return "超时"
    return f"网络错误：{type(exc).__name__}"


def channels_of(config: AlertsConfig) -> list[Channel]:
    """The channels an `AlertsConfig` names, e-mail first."""
    found: list[Channel] = []
    if config.email is not None:
        found.append(EmailChannel(config.email))
    if config.webhook is not None:
        found.append(WebhookChannel(config.webhook))
    return found
