"""A tiny local web site for the smoke flow: a login page and one page per item.

Each item page shows a status decided by the item's `mode`, so the smoke flow can exercise every
outcome of the engine with a real browser: ok, business (a refusal), system_once (a 500 page the
first time), system_always, fatal (the operator is locked), slow (the answer takes a while).
"""

from __future__ import annotations

import html
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:"WenQuanYi Micro Hei",sans-serif;margin:2em}}h1{{color:#1f4e8c}}
.box{{border:1px solid #9bb;padding:1em;width:32em}}</style></head><body>{body}</body></html>"""

_LOGIN = """<h1>冒烟测试站点</h1><form method="post" action="/login" class="box">
<label>操作员代码 <input name="userCode"></label><br><br>
<label>密码 <input name="userPwd" type="password"></label><br><br>
<input type="submit" value="登录"></form>"""


class SmokeSite:
    """The site and what it saw: visits per item, logins."""

    def __init__(self, password: str, slow_seconds: float = 2.0) -> None:
        self.password = password
        self.slow_seconds = slow_seconds
        self.visits: Counter[str] = Counter()
        self.logins = 0
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep the terminal quiet
                return

            def _send(self, status: int, title: str, body: str, cookie: str | None = None) -> None:
                data = _PAGE.format(title=title, body=body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if cookie:
                    self.send_header("Set-Cookie", cookie)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path in ("/", "/login"):
                    self._send(200, "登录", _LOGIN)
                    return
                if url.path.startswith("/item/"):
                    if "smoke_session=1" not in (self.headers.get("Cookie") or ""):
                        self._send(200, "登录", "<p class='msg'>用户登录信息失效</p>" + _LOGIN)
                        return
                    name = url.path.rsplit("/", 1)[-1]
                    query = parse_qs(url.query)
                    site._item_page(
                        self,
                        name,
                        query.get("mode", ["ok"])[0],
                        query.get("acct", [""])[0],
                        locked=query.get("locked", ["1"])[0] == "1",
                    )
                    return
                self._send(404, "404", "<p>not found</p>")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("utf-8"))
                if form.get("userPwd", [""])[0] != site.password:
                    self._send(200, "登录", "<p class='msg'>密码错误</p>" + _LOGIN)
                    return
                with site._lock:
                    site.logins += 1
                self._send(
                    200,
                    "首页",
                    "<h1>欢迎</h1><p class='msg'>登录成功</p>",
                    cookie="smoke_session=1; Path=/; HttpOnly",
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _item_page(
        self, handler: BaseHTTPRequestHandler, name: str, mode: str, acct: str, *, locked: bool
    ) -> None:
        with self._lock:
            self.visits[name] += 1
            visits = self.visits[name]
        send = handler._send  # type: ignore[attr-defined]
        if mode == "slow":
            time.sleep(self.slow_seconds)  # the site is slow; the bot waits for it, never sleeps
        if mode == "system_always" or (mode == "system_once" and visits == 1):
            send(500, "500", "<h1>500</h1><p class='msg'>系统繁忙</p>")
            return
        status = {
            "business": "业务拒绝：账户状态不正常",
            "fatal": "用户被锁定" if locked else "处理成功",
        }.get(mode, "处理成功")
        body = (
            f"<h1>事项 {html.escape(name)}</h1><div class='box'><p>账号 <span class='acct'>"
            f"{html.escape(acct)}</span></p><p class='msg'>{status}</p></div>"
        )
        send(200, f"事项 {name}", body)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SmokeSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
