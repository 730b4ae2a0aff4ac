"""Sending one alert: the quiet time, every configured channel, bounded retries.

    delivery = send_alert(settings, alert)       # never raises for a channel that fails
    delivery.sent, delivery.failed               # channel names

A channel that fails is logged (scrubbed) and tried again, up to its `attempts`, waiting
`retry_wait_seconds`, doubled each time; one that never gets through is logged as an error. When
no channel got the alert out, its quiet-time claim is given back so the next occurrence tries
again. A bad alerts.yaml raises ConfigError (the callers in a run log it instead).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from loguru import logger

from rpa.alerts.channels import Channel, ChannelFailed, channels_of
from rpa.alerts.config import AlertsConfig, load_alerts_config
from rpa.alerts.kinds import Alert
from rpa.alerts.quiet import QuietTimes

if TYPE_CHECKING:
    from rpa.settings import Settings


@dataclass
class Delivery:
    """What became of one alert."""

    alert: Alert
    configured: bool = True  # False: no alerts.yaml, alerts are off
    quiet: bool = False  # True: sent within the quiet time, not sent again
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # channel -> the last failure's words


def send_alert(settings: Settings, alert: Alert, *, honour_quiet: bool = True,
               config: AlertsConfig | None = None) -> Delivery:
    """Send `alert` through every channel of alerts.yaml, unless it went out within the quiet time."""
    config = config or load_alerts_config(settings.alerts_file)
    if config is None:
        logger.debug("未配置告警（{} 不存在）：{} 未发送", settings.alerts_file, alert.kind)
        return Delivery(alert, configured=False)
    quiet = QuietTimes(settings.database_url_resolved)
    claimed: list[str] = []
    if honour_quiet:
        # a list of filings goes out again as soon as it names one not told within the quiet time
        claimed = quiet.claim_any(str(alert.kind), alert.quiet_subjects(),
                                  timedelta(minutes=config.quiet_minutes))
        if not claimed:
            logger.info("告警 {}（{}）在静默时间内已发送过，不再发送", alert.kind, alert.subject)
            return Delivery(alert, quiet=True)
    delivery = Delivery(alert)
    for channel in channels_of(config):
        failure = _deliver(channel, alert)
        if failure is None:
            delivery.sent.append(channel.name)
        else:
            delivery.failed[channel.name] = failure
    if honour_quiet and not delivery.sent:
        quiet.release(str(alert.kind), *claimed)
    return delivery


def _deliver(channel: Channel, alert: Alert) -> str | None:
    """Send through one channel, retrying; None when it went out, else the last failure's words."""
    attempts = channel.config.attempts
    wait = channel.config.retry_wait_seconds
    failure = ""
    for attempt in range(1, attempts + 1):
        try:
            channel.send(alert)
        except ChannelFailed as exc:
            failure = exc.message
            logger.warning("告警 {} 经{}发送失败（第 {}/{} 次）：{}", alert.kind, channel.label, attempt,
                           attempts, failure)
        else:
            logger.info("告警 {}（{}）已经{}发出", alert.kind, alert.subject, channel.label)
            return None
        if attempt < attempts:
            time.sleep(wait)  # a short, bounded wait: the relay or robot may be back in a moment
            wait *= 2
    logger.error("告警 {}（{}）经{}发送 {} 次均失败：{}", alert.kind, alert.subject, channel.label, attempts,
                 failure)
    return failure
