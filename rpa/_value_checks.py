"""Checks of setting values that their types do not make: the addresses (the portals', the
proxy's, the database's), a path given empty, the browser, the operators and the audit key.
Each raises ValueError in Chinese (the settings loader names the setting, never its value), so
a value the bot cannot use stops every command with exit 2 before a run exists.

    check_portal_url("https://ams.example.internal/ams")   # kept, stripped
    check_portal_url("http://clerk:pw@ams:8801")           # ValueError: no credentials in a URL
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from rpa.masking import FieldClass, mask

# Playwright's request.resource_type values, the only words RPA_BLOCK_RESOURCES can match
# (tester Y: "imag" was taken and blocked nothing)
ResourceType = Literal["document", "stylesheet", "image", "media", "font", "script", "texttrack",
                       "xhr", "fetch", "eventsource", "websocket", "manifest", "other"]
_SCHEMES = ("http", "https")
MIN_KEY_CHARS = 32


_PORTAL_LOGIN = "门户的登录用操作员设置（如 RPA_AMS_OPERATORS）"
_PROXY_LOGIN = "代理的登录用 RPA_PROXY_USERNAME 和 RPA_PROXY_PASSWORD"


def check_portal_url(value: str, login: str = _PORTAL_LOGIN) -> str:
    """A portal's address: http(s), a host, and no user name or password in it (a password
    there would be written into run.json, run.log and every error that names the address;
    the portals' logins are the operators' settings)."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError("不是有效的网址：请写成 https://主机:端口/路径") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"网址中不能带用户名或密码：{login}，请写成 https://主机:端口/路径")
    if parts.scheme not in _SCHEMES or not parts.hostname or any(c.isspace() for c in text) or (
            port is not None and not 0 < port < 65536):
        raise ValueError("不是有效的网址：须以 http:// 或 https:// 开头并写明主机，如 https://主机:端口/路径")
    return text


def check_proxy_url(value: str | None) -> str | None:
    """The proxy's address, checked as a portal's (its login is RPA_PROXY_USERNAME and
    RPA_PROXY_PASSWORD); `host:port` alone and socks4/socks5 are proxies too, as Playwright
    takes them."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    scheme, _, rest = text.partition("://")
    if not rest:
        check_portal_url(f"http://{text}", _PROXY_LOGIN)
    elif scheme in ("socks4", "socks5"):
        check_portal_url(f"http://{rest}", _PROXY_LOGIN)
    else:
        check_portal_url(text, _PROXY_LOGIN)
    return text


def check_database_url(value: str | None) -> str | None:
    """SQLite (a file) or PostgreSQL: a dialect SQLAlchemy can load, never an in-memory SQLite
    database (each worker process would see its own, empty)."""
    if not value:
        return value
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(value)
        url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise ValueError(
            "不是可用的数据库地址：请写成 sqlite:///runs/queue.db 或 postgresql+psycopg://用户@主机/库名"
        ) from None
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("不能用内存中的 SQLite 数据库（各工作进程看不到彼此的队列）：请写成 sqlite:///runs/queue.db")
    return value


def check_executable(value: Path | None) -> Path | None:
    """RPA_CHROMIUM_PATH: a file this user may run (checked before a run exists, not in a worker)."""
    if value is not None and not (value.is_file() and os.access(value, os.X_OK)):
        raise ValueError("不是可执行文件：请改为 Chromium 可执行文件的路径（如 /usr/bin/chromium），"
                         "或删去该设置")
    return value


def not_blank(value: Any) -> Any:
    """A path setting given empty (RPA_RUNS_DIR=) is not "the current folder"."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("不能为空：请写上路径，或删去该设置用默认值")
    return value


def distinct_operators(value: list[Any]) -> list[Any]:
    """Each operator once: two workers logged in as one operator end each other's session."""
    codes = [str(getattr(operator, "code", "")).strip() for operator in value]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise ValueError(f"操作员 {mask(twice[0], FieldClass.ACCOUNT_NO)} 出现了不止一次：一个操作员"
                         "同时只能有一个会话，每个工作进程须有自己的操作员，请删去重复的一项")
    return value


def long_enough_key(value: Any) -> Any:
    """RPA_AUDIT_KEY: a key short enough to guess would let anyone rewrite the record."""
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    if text is not None and len(str(text).strip()) < MIN_KEY_CHARS:
        raise ValueError(f"太短：审计密钥至少 {MIN_KEY_CHARS} 个字符（删去该设置时用 RPA_AUDIT_KEY_FILE"
                         " 的密钥文件，首次运行时自动生成）")
    return value
