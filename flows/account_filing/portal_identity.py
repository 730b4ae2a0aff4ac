"""Which AMS a run files into, whatever URL reaches it.

AMS shows its system code (系统编号) after login. A run's AMS is `ams:<code>` when it shows one,
so one AMS reached as `http://ams-host` and as `http://10.1.2.3` is one AMS, and each row is
filed once. What an AMS URL showed is kept in the queue's database (`portal_codes`): the
first run through a URL logs in once in `prepare()` to read it (read-only, then logs out);
later runs take it from there, and every worker checks it again at its own login.

An AMS that shows no code is `id:<RPA_AMS_PORTAL_ID>`, or else known by its URL; then a second
URL for a database that already holds filings made through another URL is refused (exit 2):
the run cannot tell whether both are one AMS, and RPA_AMS_PORTAL_ID must say so.

    identity = establish_identity(settings, queue, "account-filing", read_code=lambda: "PBCAMS-1")
    identity                  # 'ams:PBCAMS-1'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, delete, insert, select

from flows.account_filing.portal_scope import PORTAL_FIELD
from rpa.db import immediate_transaction, ride_out_outages_of
from rpa.errors import ConfigError, RunFatalError
from rpa.queue.schema import UtcDateTime
from rpa.queue.tables import tables_ready

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Engine

    from rpa.queue.reads import QueueReader
    from rpa.settings import Settings

PORTAL = "ams"
FROM_CODE, FROM_ID = "ams:", "id:"
DRY_RUN_PREFIX = "dry-run:"  # a dry run's items filed nothing: they never make a URL "seen with filings"

metadata = MetaData()
portal_codes = Table(
    "portal_codes",
    metadata,
    Column("portal", String(32), primary_key=True),
    Column("url", String(512), primary_key=True),
    Column("system_code", String(64)),  # NULL: the portal showed none
    Column("seen_at", UtcDateTime(), nullable=False),
)


class PortalIdentityChanged(RunFatalError):
    """The AMS behind the URL shows another system code than the one the run was prepared for."""

    code = "portal_identity_changed"


@ride_out_outages_of  # a database restart is waited out (then DatabaseUnavailable, never a raw error)
class PortalCodes:
    """What each AMS URL showed as its system code, in the queue's database."""

    def __init__(self, url: str) -> None:
        self._url = url

    @classmethod
    def from_settings(cls, settings: Settings) -> PortalCodes:
        return cls(settings.database_url_resolved)

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)  # looked up on use: a forked worker builds its own

    def known(self, url: str) -> tuple[bool, str | None]:
        """(seen before, the code it showed: None for none)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(portal_codes.c.system_code).where(_this(url))).first()
        return (False, None) if row is None else (True, row.system_code)

    def learn(self, url: str, system_code: str | None) -> None:
        with immediate_transaction(self._engine) as conn:
            conn.execute(delete(portal_codes).where(_this(url)))
            conn.execute(insert(portal_codes).values(
                portal=PORTAL, url=url, system_code=system_code, seen_at=datetime.now(UTC)))

    def forget(self, url: str) -> None:
        with immediate_transaction(self._engine) as conn:
            conn.execute(delete(portal_codes).where(_this(url)))


def _this(url: str) -> ColumnElement[bool]:
    return (portal_codes.c.portal == PORTAL) & (portal_codes.c.url == url)


def establish_identity(
    settings: Settings, queue: QueueReader, flow: str, *, read_code: Callable[[], str | None] | None
) -> str:
    """The run's AMS identity (see the module docstring). `read_code` logs in and reads the
    code; None (a dry run) takes what is known and checks nothing."""
    url = settings.ams_url_identity()
    codes = PortalCodes.from_settings(settings)
    seen, code = codes.known(url)
    if not seen and read_code is not None:
        code = read_code()
        codes.learn(url, code)
    identity = settings.ams_identity(code)
    if read_code is not None and identity == url:  # known by its URL alone
        others = sorted(
            value for value in queue.payload_values(flow, PORTAL_FIELD, skip_key_prefix=DRY_RUN_PREFIX)
            if value != url and not value.startswith((FROM_CODE, FROM_ID))
        )
        if others:
            raise ConfigError(
                f"队列数据库中已有经另一地址（{'、'.join(others)}）办理的报备，本次 AMS 地址为 {url}，"
                "而 AMS 登录后未显示系统编号，无法判断是否同一 AMS。请设置 RPA_AMS_PORTAL_ID"
                "（同一 AMS 用同一值，如 prod；另一套 AMS 用另一值，如 uat）后重新运行",
            )
    return identity


def check_worker_identity(settings: Settings, expected: str | None, system_code: str | None) -> None:
    """At a worker's login: the code AMS shows now must give the identity the run was prepared
    for; else the URL now reaches another AMS (run-fatal; the next run reads the code anew)."""
    codes = PortalCodes.from_settings(settings)
    url = settings.ams_url_identity()
    seen = settings.ams_identity(system_code)
    if expected is None or seen == expected:
        if codes.known(url) != (True, system_code):
            codes.learn(url, system_code)
        return
    if not (seen.startswith(FROM_CODE) or expected.startswith(FROM_CODE)):
        return
    codes.forget(url)
    raise PortalIdentityChanged(
        f"AMS 地址 {url} 登录后显示的系统编号为 {system_code or '（无）'}，与本批次准备时的 {expected} 不同："
        "该地址已指向另一套 AMS。本批次停止；请核对 RPA_AMS_URL 后重新运行"
    )
