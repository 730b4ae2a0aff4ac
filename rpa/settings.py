"""Validated settings: environment variables prefixed `RPA_`, or an optional `.env` file.

    >>> s = Settings(workers=4, ams_url="https://ams.example.internal")
    >>> s.database_url_resolved
    'sqlite:///runs/queue.db'

Lists and nested values are JSON in the environment, for example
`RPA_AMS_OPERATORS='[{"code": "OP0001", "password": "..."}]'`. Secrets are `SecretStr` and
never printed; `Settings.public_dump()` is what run.json records.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from rpa.errors import BrowserMissing, ConfigError

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium-headless-shell: the same Chromium built as the headless shell ("old
# headless"), which is what Playwright itself runs for headless Chromium. It starts in about a
# third of the full browser's CPU and does less per page (benchmarks/README.md).
DEBIAN_HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class OperatorCredential(BaseModel):
    """One portal operator: the code is masked in diagnostics, the password never shown."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    code: str
    password: SecretStr


class Settings(BaseSettings):
    """Everything a run can be configured with. Unknown keys are refused."""

    model_config = SettingsConfigDict(
        env_prefix="RPA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        hide_input_in_errors=True,
    )

    # where runs live
    runs_dir: Path = Path("runs")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under runs_dir"
    )
    timezone: str = "Asia/Shanghai"

    # declarative configuration: selectors/<portal>.yaml, config/*.yaml, calendar.yaml
    selectors_dir: Path = PROJECT_ROOT / "selectors"
    config_dir: Path = PROJECT_ROOT / "config"
    calendar_file: Path = PROJECT_ROOT / "calendar.yaml"
    schedules_file: Path = PROJECT_ROOT / "schedules.yaml"

    # audit: the key lives outside the runs folder
    audit_key: SecretStr | None = None
    audit_key_file: Path = Path.home() / ".config" / "bank-rpa" / "audit.key"

    # portals
    ams_url: str = "http://127.0.0.1:8801"
    # which AMS instance this is ("uat", "prod"): two settings with the same id are one AMS whatever
    # their URLs; without an id an AMS is known by its URL (`ams_identity`)
    ams_portal_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
    ams_operators: list[OperatorCredential] = Field(default_factory=list)
    # the filing bot loads the next item's look-up, form and 信息核对 in two more tabs while an
    # item is submitted; off for a portal that allows only one open form per session
    ams_work_ahead: bool = True
    reports_url: str = "http://127.0.0.1:8802"
    reports_operators: list[OperatorCredential] = Field(default_factory=list)

    # input files: rows below an export's header read at most (more is refused, never cut short)
    max_export_rows: int = Field(default=500_000, ge=1)

    # browser
    chromium_path: Path | None = None
    headless: bool = True
    proxy_server: str | None = None
    proxy_username: str | None = None
    proxy_password: SecretStr | None = None
    client_cert_origin: str | None = None
    client_cert_path: Path | None = None
    client_key_path: Path | None = None
    client_cert_passphrase: SecretStr | None = None
    navigation_timeout_ms: int = 15_000
    action_timeout_ms: int = 5_000
    answer_timeout_ms: int = 20_000
    # resource types not loaded (e.g. ["image", "media", "font"]); off by default: blocking routes
    # every request through Playwright, which turns off the browser's HTTP cache, so each page
    # would fetch its CSS and scripts again across the network
    block_resources: list[str] = Field(default_factory=list)
    # Playwright traces of items: "retries" records an item's second and later attempts (its first
    # failure already left a screenshot; a trace costs about a tenth of every traced item),
    # "always" every attempt, "off" none. Only a failed attempt's trace is kept.
    trace_items: Literal["retries", "always", "off"] = "retries"
    trace_max_mb: int = 50
    trace_retention_days: int = 14

    # work queue and workers
    workers: int = 2
    lease_seconds: float = 60.0
    heartbeat_seconds: float = 10.0
    max_attempts: int = 4
    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 120.0
    circuit_breaker_threshold: int = 8
    batch_window_patience_seconds: float = 120.0

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.runs_dir / 'queue.db'}"

    def audit_key_bytes(self) -> bytes:
        """The audit HMAC key: from settings, else from the key file (created 0600 on first use)."""
        if self.audit_key is not None:
            return self.audit_key.get_secret_value().encode()
        path = self.audit_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        key = path.read_text().strip()
        if not key:
            raise ConfigError(f"the audit key file {path} is empty")
        return key.encode()

    def chromium_executable(self) -> Path:
        """RPA_CHROMIUM_PATH; else, headless, Debian's headless shell; else Debian's
        /usr/bin/chromium, then `chromium` on PATH."""
        if self.chromium_path is not None:
            if not self.chromium_path.exists():
                raise BrowserMissing(
                    f"RPA_CHROMIUM_PATH points at {self.chromium_path}, which does not exist"
                )
            return self.chromium_path
        if self.headless and DEBIAN_HEADLESS_SHELL.exists():
            return DEBIAN_HEADLESS_SHELL
        if DEBIAN_CHROMIUM.exists():
            return DEBIAN_CHROMIUM
        for name in ("chromium", "chromium-browser"):
            found = shutil.which(name)
            if found:
                return Path(found)
        raise BrowserMissing(
            "no Chromium found: install Debian's package (apt-get install chromium), "
            "or set RPA_CHROMIUM_PATH to a Chromium executable; `make demo` installs it for you"
        )

    def ams_identity(self) -> str:
        """The AMS instance filings go to: `id:<RPA_AMS_PORTAL_ID>`, or the URL's scheme, host,
        port (unless the scheme's own) and path, lower-cased where case does not matter."""
        if self.ams_portal_id:
            return f"id:{self.ams_portal_id}"
        url = urlsplit(self.ams_url.strip())
        scheme = url.scheme.lower()
        port = "" if url.port in (None, {"http": 80, "https": 443}.get(scheme)) else f":{url.port}"
        return f"{scheme}://{(url.hostname or '').lower()}{port}{url.path.rstrip('/')}"

    def operators_for(self, portal: str) -> list[OperatorCredential]:
        if portal == "ams":
            return list(self.ams_operators)
        if portal == "report_platform":
            return list(self.reports_operators)
        raise ConfigError(f"unknown portal {portal!r}")

    def public_dump(self) -> dict[str, Any]:
        """Settings for run.json: secrets dropped, operator codes reduced to a count."""
        data = self.model_dump(mode="json")
        for key in list(data):
            if key.endswith(("password", "passphrase")) or key == "audit_key":
                data[key] = "***" if data[key] else None
        data["ams_operators"] = len(self.ams_operators)
        data["reports_operators"] = len(self.reports_operators)
        return data


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning validation errors into a ConfigError that names the field."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None
