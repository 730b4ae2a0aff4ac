"""`rpa alerts check`: filings due today and not filed after the due hour, filings overdue, and
next year's working-day calendar missing.

    alerts = due_alerts(settings, config, now)   # now: aware, any zone; judged in RPA_TIMEZONE

What is filed is what the queue holds as done: an account-filing item in any other state
(pending, leased, held, failed, refused) whose deadline is today or past is not filed (the deadline
counted in PRC working days under the calendar in force now, from what the run kept of it,
`rpa.alerts.recount`: a 调休 day or next year's official schedule entered since moves it). So is
an input row a run read (`findings.read_everywhere`) but never made an item of: one put aside
while validating (需人工处理 before filing, or invalid), or a valid one of a run that stopped
before enqueuing it (its first login to AMS failed), whose deadline is today or past, unless a
filing item of the same account, action and business date stands for it now
(`findings.filing_ref`); a row read by
several runs is named once, by the latest. A dry run's items and rows filed nothing and are left
out. One alert per kind and day, naming every filing on a line of its own (account masked,
deadline, run, state); the quiet time keeps a check run from cron every hour from repeating it
more often than alerts.yaml's `quiet_minutes`, unless it names a filing not told within that time
(another run's, a T+0 export dropped after the due hour): then it goes out again, listing all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rpa.alerts.config import AlertsConfig
from rpa.alerts.findings import (
    DRY_RUN_PREFIX,
    FILING_FLOW,
    VALID,
    PutAside,
    read_everywhere,
)
from rpa.alerts.kinds import Alert, AlertKind
from rpa.alerts.recount import deadline_now
from rpa.alerts.waiting import not_queued_since
from rpa.db import engine_for
from rpa.masking import FieldClass, mask
from rpa.outcomes import item_label, outcome_label
from rpa.queue.models import ItemState
from rpa.queue.schema import items
from rpa.queue.work_queue import WorkQueue
from rpa.workdays import WorkCalendar

if TYPE_CHECKING:
    from rpa.settings import Settings

NOT_QUEUED = "not_queued"  # a valid row's state when no item stands for it (rpa.outcomes)


@dataclass(frozen=True)
class Unfiled:
    """One filing not done: masked account, deadline, run, state and its word (`item_label`)."""

    account: str
    due: date
    run_id: str
    state: str
    label: str
    item: str = ""  # its queue item's id: what the quiet time remembers as told
    estimated: bool = False  # counted through a year no calendar knows
    undated: bool = False  # its business date did not read: `due` is the day a run read it

    @property
    def due_text(self) -> str:
        """`2026-12-07`, `2027-01-04，估算` when it is an estimate, or what is known of a row
        whose date did not read."""
        if self.undated:
            return f"无法计算：业务日期未能读出，{self.due.isoformat()} 读入"
        return self.due.isoformat() + ("，估算" if self.estimated else "")


def due_alerts(settings: Settings, config: AlertsConfig, now: datetime) -> list[Alert]:
    """Every alert the check calls for at `now`."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    today = local.date()
    found: list[Alert] = []
    unfiled = unfiled_filings(settings, today)
    # a filing left unfiled long past its deadline (settled by hand, never marked) is told for
    # `overdue_days`, not every day for ever
    # a row whose date did not read may be overdue already: told from the day it was read
    overdue = [u for u in unfiled
               if (u.due < today or u.undated) and (today - u.due).days <= config.overdue_days]
    due_today = [u for u in unfiled if u.due == today and not u.undated]
    if overdue:
        found.append(_filings_alert(AlertKind.FILINGS_OVERDUE, today, overdue,
                                    "已超过报备期限仍未完成：逾期可能被处罚，请立即处理"))
    if due_today and local.hour >= config.due_hour:
        advice = (f"今天（{today.isoformat()}）到期，{config.due_hour}:00 后仍未完成："
                  "请在 AMS 服务时间内处理")
        found.append(_filings_alert(AlertKind.FILINGS_DUE, today, due_today, advice))
    calendar = calendar_alert(settings, config, today)
    if calendar is not None:
        found.append(calendar)
    return found


def unfiled_filings(settings: Settings, today: date) -> list[Unfiled]:
    """Account-filing items not done, and input rows no item stands for, whose deadline is
    `today` or earlier, earliest first."""
    WorkQueue.from_settings(settings).create_schema()  # a new database: no filings, not an error
    engine = engine_for(settings.database_url_resolved)
    columns = (items.c.id, items.c.key, items.c.payload, items.c.run_id, items.c.state, items.c.result)
    query = select(*columns).where(items.c.flow == FILING_FLOW, items.c.state != ItemState.DONE.value)
    found: list[Unfiled] = []
    calendar = WorkCalendar.load(settings.calendar_file)  # the one in force now, not the run's
    with engine.connect() as conn:
        for row in conn.execute(query):
            if row.key.startswith(DRY_RUN_PREFIX) or not isinstance(row.payload, dict):
                continue
            deadline = deadline_now(calendar, row.payload)
            if deadline is not None and deadline.due <= today:
                record = row.payload.get("record") or {}
                account = mask(str(record.get("account_no", "")), FieldClass.ACCOUNT_NO)
                found.append(Unfiled(account, deadline.due, row.run_id, row.state,
                                     item_label(row.state, row.result), str(row.id), deadline.estimated))
    found.extend(_rows_unfiled(settings, today, calendar))
    return sorted(found, key=lambda u: (u.due, u.run_id, u.account))


def _rows_unfiled(settings: Settings, today: date, calendar: WorkCalendar) -> list[Unfiled]:
    """Rows read (put aside, or valid and never enqueued), due by `today`, that no filing item
    stands for; a valid row an older chain recorded has no deadline there and is not seen."""
    latest: dict[str, Unfiled] = {}
    rows = not_queued_since(settings, read_everywhere(settings))
    # a row whose 业务类型 did not read is the same filing as a row of its account and date that
    # read (another run's export of it): one line for both, the latest run's
    known = {row.filing_ref_any: row.filing_ref for row in rows if row.filing_ref and row.filing_ref_any}
    for row in rows:  # by run, in time: a later run's row replaces an earlier run's
        deadline = row.deadline_now(calendar)
        where = f"{row.run_id}:{row.sheet}:{row.row}"
        state = NOT_QUEUED if row.status == VALID else row.status
        if deadline is None and not row.dry_run and (read_on := _undated(row)) and read_on <= today:
            latest[where] = Unfiled(row.account, read_on, row.run_id, state, outcome_label(state), where,
                                    undated=True)
        if row.dry_run or deadline is None or deadline.due > today:
            continue
        same = row.filing_ref or known.get(row.filing_ref_any) or row.filing_ref_any or where
        latest[same] = Unfiled(row.account, deadline.due, row.run_id, state,
                                                  outcome_label(state), where, deadline.estimated)
    return list(latest.values())


def _undated(row: PutAside) -> date | None:
    """The day a run read a row put aside whose business date did not read (no deadline can be
    counted, yet it is an account to file): from its run id (`YYYYMMDD-...`, RPA_TIMEZONE's).
    None for a valid row or one an older chain recorded without its account."""
    if row.status == VALID or not row.account or row.business_date:
        return None
    try:
        return datetime.strptime(row.run_id[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _filings_alert(kind: AlertKind, today: date, found: list[Unfiled], advice: str) -> Alert:
    """Every filing on a line of its own: a person acts on each, so none is left to a count."""
    runs = sorted({u.run_id for u in found})
    each = "\n".join(f"{u.account}（期限 {u.due_text}）　运行 {u.run_id}　{u.label}" for u in found)
    line = f"备案共 {len(found)} 笔（{len(runs)} 个运行）{advice}。逐笔如下：\n{each}"
    return Alert(kind, today.isoformat(), line, runs[0] if len(runs) == 1 else None,
                 names=tuple(u.item for u in found))


def calendar_alert(settings: Settings, config: AlertsConfig, today: date) -> Alert | None:
    """Next year's working-day calendar missing (or still provisional) from `calendar_from` on."""
    month, day = (int(part) for part in config.calendar_from.split("-"))
    if (today.month, today.day) < (month, day):
        return None
    next_year = today.year + 1
    calendar = WorkCalendar.load(settings.calendar_file)
    if calendar.covers_year(next_year) and not calendar.is_provisional(next_year):
        return None
    if calendar.covers_year(next_year):  # provisional: its holidays are used as they stand
        state = "仍是暂定：备案期限和定时任务按其中暂定的节假日计算，正式安排公布后可能不同"
    else:
        state = "尚未录入：备案期限和定时任务将按周一至周五估计"
    line = (
        f"{next_year} 年的节假日安排{state}。"
        f"请按国务院/人民银行公布的安排在 {settings.calendar_file} 中补上 {next_year} 年"
        f"（years: {next_year}: holidays/workdays）"
    )
    return Alert(AlertKind.CALENDAR_MISSING, str(next_year), line)
