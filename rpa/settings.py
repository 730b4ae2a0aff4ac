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
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rpa import _settings_checks as checks
from rpa import _value_checks as values
from rpa._console_settings import ConsoleSettings
from rpa._settings_checks import DEFAULT_AMS_SERVICE_WINDOW, parse_window
from rpa._tuning_settings import TuningSettings
from rpa.errors import BrowserMissing, ConfigError

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
# Debian's chromium-headless-shell: the same Chromium built as the headless shell ("old
# headless"), which is what Playwright itself runs for headless Chromium. It starts in about a
# third of the full browser's CPU and does less per page (benchmarks/README.md).
DEBIAN_HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")
PROJECT_ROOT = checks.PROJECT_ROOT



class OperatorCredential(BaseModel):
    """One portal operator: the code is masked in diagnostics, the password never shown."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    code: str
    password: SecretStr

    @field_validator("code", "password")
    @classmethod
    def _filled_in(cls, value: str | SecretStr) -> str | SecretStr:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not text.strip():
            raise ValueError("不能为空：请填写门户操作员的代码和密码，或删去这一项")
        return value


class Settings(ConsoleSettings, TuningSettings, BaseSettings):
    """Everything a run can be configured with. Unknown keys are refused."""

    model_config = SettingsConfigDict(
        env_prefix="RPA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        # a .env may hold other programs' keys; unknown RPA_* names are warned about instead
        dotenv_filtering="only_existing",
        hide_input_in_errors=True,
    )

    # where runs live
    runs_dir: Path = Path("runs")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under runs_dir"
    )
    timezone: str = "Asia/Shanghai"
    # this robot host's name on its claims and audit events (its own on each host of a database)
    host_id: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
    db_outage_seconds: float = Field(default=30.0, gt=0)  # a lost database is waited for (rpa.db)

    # declarative configuration: selectors/<portal>.yaml, config/*.yaml, calendar.yaml, under
    # RPA_HOME, else the working directory, else the project (`_settings_checks`)
    selectors_dir: Path = Field(default_factory=lambda: checks.configuration_home() / "selectors")
    config_dir: Path = Field(default_factory=lambda: checks.configuration_home() / "config")
    calendar_file: Path = Field(default_factory=lambda: checks.configuration_home() / "calendar.yaml")
    schedules_file: Path = Field(default_factory=lambda: checks.configuration_home() / "schedules.yaml")

    # audit: the key lives outside the runs folder
    audit_key: SecretStr | None = None
    audit_key_file: Path = Path.home() / ".config" / "bank-rpa" / "audit.key"
    # the run ledger's append-only copy; default: ledger-<database tag>.jsonl next to the audit key
    ledger_file: Path | None = None

    # portals
    ams_url: str = "http://127.0.0.1:8801"
    # which AMS instance this is ("uat", "prod") when AMS shows no system code after login: two
    # settings with the same id are one AMS whatever their URLs (`ams_identity`)
    ams_portal_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
    ams_operators: list[OperatorCredential] = Field(default_factory=list)
    # how the filing bot goes through AMS (`bots.ams.strategies`): "pipelined" loads the next
    # item's look-up, form and 信息核对 in two more tabs while an item is submitted; "plain" works
    # one page at a time (a portal that allows only one open form per session)
    ams_strategy: Literal["pipelined", "plain"] = "pipelined"
    # AMS takes filings in its service window only: every 确认提交 checks it, and a run meeting
    # its end stops (exit 3) with the rest pending for the next window; the scheduler plans AMS
    # jobs inside it. "HH:MM-HH:MM" (or "HH:MM:SS-HH:MM:SS") in `timezone` on PRC working days
    # (RPA_AMS_SERVICE_DAYS=every_day: every day), or "always" (no window: mock portals only)
    ams_service_window: str = DEFAULT_AMS_SERVICE_WINDOW
    ams_service_days: Literal["working_days", "every_day"] = "working_days"
    reports_url: str = "http://127.0.0.1:8802"
    reports_operators: list[OperatorCredential] = Field(default_factory=list)
    # the central bank's enterprise registration check (企业信息联网核查系统)
    check_url: str = "http://127.0.0.1:8803"
    check_operators: list[OperatorCredential] = Field(default_factory=list)
    # account filing holds a 开户/变更 row unless an enterprise-check run in the same database
    # passed it (flows/account_filing/check_gate.py); a run started with it keeps it (rpa.run.safeguards)
    filing_require_check: bool = Field(default=False, json_schema_extra={"safeguard": True})

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
    # resource types not loaded (e.g. ["image", "media", "font"]); off by default: blocking routes
    # every request through Playwright, which turns off the browser's HTTP cache, so each page
    # would fetch its CSS and scripts again across the network
    block_resources: list[values.ResourceType] = Field(default_factory=list)
    # Playwright traces of items: "retries" records an item's second and later attempts (its first
    # failure already left a screenshot; a trace costs about a tenth of every traced item),
    # "always" every attempt, "off" none. Only a failed attempt's trace is kept.
    trace_items: Literal["retries", "always", "off"] = "retries"
    trace_max_mb: int = 50
    trace_retention_days: int = 14
    # "mask": when a run ends with nothing pending (exit 0 or 1), its done items' payloads are
    # masked in the queue (result.xlsx and the audit chain are the record); "keep": left as read
    payload_retention: Literal["mask", "keep"] = "mask"

    # input files: how far an xlsx may unzip (rpa.input_files)
    input_max_unzipped_mb: int = Field(default=300, ge=1)
    input_max_zip_ratio: int = Field(default=1000, ge=10)
    # input files: a report PDF with more pages is refused; a page that takes longer to read is
    # stopped and the PDF refused (rpa.input_files, flows.report_extraction.pdf_reader)
    input_max_pdf_pages: int = Field(default=500, ge=1)
    input_pdf_page_seconds: float = Field(default=10.0, gt=0)

    # work queue and workers (leases, retries, the breaker, timeouts: rpa/_tuning_settings.py)
    workers: int = Field(default=2, ge=1)
    # how long a worker waits for a portal operator that other runs (hosts) hold before its run
    # stops with exit 3 (rpa.run.operator_leases)
    operator_wait_seconds: float = Field(default=600.0, ge=0)
    schedule_lease_seconds: float = Field(default=90.0, ge=3)  # a dead scheduler's fires: taken over after
    schedule_check_seconds: float = Field(default=300.0, gt=0)  # `rpa schedule check`: heartbeat age allowed
    log_dir: Path | None = None  # the scheduler's scheduler.log; default logs/ under RPA_HOME (else cwd)

    # alerts (rpa.alerts): the channels and when to alert, in alerts.yaml; no file: alerts are off
    alerts_file: Path = Field(default_factory=lambda: checks.configuration_home() / "alerts.yaml")

    @field_validator("ams_service_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_window(value)
        return value.strip()
    _timezone = field_validator("timezone")(checks.check_timezone)
    _database_url = field_validator("database_url")(values.check_database_url)
    _portal_urls = field_validator("ams_url", "reports_url", "check_url")(values.check_portal_url)
    _proxy_url = field_validator("proxy_server")(values.check_proxy_url)
    _folders = field_validator("config_dir", "selectors_dir")(checks.check_folder)
    _chromium = field_validator("chromium_path")(values.check_executable)
    _not_blank = field_validator("runs_dir", "audit_key_file", "ledger_file", "config_dir", "selectors_dir",
                                 "calendar_file", "schedules_file", "alerts_file", "log_dir",
                                 mode="before")(values.not_blank)
    _operators = field_validator("ams_operators", "reports_operators",
                                 "check_operators")(values.distinct_operators)
    _key = field_validator("audit_key")(values.long_enough_key)
    _files = field_validator("schedules_file", "alerts_file")(checks.check_file)
    _calendar = field_validator("calendar_file")(checks.check_named_calendar)
    _written_folders = field_validator("runs_dir", "log_dir")(checks.check_writable_folder)
    _written_files = field_validator("audit_key_file", "ledger_file")(checks.check_writable_file)

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.runs_dir / 'queue.db'}"

    def ledger_path(self) -> Path:
        """Where the run ledger's append-only copy is kept (outside the runs folder): by default
        `ledger-<database tag>.jsonl` next to the audit key, one copy per database (a copy follows
        one ledger chain from seq 1)."""
        if self.ledger_file:
            return self.ledger_file
        from rpa.db import database_tag

        return self.audit_key_file.parent / f"ledger-{database_tag(self.database_url_resolved)}.jsonl"

    def audit_key_bytes(self, *, create: bool = True) -> bytes:
        """The audit HMAC key: from settings, else from the key file (`rpa.audit_key`: made on a
        new database's first use, never for a check, `create` False)."""
        if self.audit_key is not None:
            return self.audit_key.get_secret_value().encode()
        from rpa.audit_key import key_from_file

        return key_from_file(self.audit_key_file, self.database_url_resolved, create=create)

    def audit_key_source(self) -> str:
        """Where the audit key comes from, as a person sets it (never the key itself)."""
        if self.audit_key is not None:
            return "RPA_AUDIT_KEY"
        return f"密钥文件 {self.audit_key_file}（RPA_AUDIT_KEY_FILE）"

    def chromium_executable(self) -> Path:
        """RPA_CHROMIUM_PATH; else, headless, Debian's headless shell; else Debian's
        /usr/bin/chromium, then `chromium` on PATH."""
        if self.chromium_path is not None:
            if not self.chromium_path.exists():
                raise BrowserMissing(
                    f"RPA_CHROMIUM_PATH 指向的 {self.chromium_path} 不存在：请改为 Chromium 可执行文件的路径"
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
            "找不到 Chromium 浏览器：请安装 Debian 的软件包（apt-get install chromium），"
            "或用 RPA_CHROMIUM_PATH 指向 Chromium 可执行文件；make demo 会替你安装"
        )

    def ams_identity(self, system_code: str | None = None) -> str:
        """The AMS instance filings go to: `ams:<code>` when AMS showed its system code after
        login (whatever URL reached it), else `id:<RPA_AMS_PORTAL_ID>`, else `ams_url_identity()`."""
        if system_code:
            return f"ams:{system_code}"
        if self.ams_portal_id:
            return f"id:{self.ams_portal_id}"
        return self.ams_url_identity()

    def ams_url_identity(self) -> str:
        """The AMS URL's scheme, host, port (unless the scheme's own) and path, lower-cased where
        case does not matter: one AMS reached by two URLs has two of these."""
        url = urlsplit(self.ams_url.strip())
        scheme = url.scheme.lower()
        port = "" if url.port in (None, {"http": 80, "https": 443}.get(scheme)) else f":{url.port}"
        return f"{scheme}://{(url.hostname or '').lower()}{port}{url.path.rstrip('/')}"

    def operators_for(self, portal: str) -> list[OperatorCredential]:
        if portal == "ams":
            return list(self.ams_operators)
        if portal == "report_platform":
            return list(self.reports_operators)
        if portal == "enterprise_check":
            return list(self.check_operators)
        raise ConfigError(f"不认识的门户 {portal!r}：应为 ams、report_platform 或 enterprise_check")

    def public_dump(self) -> dict[str, Any]:
        """Settings for run.json: secrets dropped, operator codes reduced to a count."""
        data = self.model_dump(mode="json")
        for key in list(data):
            if key.endswith(("password", "passphrase")) or key == "audit_key":
                data[key] = "***" if data[key] else None
        data["ams_operators"] = len(self.ams_operators)
        data["reports_operators"] = len(self.reports_operators)
        data["check_operators"] = len(self.check_operators)
        return data


def load_settings(*, warn: Callable[[str], None] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment and `.env`, turning every problem into a ConfigError
    that names the setting (never its value); unknown `RPA_*` names go to `warn`."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    env_file = checks.checked_env_file(checks.configuration_home())
    known = {f"RPA_{name.upper()}" for name in Settings.model_fields}
    names = [*os.environ, *checks.env_file_names(env_file)]
    retired = checks.retired_name_error(names)
    if retired is not None:
        raise ConfigError(retired)
    for line in checks.unknown_rpa_names(known, names):
        (warn or logger.warning)(line)
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(checks.describe_validation_errors(exc.errors())) from None
    except SettingsError as exc:
        raise ConfigError(checks.describe_settings_error(str(exc))) from None
