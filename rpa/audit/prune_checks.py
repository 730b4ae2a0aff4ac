"""A run's `run.pruned` ledger entry checked for when it was written, by `rpa audit verify`.

A prune is judged by the clock of the host that ran it: a clock set ahead makes every recent run
look old, and the entry it writes is dated in the future. An entry dated after now, before the
run's last keyed moment (its ledger end entry, else its chain's last event), or sooner after that
moment than the age it was pruned at (`older_than_days`, recorded since the entry carries it) is
named: the folder may have been removed before its time, on a wrong clock or by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rpa.audit.chain import AuditEvent
from rpa.audit.ledger import LedgerRun
from rpa.audit.report_lines import Report

SKEW = timedelta(minutes=10)  # clocks of hosts sharing one database differ by less than this


def _when(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def check_prune(report: Report, ledger: LedgerRun, events: list[AuditEvent], now: datetime) -> None:
    """Name a prune entry whose time cannot be right (see the module docstring)."""
    pruned_at = _when(ledger.pruned_at)
    if pruned_at is None:
        report.bad(f"账本的清理记录时间无法读取（{ledger.pruned_at}）")
        return
    if pruned_at > now + SKEW:
        report.bad(f"账本的清理记录时间 {ledger.pruned_at} 晚于现在：清理时主机时钟不对，"
                   "该运行可能未到清理年限就被删除")
    last_text = ledger.ended_at or (events[-1].time if events else None)
    last = _when(last_text)
    if last is None:
        return
    if pruned_at + SKEW < last:
        report.bad(f"账本的清理记录时间 {ledger.pruned_at} 早于该运行的最后记录 {last_text}")
        return
    days = (ledger.pruned or {}).get("older_than_days")
    if isinstance(days, int) and not isinstance(days, bool) and pruned_at - last < timedelta(days=days):
        report.bad(f"清理时该运行未满 {days} 天（最后记录 {last_text}，清理于 {ledger.pruned_at}）")
