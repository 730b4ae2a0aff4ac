"""The mock 企业信息联网核查系统 over plain HTTP: GBK pages and posts, login, sessions, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote_from_bytes

import httpx
import pytest

CODE = "91350200776049653A"  # DOMAIN.md's sample of a valid 统一社会信用代码
FORM = {"content-type": "application/x-www-form-urlencoded"}


def gbk_body(**fields: str) -> bytes:
    """A form body as a browser on a GBK page sends it."""
    return "&".join(f"{k}={quote_from_bytes(v.encode('gbk'))}" for k, v in fields.items()).encode()


@contextmanager
def logged_in(portal: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal.url, timeout=10) as client:
        code, password = portal.operators[0]
        assert client.post("/ecis/loginAction.do", content=gbk_body(operCode=code, operPwd=password),
                           headers=FORM).status_code == 302
        yield client


@pytest.mark.timeout(30)
def test_a_planted_registration_is_shown_in_gbk(check_portal: Any) -> None:
    check_portal.plant([{"credit_code": CODE, "name": "厦门鹭江船舶修造有限公司", "legal_rep": "欧阳振华",
                         "status": "吊销", "authority": "厦门市市场监督管理局"}])
    with logged_in(check_portal) as client:
        page = client.post("/ecis/queryAction.do", headers=FORM,
                           content=gbk_body(**{"queryVO.uniscId": CODE, "queryVO.entName": "厦门鹭江"}))
        assert page.headers["content-type"] == "text/html; charset=GBK"
        text = page.content.decode("gbk")
        shown_all = ("厦门鹭江船舶修造有限公司", "欧阳振华", "<td>吊销</td>",
                     "厦门市市场监督管理局", "<td>厦门鹭江</td>")
        for shown in shown_all:
            assert shown in text
        unknown = client.post("/ecis/queryAction.do", headers=FORM,
                              content=gbk_body(**{"queryVO.uniscId": "91110000600037341L"}))
        assert "未查询到该统一社会信用代码的登记信息" in unknown.content.decode("gbk")
    assert check_portal.stats()["events"]["query"] == 2


@pytest.mark.timeout(30)
def test_login_refusals_sessions_and_faults(check_portal: Any) -> None:
    with httpx.Client(base_url=check_portal.url, timeout=10) as client:
        refused = client.post("/ecis/loginAction.do", headers=FORM,
                              content=gbk_body(operCode=check_portal.operators[0][0], operPwd="wrong123"))
        assert refused.status_code == 200 and "密码错误" in refused.content.decode("gbk")
        assert client.get("/ecis/query.do").status_code == 302  # no session: back to the login page
    check_portal.set_faults(session_idle_seconds=0.3)
    with logged_in(check_portal) as client:
        time.sleep(0.5)
        assert "用户登录信息失效" in client.get("/ecis/query.do").content.decode("gbk")
    check_portal.set_faults(error_rate=1.0, error_paths=["/ecis/queryAction.do"])
    with logged_in(check_portal) as client:
        busy = client.post("/ecis/queryAction.do", headers=FORM,
                           content=gbk_body(**{"queryVO.uniscId": CODE}))
        assert busy.status_code == 500 and "系统繁忙" in busy.content.decode("gbk")
    assert check_portal.stats()["faults"]["error_500"] == 1
