"""Operators a portal refused at login: never tried again until a person clears the refusal.

A second try at a refused password counts towards the portal's lock-out (AMS locks an operator
after three), so a refusal is kept in the queue's database, not in the run: every later run and
resume of every flow skips the operator, and a run left with no operator stops (exit 3) saying
which operators were refused and how to clear them.

    refusals = OperatorRefusals.from_settings(settings)
    refusals.record("ams", "OP0001", code="wrong_password", message="密码错误", run_id=run_id)
    usable = usable_operators(settings, "ams")      # the configured ones not refused
    refusals.clear("ams", "OP0001")                  # `rpa operators clear OP0001`
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, String, Table, Text, delete, select

from rpa.alerts.events import alert_operator_refused
from rpa.db import immediate_transaction, ride_out_outages_of
from rpa.errors import RpaError, RunFatalError
from rpa.masking import FieldClass, mask, scrub_text
from rpa.queue.schema import UtcDateTime, insert_or_ignore
from rpa.queue.tables import tables_ready

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from rpa.settings import OperatorCredential, Settings

PORTAL_NAMES = {"ams": "AMS", "report_platform": "报表平台", "enterprise_check": "企业信息联网核查系统"}

metadata = MetaData()
refusals = Table(
    "operator_refusals",
    metadata,
    Column("portal", String(32), primary_key=True),
    Column("operator_code", String(128), primary_key=True),
    Column("refused_at", UtcDateTime(), nullable=False),
    Column("code", String(64), nullable=False),
    Column("portal_message", Text, nullable=False),  # the portal's words, scrubbed
    Column("run_id", String(64)),
)


class OperatorsRefused(RunFatalError):
    """Every operator configured for a portal was refused at login earlier: nobody to log in."""

    code = "operators_refused"


@dataclass(frozen=True)
class Refusal:
    portal: str
    operator_code: str
    refused_at: datetime
    code: str
    portal_message: str
    run_id: str | None

    @property
    def masked_code(self) -> str:
        return mask(self.operator_code, FieldClass.ACCOUNT_NO)


@ride_out_outages_of  # a database restart is waited out; each call's transaction runs again whole
class OperatorRefusals:
    """The refused operators of one database (the queue's)."""

    def __init__(self, url: str) -> None:
        self._url = url

    @classmethod
    def from_settings(cls, settings: Settings) -> OperatorRefusals:
        return cls(settings.database_url_resolved)

    @property
    def _engine(self) -> Engine:
        return tables_ready(self._url, metadata)  # looked up on use: a forked worker builds its own

    def record(self, portal: str, operator_code: str, *, code: str, message: str, run_id: str | None) -> None:
        """Keep a refusal; the first one of an operator stays (it is never tried again anyway)."""
        row = {
            "portal": portal,
            "operator_code": operator_code,
            "refused_at": datetime.now(UTC),
            "code": code,
            "portal_message": scrub_text(message)[:500],
            "run_id": run_id,
        }
        engine = self._engine
        with immediate_transaction(engine) as conn:
            conn.execute(insert_or_ignore(engine.dialect.name, refusals, "portal", "operator_code"), [row])

    def listing(self, portal: str | None = None) -> list[Refusal]:
        """Every refusal (of one portal), oldest first."""
        query = select(refusals).order_by(refusals.c.refused_at)
        if portal is not None:
            query = query.where(refusals.c.portal == portal)
        with self._engine.connect() as conn:
            return [
                Refusal(r.portal, r.operator_code, r.refused_at, r.code, r.portal_message, r.run_id)
                for r in conn.execute(query)
            ]

    def clear(self, operator_code: str, portal: str | None = None) -> list[Refusal]:
        """Forget the operator's refusals (of one portal, or every portal); the ones forgotten."""
        found = [r for r in self.listing(portal) if r.operator_code == operator_code]
        if found:
            condition = refusals.c.operator_code == operator_code
            if portal is not None:
                condition = condition & (refusals.c.portal == portal)
            with immediate_transaction(self._engine) as conn:
                conn.execute(delete(refusals).where(condition))
        return found


def remember_refusal(settings: Settings, portal: str, operator_code: str, exc: RpaError, *,
                     run_id: str | None) -> None:
    """Keep the refusal `exc` (a LoginRefused) of `operator_code` in the settings' database."""
    OperatorRefusals.from_settings(settings).record(
        portal, operator_code, code=exc.code, message=exc.portal_message or exc.message, run_id=run_id
    )
    alert_operator_refused(settings, portal, operator_code, exc.portal_message or exc.code, run_id)


def usable_operators(settings: Settings, portal: str) -> list[OperatorCredential]:
    """The operators configured for `portal` that it has not refused (in configured order);
    OperatorsRefused if some are configured and every one of them was refused."""
    configured = settings.operators_for(portal)
    if not configured:
        return []
    refused = {r.operator_code: r for r in OperatorRefusals.from_settings(settings).listing(portal)}
    usable = [op for op in configured if op.code not in refused]
    if not usable:
        raise OperatorsRefused(refused_message(portal, [refused[op.code] for op in configured]))
    return usable


def refused_message(portal: str, found: list[Refusal]) -> str:
    """The Chinese message a run stops with when no operator of `portal` is left."""
    names = "、".join(f"{r.masked_code}（{r.portal_message or r.code}）" for r in found)
    return (
        f"{PORTAL_NAMES.get(portal, portal)} 的操作员均曾被拒绝登录，不再尝试（以免被锁定）：{names}。"
        f"请核实密码或解锁后执行 `rpa operators clear 操作员代码` 解除，再续跑本批次"
    )
