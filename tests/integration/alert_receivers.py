"""Receivers for alert tests: a real SMTP server (aiosmtpd) and a local HTTP receiver, both on
127.0.0.1, started in the test and stopped after it (`with smtp_server() as smtp:`); and an
alerts.yaml pointing at them."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER, SMTP_PASSWORD = "rpa-alerts", "Relay-pw-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpReceiver:
    port: int
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=default_policy))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(), SMTP_PASSWORD.encode())
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    def bodies(self) -> list[str]:
        return [str(m.get_content()) for m in self.messages]  # type: ignore[attr-defined]


@dataclass
class HttpReceiver:
    port: int
    status: int = 200
    answer: bytes = b'{"errcode": 0, "errmsg": "ok"}'  # what an IM robot says when it took the message
    posts: list[dict[str, Any]] = field(default_factory=list)
    tries: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/robot/send?key=SECRETKEY123"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made by openssl for the test: (cert, key)."""
    cert, key = folder / "relay-cert.pem", folder / "relay-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@contextmanager
def smtp_server(tls: tuple[Path, Path] | None = None) -> Iterator[SmtpReceiver]:
    """A real SMTP server; with `tls` (cert, key) it requires STARTTLS before anything else."""
    receiver = SmtpReceiver(free_port())
    tls_options: dict[str, Any] = {}
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        tls_options = {"tls_context": context, "require_starttls": True}
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port,
                            authenticator=receiver.authenticate, auth_require_tls=tls is not None,
                            **tls_options)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@contextmanager
def http_server() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver.tries += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if receiver.status == 200:
                receiver.posts.append({"path": self.path, "json": json.loads(body)})
            answer = receiver.answer if receiver.status == 200 else b"busy"
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the test reads what was posted, not the server's access log

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def write_alerts_yaml(path: Path, *, smtp_port: int, webhook_url: str, login: bool = False,
                      attempts: int = 3, ca_file: Path | None = None) -> Path:
    """alerts.yaml with both channels, written as an operator would; with `ca_file`, STARTTLS."""
    auth = f"  username: {SMTP_USER}\n  password_env: RPA_TEST_SMTP_PASSWORD\n" if login else ""
    if ca_file is not None:
        auth += f"  starttls: true\n  ca_file: {ca_file}\n"
    path.write_text(
        "email:\n"
        "  host: 127.0.0.1\n"
        f"  port: {smtp_port}\n"
        f"{auth}"
        "  sender: rpa-robot@branch.example.cn\n"
        "  to: [ops-duty@branch.example.cn, backoffice@branch.example.cn]\n"
        f"  attempts: {attempts}\n"
        "  retry_wait_seconds: 0.05\n"
        "  timeout_seconds: 5\n"
        "webhook:\n"
        f"  url: {webhook_url}\n"
        f"  attempts: {attempts}\n"
        "  retry_wait_seconds: 0.05\n"
        "  timeout_seconds: 5\n",
        encoding="utf-8",
    )
    return path
