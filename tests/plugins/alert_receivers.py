"""Fixtures for tests that check what alerts were sent: a real SMTP server (aiosmtpd) and a local
HTTP receiver standing for the bank's chat robot, each started for one test and stopped after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.alert_receivers import HttpReceiver, SmtpReceiver, http_server, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with smtp_server() as receiver:
        yield receiver


@pytest.fixture
def http() -> Iterator[HttpReceiver]:
    with http_server() as receiver:
        yield receiver
