"""The operations console's settings (`rpa console`, rpa/console/), part of `rpa.settings.Settings`
(RPA_CONSOLE_HOST, ...): kept here so the settings module stays the size of one screenful."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class ConsoleSettings(BaseModel):
    """Where the console listens (127.0.0.1 unless set; `rpa console` warns when not loopback),
    TLS when both files are given (its cookies are then Secure), how long an idle session lasts,
    the upload size limit, the failed logins allowed per user (five times as many per address)
    in 15 minutes, and the proxies whose X-Forwarded-For is believed."""

    console_host: str = "127.0.0.1"
    console_port: int = Field(default=8810, ge=0, le=65535)
    console_tls_cert_file: Path | None = None
    console_tls_key_file: Path | None = None
    console_session_minutes: int = Field(default=30, ge=1)
    console_upload_max_mb: int = Field(default=20, ge=1)
    console_login_failures: int = Field(default=5, ge=1)
    # the reverse proxies whose X-Forwarded-For names the client (comma-separated addresses);
    # none: the address connecting is the client's (rpa.console.serve)
    console_trusted_proxies: str = ""
