"""Serving the console with uvicorn: the bind address from settings, a warning when it is not
loopback, TLS when both of the console's TLS files are set (cookies are then Secure), and
X-Forwarded-For believed only from the proxies RPA_CONSOLE_TRUSTED_PROXIES names (uvicorn
believes 127.0.0.1 by default: any program on the console's host could then name any address
in the audit chain and escape the per-address login limit, tester W's B3)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rpa.settings import Settings


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


def bind_warning(host: str) -> str | None:
    """The warning `rpa console` prints before listening on a non-loopback address."""
    if is_loopback(host):
        return None
    return (f"警告：控制台将在 {host} 上监听，网络上的其他电脑可以访问登录页；"
            "请确认这是有意为之（RPA_CONSOLE_HOST），并尽量配置 TLS（RPA_CONSOLE_TLS_CERT_FILE / "
            "RPA_CONSOLE_TLS_KEY_FILE）")


def serve_console(settings: Settings, *, port: int | None = None,
                  announce: Callable[[str], None] = print) -> None:
    """Serve the console until Ctrl-C / SIGTERM."""
    import uvicorn

    from rpa.console.app import create_app

    tls = bool(settings.console_tls_cert_file and settings.console_tls_key_file)
    app = create_app(settings, secure_cookies=tls)
    chosen = settings.console_port if port is None else port
    scheme = "https" if tls else "http"
    announce(f"控制台：{scheme}://{settings.console_host}:{chosen}/ （按 Ctrl-C 停止）")
    uvicorn.run(
        app,
        host=settings.console_host,
        port=chosen,
        log_config=None,
        access_log=False,
        ssl_certfile=str(settings.console_tls_cert_file) if tls else None,
        ssl_keyfile=str(settings.console_tls_key_file) if tls else None,
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy options: X-Forwarded-For read only from RPA_CONSOLE_TRUSTED_PROXIES."""
    trusted = [part.strip() for part in settings.console_trusted_proxies.split(",") if part.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}
