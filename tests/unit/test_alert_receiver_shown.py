"""A webhook's receiver as a failure message names it: by its host alone, since an IM robot's
key may sit in the query (企业微信, 钉钉), the path (飞书) or the user info (tester U's U5: the
last two were printed whole in run.log when a send failed)."""

from __future__ import annotations

import pytest

from rpa.alerts.channels import WebhookChannel
from rpa.alerts.config import WebhookConfig


@pytest.mark.parametrize(("url", "shown"), [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=hooktoken-ZQ7", "https://qyapi.weixin.qq.com/…"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/hooktoken-ZQ7", "https://open.feishu.cn/…"),
    ("http://rpa:hookpass-ZQ7@127.0.0.1:29704/hook/hooktoken-ZQ7", "http://127.0.0.1:29704/…"),
    ("http://127.0.0.1:29704", "http://127.0.0.1:29704"),
])
def test_a_receiver_is_named_by_its_host_never_its_key(url: str, shown: str) -> None:
    where = WebhookChannel(WebhookConfig(url=url)).where
    assert where == shown and "ZQ7" not in where
